#!/bin/bash
# The test host itself, and berth's cgroup handling on a unified (cgroup2-only) host.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"

test_expect_success 'the test host runs systemd as PID 1 with D-Bus and machined' '
        expect_eq "$(cat /proc/1/comm)" systemd &&
        systemctl is-active --quiet dbus.service &&
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager ListMachines >/dev/null &&
        machinectl list --no-legend >/dev/null
'
test_expect_success 'the host is unified: cgroup2 at /sys/fs/cgroup' '
        expect_eq "$(stat -f -c %T /sys/fs/cgroup)" cgroup2fs
'
test_expect_success 'unregistered, a machine gets its own cgroup below berth'"'"'s, and a namespace rooted there' '
        own=$(sed -n "s/^0:://p" /proc/self/cgroup)
        $BRUN --register=no -M uni -D "$R" /bin/sh -c "grep ^0:: /proc/self/cgroup; sleep 2" > "$TEST_TMP/cg" & pid=$!
        leader=$(machine_leader $pid) && sleep 0.5 &&
        outside=$(sed -n "s/^0:://p" /proc/$leader/cgroup)
        wait $pid
        expect_eq "$outside" "$own/berth-uni" && expect_eq "$(cat "$TEST_TMP/cg")" "0::/" &&
        test ! -d "/sys/fs/cgroup$own/berth-uni"
'
test_expect_success 'registered, the machine'"'"'s cgroup namespace is rooted at its scope' '
        $BRUN -M uni2 -D "$R" /bin/sh -c "grep ^0:: /proc/self/cgroup; sleep 2" > "$TEST_TMP/cg" & pid=$!
        leader=$(machine_leader $pid) && sleep 0.5 &&
        outside=$(sed -n "s/^0:://p" /proc/$leader/cgroup)
        wait $pid
        expect_eq "$outside" /machine.slice/machine-uni2.scope && expect_eq "$(cat "$TEST_TMP/cg")" "0::/"
'
test_done
