#!/bin/bash
# berth run: exit status, argument handling, PID 1 and --as-pid2.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"

test_expect_success 'the payload exit status is berth'"'"'s' '
        brun -D "$R" -- /bin/sh -c "exit 7"; expect_eq $? 7
'
test_expect_success 'options end at the first non-option argument' '
        brun -D "$R" /bin/sh -c "exit 5"; expect_eq $? 5
'
test_expect_success 'a payload killed by a signal gives 128+N' '
        $BRUN -D "$R" /bin/sleep 100 & pid=$!
        leader=$(machine_leader $pid) && kill -KILL $leader; wait $pid; expect_eq $? 137
'
test_expect_success 'a missing command exits 127 with one line naming it' '
        err=$(brun -D "$R" /nonexistent 2>&1 >/dev/null); rc=$?
        expect_eq $rc 127 && expect_contains "/nonexistent" "$err" && expect_eq "$(printf "%s\n" "$err" | wc -l)" 1
'
test_expect_success 'a command found in $PATH runs' '
        out=$(brun -D "$R" echo hello) && expect_eq "$out" hello
'
test_expect_success 'without a command /bin/sh runs' '
        out=$(echo "echo from-sh" | brun -D "$R") && expect_eq "$out" from-sh
'
test_expect_success 'the payload is PID 1' '
        out=$(brun -D "$R" /bin/sh -c "echo \$\$") && expect_eq "$out" 1
'
test_expect_success '--as-pid2 runs the command as PID 2 under a stub init' '
        out=$(brun -a -D "$R" /bin/sh -c "echo \$\$; cat /proc/1/comm") &&
        expect_eq "$out" "2
berth-init"
'
test_expect_success '--as-pid2 passes the exit status on' '
        brun -a -D "$R" /bin/sh -c "exit 9"; expect_eq $? 9
'
test_expect_success '--as-pid2 reaps orphaned zombies' '
        out=$(brun -a -D "$R" /bin/sh -c "(sleep 0.1 & exec true); sleep 0.5; ps -o stat,comm | grep -c ^Z || true") &&
        expect_eq "$out" 0
'
test_expect_success '--as-pid2 forwards signals to the payload' '
        brun -a -D "$R" /bin/sh -c "trap \"exit 42\" TERM; kill -TERM 1; sleep 5 & wait"; expect_eq $? 42
'
test_expect_success 'SIGTERM to berth kills a non-booted machine (SIGKILL)' '
        $BRUN -D "$R" /bin/sleep 100 & pid=$!
        machine_leader $pid >/dev/null && kill -TERM $pid; wait $pid; expect_eq $? 137
'
test_expect_success '--kill-signal chooses the signal SIGTERM sends' '
        $BRUN --kill-signal=SIGUSR1 -D "$R" /bin/sh -c "trap \"exit 11\" USR1; while :; do sleep 0.1; done" & pid=$!
        machine_leader $pid >/dev/null && sleep 0.3 && kill -TERM $pid; wait $pid; expect_eq $? 11
'
test_expect_success 'a second SIGTERM kills at once' '
        $BRUN --kill-signal=SIGUSR1 -D "$R" /bin/sh -c "trap \"\" USR1; while :; do sleep 0.1; done" & pid=$!
        machine_leader $pid >/dev/null && sleep 0.3 && kill -TERM $pid && sleep 0.3 && kill -TERM $pid
        wait $pid; expect_eq $? 137
'
test_expect_success 'an image is found by name in /var/lib/machines' '
        mkdir -p /var/lib/machines && n=berth-test-$$ &&
        cp -a "$R" /var/lib/machines/$n && test_when_finished "rm -rf /var/lib/machines/$n" &&
        out=$(brun -M $n hostname) && expect_eq "$out" $n
'
test_expect_success '--boot execs the image'"'"'s init with the remaining arguments (and no first-boot wizard without a terminal)' '
        B=$TEST_TMP/bootroot && cp -a "$R" "$B" && rm -f "$B/usr/bin/init" &&
        printf "#!/bin/sh\necho \"init \$0 \$*\"; echo \$\$\n" > "$B/usr/bin/init" && chmod +x "$B/usr/bin/init" &&
        out=$(brun -b -D "$B" quiet x=1) && expect_eq "$out" "init /sbin/init quiet x=1 systemd.firstboot=off
1" &&
        out=$(brun -b -D "$B" systemd.firstboot=yes) && expect_eq "$out" "init /sbin/init systemd.firstboot=yes
1"
'
test_expect_success '--boot in an image without an init says so' '
        B=$TEST_TMP/noinit && cp -a "$R" "$B" && rm -f "$B/usr/bin/init" &&
        err=$(brun -b -D "$B" 2>&1); rc=$?
        expect_eq $rc 127 && expect_contains "Failed to find an init" "$err"
'
test_expect_success '--register and --keep-unit are accepted' '
        brun --register=no --keep-unit -D "$R" true && brun --register=auto -D "$R" true
'
test_expect_success 'berth --help and run --help exit 0' '
        "$BERTH" --help >/dev/null && "$BERTH" run --help | grep -q -- --ephemeral
'
test_done
