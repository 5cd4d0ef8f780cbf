#!/bin/bash
# Credentials: --set-credential= and --load-credential=, in /run/host/credentials, read-only, named by
# $CREDENTIALS_DIRECTORY; never on a command line or in a log; nothing left behind.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
mkdir -p /etc/berth
cleanup_files() { rm -f /etc/berth/credm.berth "$TEST_TMP/credm.berth"; }
trap 'cleanup_files; rm -rf "$TEST_TMP"' EXIT
# What must never leak.
SECRET=s3cr3t-$$-value

no_leftovers() {
        if ls /run/berth/machines 2>/dev/null | grep -q .; then echo "left: $(ls /run/berth/machines)"; return 1; fi
        if ls /run/berth/locks 2>/dev/null | grep -q .; then echo "locks left: $(ls /run/berth/locks)"; return 1; fi
        if grep -rqs --exclude-dir="$(basename "$TEST_TMP")" "$SECRET" /run /tmp 2>/dev/null; then echo "the value is in a file on the host"; return 1; fi
        if grep -q /run/host/credentials /proc/self/mountinfo; then echo "a credentials mount is left"; return 1; fi
}

test_expect_success 'the values, with C escapes, are files in /run/host/credentials, 0400 root in a 0500 directory' '
        out=$(brun -D "$R" --set-credential="plain:$SECRET" --set-credential="esc:a\\nb\\x00c\\\\\\101" /bin/sh -c \
                "cd /run/host/credentials && stat -c \"%n %a %u %g\" . plain esc && cat plain && echo && od -An -c esc") &&
        expect_eq "$out" ". 500 0 0
plain 400 0 0
esc 400 0 0
$SECRET
   a  \\n   b  \\0   c   \\   A" && no_leftovers
'
test_expect_success '$CREDENTIALS_DIRECTORY is in PID 1'"'"'s environment, only with credentials' '
        out=$(brun -D "$R" --set-credential=a:1 /bin/sh -c "tr \"\\0\" \"\\n\" < /proc/1/environ | grep ^CREDENTIALS_DIRECTORY=") &&
        expect_eq "$out" CREDENTIALS_DIRECTORY=/run/host/credentials &&
        out=$(brun -D "$R" /bin/sh -c "echo \${CREDENTIALS_DIRECTORY:-none}; test -e /run/host/credentials && echo exists; true") &&
        expect_eq "$out" none
'
test_expect_success 'with --as-pid2: the payload has $CREDENTIALS_DIRECTORY, the stub shows no command line of berth'"'"'s' '
        out=$(brun -a -D "$R" --set-credential="a:$SECRET" /bin/sh -c \
                "echo \$CREDENTIALS_DIRECTORY; cat \$CREDENTIALS_DIRECTORY/a; echo; tr \"\\0\" \" \" < /proc/1/cmdline; echo; ps -o args; tr \"\\0\" \"\\n\" < /proc/1/environ | grep ^container=") &&
        expect_contains "/run/host/credentials
$SECRET
berth-init" "$out" && expect_contains "container=berth" "$out" &&
        test "$(echo "$out" | grep -c "$SECRET")" -eq 1
'
test_expect_success 'the directory is read-only, also for root, and its file system too' '
        out=$(brun -D "$R" --set-credential=a:1 /bin/sh -c \
                "echo x > /run/host/credentials/a 2>/dev/null || echo ro1; touch /run/host/credentials/b 2>/dev/null || echo ro2; chmod 777 /run/host/credentials/a 2>/dev/null || echo ro3; grep \" /run/host/credentials \" /proc/self/mountinfo") &&
        expect_contains "ro1
ro2
ro3" "$out" && expect_contains "/run/host/credentials ro,nosuid,nodev,noexec" "$out" &&
        expect_contains "ramfs ramfs ro," "$out"
'
test_expect_success 'with --user they are that user'"'"'s (0400 in a 0500 directory): it reads them, no other user does' '
        out=$(brun -D "$R" -u user --set-credential="a:$SECRET" /bin/sh -c "stat -c \"%a %U\" /run/host/credentials /run/host/credentials/a; cat /run/host/credentials/a") &&
        expect_eq "$out" "500 user
