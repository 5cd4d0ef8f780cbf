#!/bin/bash
# Credentials through units: berth start makes them the unit's own SetCredential=/LoadCredential=,
# never words of its command line; single-process units get them from systemd; a booted machine's
# systemd uses them; unit files of generate-unit carry them.
. "$(dirname "$0")/../lib/tap.sh"

M=hostos
R=$TEST_TMP/root
make_busybox_root "$R"
O=$TEST_TMP/out
mkdir -p "$O"
chmod 1777 "$O"
SECRET=s3cr3t-$$-value
printf 'from-a-file-%s' "$SECRET" > /etc/berth-test-credential
chmod 0600 /etc/berth-test-credential
version=$(systemctl --version | awk "NR == 1 { print \$2 }")
trap 'rm -rf /etc/berth-test-credential /etc/berth/$M.berth /etc/systemd/system/berth@$M.service.d "$TEST_TMP"; systemctl daemon-reload' EXIT

leader_of() { machinectl show "$1" -p Leader --value; }
inside() { local l; l=$(leader_of $M) && nsenter -t "$l" -a "$@"; }
# Waits for a single-process unit to finish.
finished() {
        wait_for "! systemctl is-active --quiet berth-$1.service" 20
        systemctl reset-failed "berth-$1.service" 2>/dev/null
        return 0
}

