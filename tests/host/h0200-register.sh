#!/bin/bash
# Registration with systemd-machined, seen through machinectl and systemctl.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
U=0123456789abcdef0123456789abcdef

# Starts a machine that sleeps, in the background; sets $pid and waits for its registration.
start_sleeper() {
        local name=$1
        shift
        $BRUN -M "$name" "$@" -D "$R" sleep 100 & pid=$!
        wait_for "machinectl show $name >/dev/null" 10
}

test_expect_success 'berth run registers the machine in its own scope in machine.slice' '
        start_sleeper reg1 --uuid=$U || { kill $pid; return 1; }
        show=$(machinectl show reg1)
        unit=$(machinectl show reg1 -p Unit --value)
        slice=$(systemctl show "$unit" -p Slice --value)
        leader=$(machinectl show reg1 -p Leader --value)
        cg=$(sed -n "s/^0:://p" /proc/$leader/cgroup)
        delegate=$(systemctl show "$unit" -p Delegate --value)
        policy=$(systemctl show "$unit" -p DevicePolicy --value)
        killsig=$(systemctl show "$unit" -p KillSignal --value)
        kill -TERM $pid; wait $pid
        expect_eq "$unit" machine-reg1.scope && expect_eq "$slice" machine.slice &&
        expect_eq "$cg" /machine.slice/machine-reg1.scope &&
        expect_contains "Class=container" "$show" && expect_contains "Service=berth" "$show" &&
        expect_contains "RootDirectory=$R" "$show" && expect_contains "Id=$U" "$show" &&
        expect_eq "$delegate" yes && expect_eq "$policy" closed && expect_eq "$killsig" 9
