#!/bin/bash
# Settings files: NAME.berth and NAME.nspawn, trust, precedence, errors with FILE:LINE.
. "$(dirname "$0")/../lib/tap.sh"

I=$TEST_TMP/images
mkdir -p "$I" /etc/berth /etc/systemd/nspawn
R=$I/sett
make_busybox_root "$R"
cleanup_files() { rm -f /etc/berth/sett.berth /etc/systemd/nspawn/sett.nspawn "$I/sett.berth" "$I/sett.nspawn"; }
trap 'cleanup_files; rm -rf "$TEST_TMP"' EXIT

test_expect_success 'a trusted /etc/berth/NAME.berth sets what the command line does not' '
        cleanup_files
        cat > /etc/berth/sett.berth <<-\EOT &&
	[Exec]
	Environment=FROM_FILE=1
	WorkingDirectory=/etc
	Parameters=/bin/sh -c "echo $FROM_FILE; pwd"
	EOT
        out=$(brun -D "$R") && expect_eq "$out" "1
/etc"
'
test_expect_success 'the command line wins with --settings=yes, the file with --settings=override' '
        out=$(brun --chdir=/root -D "$R" /bin/sh -c pwd) && expect_eq "$out" /root &&
        out=$(brun --settings=override --chdir=/root -D "$R" /bin/sh -c pwd) && expect_eq "$out" "1
/etc"
'
test_expect_success '--settings=no reads no file' '
        out=$(brun --settings=no -D "$R" /bin/sh -c "echo \${FROM_FILE:-none}") && expect_eq "$out" none
'
test_expect_success 'a NAME.nspawn in /etc/systemd/nspawn is read when there is no NAME.berth' '
        cleanup_files
        printf "[Exec]\nHostname=from-nspawn\n" > /etc/systemd/nspawn/sett.nspawn &&
        out=$(brun -D "$R" hostname) && expect_eq "$out" from-nspawn
'
test_expect_success 'a file beside the image is untrusted: privileged keys are ignored with a warning' '
        cleanup_files
        mkdir -p "$TEST_TMP/hostdir" && printf "[Files]\nBind=$TEST_TMP/hostdir:/hostdir\n[Exec]\nEnvironment=SIDE=1\n" > "$I/sett.berth" &&
        out=$(brun -D "$R" /bin/sh -c "echo \$SIDE; test -d /hostdir && echo bound || echo not-bound" 2>"$TEST_TMP/err") &&
        expect_eq "$out" "1
not-bound" && expect_contains "$I/sett.berth:2" "$(cat $TEST_TMP/err)"
'
test_expect_success '--settings=trusted trusts it' '
        out=$(brun --settings=trusted -D "$R" /bin/sh -c "test -d /hostdir && echo bound") && expect_eq "$out" bound
'
test_expect_success 'unknown keys and bad values are warnings naming FILE:LINE, never fatal' '
        cleanup_files
        printf "[Exec]\nFrobnicate=1\nKillSignal=SIGNOPE\n[Bogus]\nX=1\n" > /etc/berth/sett.berth &&
        out=$(brun -D "$R" echo ran 2>"$TEST_TMP/err") && expect_eq "$out" ran &&
        err=$(cat "$TEST_TMP/err") &&
        expect_contains "/etc/berth/sett.berth:2" "$err" && expect_contains "/etc/berth/sett.berth:3" "$err" &&
        expect_contains "Bogus" "$err"
'
test_expect_success 'a file that conflicts with the command line fails with one line naming it' '
        cleanup_files
        printf "[Files]\nVolatile=yes\n" > /etc/berth/sett.berth &&
        err=$(brun -x -D "$R" true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "sett.berth" "$err" && expect_eq "$(echo "$err" | wc -l)" 1
'
test_expect_success 'a file'"'"'s Boot=yes is checked like --boot: an image without os-release is refused' '
        cleanup_files
        rm -f "$R/etc/os-release" && test_when_finished "printf \"ID=busybox\\n\" > $R/etc/os-release" &&
        printf "[Exec]\nBoot=yes\n" > /etc/berth/sett.berth &&
        err=$(brun -D "$R" 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "os-release" "$err"
'
cleanup_files
test_done