400 user
$SECRET"
'
test_expect_success '--load-credential= reads a host file, binary and all' '
        head -c 4096 /dev/urandom > "$TEST_TMP/bin" && printf "%s" "$SECRET" > "$TEST_TMP/secret" &&
        brun -D "$R" --bind="$TEST_TMP:/host" --load-credential=bin:"$TEST_TMP/bin" --load-credential="key:$TEST_TMP//secret" \
                /bin/sh -c "cmp /run/host/credentials/bin /host/bin && cat /run/host/credentials/key" > "$TEST_TMP/out" &&
        expect_eq "$(cat "$TEST_TMP/out")" "$SECRET" && no_leftovers
'
test_expect_success '--load-credential=ID:NAME passes on berth'"'"'s own credential NAME from $CREDENTIALS_DIRECTORY' '
        mkdir -p "$TEST_TMP/creds" && printf "passed-%s" "$SECRET" > "$TEST_TMP/creds/outer" &&
        out=$(CREDENTIALS_DIRECTORY=$TEST_TMP/creds brun -D "$R" --load-credential=inner:outer cat /run/host/credentials/inner) &&
        expect_eq "$out" "passed-$SECRET" &&
        err=$(env -u CREDENTIALS_DIRECTORY $BRUN -D "$R" --load-credential=inner:outer true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "CREDENTIALS_DIRECTORY" "$err" && expect_eq "$(echo "$err" | wc -l)" 1
'
test_expect_success 'a missing file: one line naming the credential and the file, nothing started, nothing left' '
        err=$(brun -D "$R" --load-credential=gone:/no/such/file echo started 2>&1); rc=$?
        test $rc -ne 0 && expect_eq "$(echo "$err" | wc -l)" 1 &&
        expect_contains "gone" "$err" && expect_contains "/no/such/file" "$err" && expect_contains "No such file" "$err" &&
        ! expect_contains started "$err" >/dev/null && no_leftovers
'
test_expect_success 'a directory, a FIFO or a socket is refused clearly' '
        mkfifo "$TEST_TMP/fifo" &&
        err=$(timeout 10 $BRUN -D "$R" --load-credential=f:"$TEST_TMP/fifo" true 2>&1); rc=$?
        test $rc -ne 0 && test $rc -ne 124 && expect_contains "not a regular file" "$err" &&
        err=$(brun -D "$R" --load-credential=d:/etc true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "/etc" "$err" && expect_contains "directory" "$err" &&
        python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$TEST_TMP/sock" &&
        err=$(brun -D "$R" --load-credential=s:"$TEST_TMP/sock" true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "socket" "$err"
'
test_expect_success 'the limits: 1 MiB a credential, 1 MiB together' '
        head -c 1048576 /dev/zero > "$TEST_TMP/mib" && head -c 1048577 /dev/zero > "$TEST_TMP/big" &&
        out=$(brun -D "$R" --load-credential=m:"$TEST_TMP/mib" wc -c /run/host/credentials/m) &&
        expect_eq "$out" "1048576 /run/host/credentials/m" &&
        err=$(brun -D "$R" --load-credential=b:"$TEST_TMP/big" true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "larger than 1 MiB" "$err" && expect_contains "'"'b'"'" "$err" &&
        err=$(brun -D "$R" --load-credential=m:"$TEST_TMP/mib" --set-credential=one:1 true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "together" "$err" && no_leftovers
'
test_expect_success 'the same ID twice is refused, as in nspawn' '
        err=$(brun -D "$R" --set-credential=a:1 --load-credential=a:/etc/hostname true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "given twice" "$err"
'
test_expect_success 'no value in berth'"'"'s messages, even at debug level, nor in its errors' '
        BERTH_LOG_LEVEL=debug $BRUN -D "$R" --set-credential="a:$SECRET" --load-credential="b:$TEST_TMP/secret" true > "$TEST_TMP/log" 2>&1 &&
        ! grep -q "$SECRET" "$TEST_TMP/log" &&
        err=$(brun -D "$R" --set-credential="a:$SECRET\\q" true 2>&1); rc=$?
        test $rc -ne 0 && ! expect_contains "$SECRET" "$err" >/dev/null
'
test_expect_success 'the value is on no command line in the machine, nor on the host beyond berth'"'"'s own' '
        $BRUN -a -M credps -D "$R" --set-credential="a:$SECRET" sleep 30 & pid=$! &&
        test_when_finished "kill -KILL $pid" &&
        leader=$(machine_leader $pid) && wait_for "test \"\$(cat /proc/$leader/comm)\" = berth-init" 5 &&
        wait_for "test -n \"\$(cat /proc/$leader/task/$leader/children)\"" 5 &&
        others=$(for p in $(ls /proc | grep -E "^[0-9]+$"); do test "$p" = "$pid" || tr "\0" " " < /proc/$p/cmdline 2>/dev/null; echo; done) &&
        ! expect_contains "$SECRET" "$others" >/dev/null
'
test_expect_success 'a trusted settings file: SetCredential= and LoadCredential=, by ID under the command line'"'"'s' '
        cleanup_files
        printf "[Exec]\nSetCredential=from-file:file\\\\x21\nSetCredential=both:file\nLoadCredential=key:%s\n" "$TEST_TMP/secret" > /etc/berth/credm.berth &&
        out=$(brun -M credm -D "$R" --set-credential=both:cmdline /bin/sh -c "cd /run/host/credentials; for f in *; do echo \$f=\$(cat \$f); done") &&
        expect_eq "$out" "both=cmdline
from-file=file!
key=$SECRET" &&
        out=$(brun --settings=override -M credm -D "$R" --set-credential=both:cmdline cat /run/host/credentials/both) &&
        expect_eq "$out" file
'
test_expect_success 'an untrusted file beside the image: SetCredential= is taken, LoadCredential= ignored with a warning' '
        cleanup_files
        mkdir -p "$TEST_TMP/img" && rm -rf "$TEST_TMP/img/credm" && cp -a "$R" "$TEST_TMP/img/credm" &&
        printf "[Exec]\nSetCredential=side:1\nLoadCredential=shadow:/etc/shadow\n" > "$TEST_TMP/img/credm.berth" &&
        out=$(brun -D "$TEST_TMP/img/credm" ls /run/host/credentials 2>"$TEST_TMP/err") &&
        expect_eq "$out" side && expect_contains "credm.berth:3: LoadCredential= is a privileged setting" "$(cat "$TEST_TMP/err")"
'
cleanup_files

# A booted machine: systemd inside imports the credentials and passes them to its services.
HASH='$6$berthtest$Cz1rXh0WqcD2c3sG6wV5mQ5Ue1m7eP7tS0sV7mYb3O1u8Jm2pD2y3cYF2v0bR6mKq4s8oWbq1dA0n9hFzZx1T.'
if [ ! -x /usr/lib/systemd/systemd ]; then
        test_skip 'a booted machine uses its credentials' 'systemd is not installed (tools/setup.sh installs it)'
else
        test_expect_success 'a booted volatile machine: systemd lists them, sysusers sets root'"'"'s password, firstboot the timezone' '
                $BRUN -D / --volatile=yes -b -M credboot --set-credential="passwd.hashed-password.root:$HASH" \
                        --set-credential=firstboot.timezone:Europe/Berlin --set-credential="mine:$SECRET" systemd.firstboot=on \
                        > "$TEST_TMP/boot.log" 2>&1 & pid=$!
                test_when_finished "kill -KILL $pid"
                leader=$(machine_leader $pid) &&
                wait_for "nsenter -t $leader -a test -S /run/systemd/private" 60 &&
                state=$(timeout 120 nsenter -t $leader -a systemctl is-system-running --wait)
                case "$state" in running|degraded) ;; *) echo "state: $state"; return 1 ;; esac
                creds=$(nsenter -t $leader -a systemd-creds --system list --no-legend) &&
                shadow=$(nsenter -t $leader -a grep ^root: /etc/shadow) &&
                tz=$(nsenter -t $leader -a readlink /etc/localtime) &&
                svc=$(nsenter -t $leader -a systemd-run --wait --pipe --quiet -p LoadCredential=mine sh -c "cat \$CREDENTIALS_DIRECTORY/mine")
                kill -TERM $pid; wait $pid; rc=$?
                expect_contains "passwd.hashed-password.root" "$creds" && expect_contains "firstboot.timezone" "$creds" &&
                expect_contains "root:$HASH:" "$shadow" &&
                expect_eq "$tz" ../usr/share/zoneinfo/Europe/Berlin && expect_contains "$SECRET" "$svc" &&
                expect_eq $rc 0 && ! grep -q "$SECRET" "$TEST_TMP/boot.log" && no_leftovers
        '
fi
test_done