'
test_expect_success 'the machine is registered only once its leader is in the machine'"'"'s root' '
        # Many mounts make the setup slow enough for a registration before it to be seen.
        tmpfs=$(for i in $(seq 300); do printf -- "--tmpfs=/mnt/t%s " $i; done)
        want=$(stat -c %d:%i "$R") && host=$(stat -c %d:%i /) &&
        for attempt in 1 2 3; do
                $BRUN -M regpivot $tmpfs -D "$R" sleep 100 & pid=$!
                leader=
                for i in $(seq 2000); do
                        leader=$(busctl get-property org.freedesktop.machine1 /org/freedesktop/machine1/machine/regpivot \
                                 org.freedesktop.machine1.Machine Leader 2>/dev/null | cut -d" " -f2) && [ -n "$leader" ] && break
                done
                root=$(stat -L -c %d:%i /proc/$leader/root/ 2>&1)
                kill -TERM $pid; wait $pid
                [ -n "$leader" ] || { echo "never registered"; return 1; }
                [ "$root" != "$host" ] || { echo "attempt $attempt: registered while its root was the host'"'"'s"; return 1; }
                expect_eq "$root" "$want" || return 1
        done
'
test_expect_success 'the machine is gone from machined when it exits' '
        brun -M reg2 -D "$R" true && ! machinectl show reg2 >/dev/null 2>&1
'
test_expect_success 'machinectl list shows a running berth machine' '
        start_sleeper reg3 || { kill $pid; return 1; }
        out=$(machinectl list --no-legend)
        kill -TERM $pid; wait $pid
        expect_contains "reg3 container berth" "$(echo "$out" | tr -s " ")"
'
test_expect_success '--slice and --property= configure the scope' '
        start_sleeper reg4 --slice=custom.slice --property=MemoryMax=64M --property=TasksMax=77 || { kill $pid; return 1; }
        slice=$(systemctl show machine-reg4.scope -p Slice --value)
        mem=$(systemctl show machine-reg4.scope -p MemoryMax --value)
        tasks=$(systemctl show machine-reg4.scope -p TasksMax --value)
        kill -TERM $pid; wait $pid
        expect_eq "$slice" custom.slice && expect_eq "$mem" 67108864 && expect_eq "$tasks" 77
'
test_expect_success '--keep-unit registers the calling unit (RegisterMachine)' '
        systemctl reset-failed berth-keep-test.service 2>/dev/null
        systemd-run --unit=berth-keep-test --quiet --collect -p Delegate=yes -E BUILD_DIR="$BUILD_DIR" \
                $BERTH run -q -P --keep-unit -M reg5 -D "$R" sleep 100 &&
        wait_for "machinectl show reg5 >/dev/null" 10; unit=$(machinectl show reg5 -p Unit --value)
        systemctl stop berth-keep-test.service
        expect_eq "$unit" berth-keep-test.service && ! machinectl show reg5 >/dev/null 2>&1
'
test_expect_success 'a name machined already knows is refused with a clear message' '
        start_sleeper reg6 || { kill $pid; return 1; }
        err=$(brun -M reg6 -D "$R" true 2>&1); rc=$?
        kill -TERM $pid; wait $pid
        test $rc -ne 0 && expect_contains "reg6" "$err" && expect_eq "$(echo "$err" | wc -l)" 1
'
test_expect_success 'a name registered by another manager is refused by machined' '
        sleep 100 & other=$!
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                RegisterMachine sayssus reg7 0 other container $other / &&
        err=$(brun -M reg7 -D "$R" true 2>&1); rc=$?
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager UnregisterMachine s reg7
        kill $other
        test $rc -ne 0 && expect_contains "Failed to register machine reg7" "$err" &&
        expect_contains "(registered by other, its leader PID $other still running)." "$err"
'
test_expect_success 'a killed launcher leaves no registration behind that blocks the next start' '
        start_sleeper reg8 || { kill $pid; return 1; }
        kill -KILL $pid; wait $pid
        out=$(brun -M reg8 -D "$R" /bin/sh -c "echo started") && expect_eq "$out" started &&
        wait_for "! machinectl show reg8" 10
'
test_expect_success 'machinectl terminate stops a berth machine' '
        start_sleeper reg9 || { kill $pid; return 1; }
        machinectl terminate reg9
        timeout 20 tail --pid=$pid -f /dev/null; wait $pid; rc=$?
        test $rc -ne 0 && ! machinectl show reg9 >/dev/null 2>&1
'
test_expect_success 'machinectl kill signals the leader' '
        $BRUN -M reg10 -D "$R" /bin/sh -c "trap \"exit 12\" USR1; while :; do sleep 0.1; done" & pid=$!
        wait_for "machinectl show reg10" 10 && sleep 0.3 && machinectl kill --kill-whom=leader --signal=SIGUSR1 reg10
        timeout 20 tail --pid=$pid -f /dev/null; wait $pid; expect_eq $? 12
'
test_expect_success 'berth controls its scope: systemd asks it to stop the machine, nobody else can' '
        start_sleeper reg13 || { kill $pid; return 1; }
        test_when_finished "kill -KILL $pid"
        ctl=$(systemctl show machine-reg13.scope -p Controller --value) &&
        expect_contains ":" "$ctl" &&
        busctl emit --destination="$ctl" /org/freedesktop/systemd1/unit/machine_2dreg13_2escope \
                org.freedesktop.systemd1.Scope RequestStop && sleep 0.5 &&
        machinectl show reg13 >/dev/null &&
        timeout 20 systemctl stop machine-reg13.scope && wait $pid
        ! machinectl show reg13 >/dev/null 2>&1
'
test_expect_success '--register=no does not register' '
        $BRUN --register=no -M reg11 -D "$R" sleep 2 & pid=$!
        machine_leader $pid >/dev/null; sleep 0.3
        ! machinectl show reg11 >/dev/null 2>&1; rc=$?
        wait $pid; test $rc -eq 0
'
test_expect_success 'without machined: --register=auto runs unregistered, --register=yes fails' '
        systemctl mask --runtime --now --quiet systemd-machined.service
        test_when_finished "systemctl unmask --runtime --quiet systemd-machined.service"
        brun -M reg12 -D "$R" true; auto=$?
        err=$(brun --register=yes -M reg12 -D "$R" true 2>&1); yes=$?
        systemctl unmask --runtime --quiet systemd-machined.service
        expect_eq $auto 0 && test $yes -ne 0 && expect_contains "register" "$err"
'
test_done