test_expect_success 'berth start NAME --set-credential=: the value is the unit'"'"'s credential, not in its ExecStart=' '
        "$BERTH" start $M --set-credential="mine:$SECRET" --load-credential=file:/etc/berth-test-credential &&
        test_when_finished "\"$BERTH\" stop $M" &&
        exec_start=$(systemctl show berth-$M.service -p ExecStart) &&
        path=$(busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s berth-$M.service | cut -d\" -f2) &&
        load=$(busctl get-property org.freedesktop.systemd1 "$path" org.freedesktop.systemd1.Service LoadCredential) &&
        main=$(systemctl show berth-$M.service -p MainPID --value) &&
        expect_contains "--load-credential=mine:mine" "$exec_start" && expect_contains "--load-credential=file:file" "$exec_start" &&
        ! expect_contains "$SECRET" "$exec_start" >/dev/null &&
        ! tr "\0" " " < /proc/$main/cmdline | grep -q "$SECRET" &&
        expect_eq "$load" "a(ss) 1 \"file\" \"/etc/berth-test-credential\"" &&
        expect_eq "$(inside cat /run/host/credentials/mine)" "$SECRET" &&
        expect_eq "$(inside cat /run/host/credentials/file)" "from-a-file-$SECRET" &&
        creds=$(inside systemd-creds --system list --no-legend) && expect_contains "mine" "$creds" && expect_contains "file" "$creds"
'
test_expect_success 'a credential file that is missing: berth start fails at once, naming it, and starts nothing' '
        err=$("$BERTH" start $M --load-credential=gone:/no/such/file 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "gone" "$err" && expect_contains "/no/such/file" "$err" &&
        ! systemctl is-active --quiet berth-$M.service
'
test_expect_success 'berth@NAME.service passes on what its drop-in loads, with a settings file'"'"'s LoadCredential=ID:ID' '
        mkdir -p /etc/systemd/system/berth@$M.service.d /etc/berth &&
        printf "[Service]\nLoadCredential=tok:/etc/berth-test-credential\n" > /etc/systemd/system/berth@$M.service.d/cred.conf &&
        printf "[Exec]\nLoadCredential=tok:tok\n" > /etc/berth/$M.berth &&
        test_when_finished "rm -rf /etc/systemd/system/berth@$M.service.d /etc/berth/$M.berth; systemctl daemon-reload" &&
        systemctl daemon-reload && "$BERTH" start $M &&
        test_when_finished "\"$BERTH\" stop $M" &&
        expect_eq "$(machinectl show $M -p Unit --value)" berth@$M.service &&
        expect_eq "$(inside cat /run/host/credentials/tok)" "from-a-file-$SECRET"
'
test_expect_success 'berth start does not pass on its own credentials: the unit would show them to every user' '
        out=$(systemd-run --wait --pipe --quiet --collect -p LoadCredential=outer:/etc/berth-test-credential \
                "$BERTH" start $M --load-credential=inner:outer 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "'"'"'inner'"'"'" "$out" && expect_contains "absolute path" "$out" &&
        ! systemctl is-active --quiet berth-$M.service
'
test_expect_success 'a volatile booted machine: sysusers gives root the password of passwd.hashed-password.root' '
        hash="\$6\$berthtest\$Cz1rXh0WqcD2c3sG6wV5mQ5Ue1m7eP7tS0sV7mYb3O1u8Jm2pD2y3cYF2v0bR6mKq4s8oWbq1dA0n9hFzZx1T." &&
        "$BERTH" start $M --volatile=yes --set-credential="passwd.hashed-password.root:$hash" &&
        test_when_finished "\"$BERTH\" stop $M" &&
        state=$(inside systemctl is-system-running --wait) &&
        case "$state" in running|degraded) ;; *) echo "state: $state"; false ;; esac &&
        expect_contains "passwd.hashed-password.root" "$(inside systemd-creds --system list --no-legend)" &&
        expect_eq "$(inside grep ^root: /etc/shadow | cut -d: -f2)" "$hash" &&
        svc=$(inside systemd-run --wait --pipe --quiet -p LoadCredential=passwd.hashed-password.root sh -c "cat \$CREDENTIALS_DIRECTORY/*") &&
        expect_eq "$svc" "$hash"
'
test_expect_success 'a single-process machine run as a user: the payload reads $CREDENTIALS_DIRECTORY as its user' '
        "$BERTH" start spc -D "$R" -u user --bind="$O:/out" --set-credential="mine:$SECRET" \
                --load-credential=file:/etc/berth-test-credential -- \
                sh -c "echo \$CREDENTIALS_DIRECTORY > /out/dir; cat \$CREDENTIALS_DIRECTORY/mine > /out/mine; cat \$CREDENTIALS_DIRECTORY/file > /out/file; stat -c %U \$CREDENTIALS_DIRECTORY/mine > /out/owner; sleep 2" &&
        exec_start=$(systemctl show berth-spc.service -p ExecStart) && finished spc &&
        if [ "$version" -lt 257 ]; then dir=/run/host/credentials; else dir=/run/credentials/berth-spc.service; fi &&
        expect_eq "$(cat $O/dir)" $dir && expect_eq "$(cat $O/mine)" "$SECRET" &&
        expect_eq "$(cat $O/file)" "from-a-file-$SECRET" && expect_eq "$(cat $O/owner)" user &&
        ! expect_contains "$SECRET" "$exec_start" >/dev/null
'
test_expect_success 'a root single-process machine under the launcher (systemd before 257) gets them too' '
        "$BERTH" start spcr -D "$R" --bind="$O:/out" --set-credential="mine:$SECRET" -- \
                sh -c "cat \$CREDENTIALS_DIRECTORY/mine > /out/rmine; sleep 2" &&
        exec_start=$(systemctl show berth-spcr.service -p ExecStart) && finished spcr &&
        expect_eq "$(cat $O/rmine)" "$SECRET" && ! expect_contains "$SECRET" "$exec_start" >/dev/null &&
        if [ "$version" -lt 257 ]; then expect_contains "--load-credential=mine:mine" "$exec_start"; fi
'
test_expect_success 'generate-unit: the unit file carries them (escaped, 0600), the payload gets every byte' '
        printf "%s" "$SECRET" > "$TEST_TMP/expected" && printf " 100%%\n\tend\\\\ \"q\" '"'"'q'"'"' \303\251 " >> "$TEST_TMP/expected" &&
        cp -a "$R" /var/lib/machines/gencred && test_when_finished "rm -rf /var/lib/machines/gencred" &&
        "$BERTH" generate-unit gencred -D /var/lib/machines/gencred -u user --bind="$O:/out" \
                --set-credential="mine:$SECRET 100%\\n\\tend\\\\ \\\"q\\\" '"'"'q'"'"' \\u00e9 " --load-credential=file:/etc/berth-test-credential \
                --output=/etc/systemd/system/gencred.service -- sh -c "cat \$CREDENTIALS_DIRECTORY/mine > /out/gmine; cat \$CREDENTIALS_DIRECTORY/file > /out/gfile" &&
        test_when_finished "rm -f /etc/systemd/system/gencred.service; systemctl daemon-reload" &&
        expect_eq "$(stat -c %a /etc/systemd/system/gencred.service)" 600 &&
        grep -q "^LoadCredential=file:/etc/berth-test-credential$" /etc/systemd/system/gencred.service &&
        systemctl daemon-reload && systemctl start gencred.service &&
        wait_for "test -s $O/gfile" 10 && cmp "$O/gmine" "$TEST_TMP/expected" &&
        expect_eq "$(cat $O/gfile)" "from-a-file-$SECRET"
'
test_expect_success 'generate-unit of a booted machine: berth run in the unit passes them on' '
        "$BERTH" generate-unit $M --set-credential="mine:$SECRET" --output=/etc/systemd/system/gencredboot.service &&
        test_when_finished "systemctl stop gencredboot.service; rm -f /etc/systemd/system/gencredboot.service; systemctl daemon-reload" &&
        grep -q "^ExecStart=.*\"--load-credential=mine:mine\"" /etc/systemd/system/gencredboot.service &&
        ! grep "^ExecStart=" /etc/systemd/system/gencredboot.service | grep -q "$SECRET" &&
        systemctl daemon-reload && systemctl start gencredboot.service &&
        expect_eq "$(inside cat /run/host/credentials/mine)" "$SECRET"
'
test_done
