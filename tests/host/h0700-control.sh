#!/bin/bash
# poweroff, reboot, terminate, kill: each seen by the machine's own init, also through machinectl.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
O=$TEST_TMP/out
mkdir -p "$O"

# A test init that writes down each signal it receives (38 is SIGRTMIN+4 with glibc), and exits
# 0 on all of them but SIGUSR1. With IGNORE set it ignores SIGRTMIN+4.
cat > "$R/sigrec" <<'EOF'
#!/bin/sh
for s in 1 2 10 15 38; do
        trap "echo $s >> /out/sig; [ $s = 10 ] || exit 0" $s
done
[ -n "${IGNORE:-}" ] && trap "" 38
echo ready > /out/ready
while :; do sleep 0.1; done
EOF
chmod +x "$R/sigrec"

# Starts the recording init as the registered machine NAME in the background; sets $pid.
start_recorder() {
        local name=$1
        shift
        rm -f "$O/sig" "$O/ready"
        $BRUN -M "$name" --bind="$O:/out" "$@" -D "$R" /sigrec >"$TEST_TMP/run.log" 2>&1 & pid=$!
        wait_for "test -e $O/ready && machinectl show $name >/dev/null" 10
}
signals() { tr "\n" " " < "$O/sig" 2>/dev/null; }

test_expect_success 'berth poweroff sends SIGRTMIN+4 to the init and returns when the machine is gone' '
        start_recorder c1 || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        "$BERTH" poweroff c1 && ! machinectl show c1 >/dev/null 2>&1 && ! kill -0 $pid 2>/dev/null &&
        expect_eq "$(signals)" "38 "
'
test_expect_success 'berth reboot sends SIGINT; with nothing to restart it, it returns when the machine is down' '
        start_recorder c2 || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        "$BERTH" reboot c2 && ! machinectl show c2 >/dev/null 2>&1 && expect_eq "$(signals)" "2 "
'
test_expect_success 'berth kill signals the leader or all, the machine keeps running' '
        start_recorder c3 || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        "$BERTH" kill c3 --kill-whom=leader --signal=SIGUSR1 && wait_for "test -s $O/sig" 5 &&
        expect_eq "$(signals)" "10 " && machinectl show c3 >/dev/null &&
        "$BERTH" kill c3 -s USR1 && sleep 0.5 && expect_eq "$(signals)" "10 10 " &&
        "$BERTH" kill c3 && timeout 10 tail --pid=$pid -f /dev/null && expect_eq "$(signals)" "10 10 15 "
'
test_expect_success 'berth terminate stops the scope: berth run sends the kill signal, berth terminate waits' '
        start_recorder c4 --kill-signal=SIGTERM || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        "$BERTH" terminate c4 && ! machinectl show c4 >/dev/null 2>&1 && ! kill -0 $pid 2>/dev/null &&
        expect_eq "$(signals)" "15 "
'
test_expect_success 'machinectl poweroff, reboot and kill reach the init the same way' '
        start_recorder c5 || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        machinectl kill --kill-whom=leader --signal=SIGUSR1 c5 && wait_for "test -s $O/sig" 5 &&
        machinectl poweroff c5 && timeout 10 tail --pid=$pid -f /dev/null && expect_eq "$(signals)" "10 38 " &&
        start_recorder c6 && machinectl reboot c6 && timeout 10 tail --pid=$pid -f /dev/null && expect_eq "$(signals)" "2 "
'
test_expect_success '--no-block returns at once; a machine that ignores the request runs into --timeout' '
        start_recorder c7 -E IGNORE=1 || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        "$BERTH" poweroff --no-block c7 && machinectl show c7 >/dev/null &&
        err=$("$BERTH" poweroff --timeout=1 c7 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "did not power off within 1s" "$err" && machinectl show c7 >/dev/null
'
test_expect_success 'bad input: an unknown machine, a bad signal, a bad --kill-whom' '
        err=$("$BERTH" poweroff no-such-machine 2>&1); r1=$?
        err2=$("$BERTH" kill no-such-machine 2>&1); r2=$?
        err3=$("$BERTH" kill x --signal=SIGNOPE 2>&1); r3=$?
        err4=$("$BERTH" kill x --kill-whom=some 2>&1); r4=$?
        test $r1 -eq 1 && expect_contains "no-such-machine is not running" "$err" &&
        test $r2 -eq 1 && expect_contains "not running" "$err2" &&
        test $r3 -eq 1 && expect_contains "SIGNOPE" "$err3" && test $r4 -eq 1 && expect_contains "some" "$err4"
'

M=hostos
inside() { nsenter -t "$(machinectl show $M -p Leader --value)" -a "$@"; }
up() { inside systemctl is-system-running 2>/dev/null | grep -qE "running|degraded"; }
test_expect_success 'a booted machine in berth@.service: berth reboot returns when it is back up' '
        "$BERTH" start $M && wait_for up 60 && old=$(machinectl show $M -p Leader --value) &&
        "$BERTH" reboot $M && new=$(machinectl show $M -p Leader --value) &&
        test -n "$new" && test "$new" != "$old" && systemctl is-active --quiet berth@$M.service
'
test_expect_success 'berth poweroff powers it off cleanly: the unit is inactive when it returns' '
        test_when_finished "\"$BERTH\" stop $M"
        wait_for up 60 && "$BERTH" poweroff $M &&
        expect_eq "$(systemctl is-active berth@$M.service)" inactive &&
        expect_eq "$(systemctl show berth@$M.service -p Result --value)" success
'
test_done
