#!/bin/bash
# --volatile and --ephemeral: writes never reach the image, and nothing is left behind.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
snapshot() { (cd "$R" && find . -printf '%p %s %T@\n' | sort) ; }
before=$(snapshot)
no_leftovers() {
        expect_eq "$(snapshot)" "$before" || return 1
        if ls /run/berth/machines 2>/dev/null | grep -q .; then echo "left: $(ls /run/berth/machines)"; return 1; fi
        if ls -d /sys/fs/cgroup/unified/berth-* /sys/fs/cgroup/berth-* 2>/dev/null | grep -q .; then echo "cgroup left"; return 1; fi
}

test_expect_success '-x: writes go to a throw-away layer' '
        out=$(brun -x -D "$R" /bin/sh -c "echo x > /etc/new && rm /etc/passwd && cat /etc/new") &&
        expect_eq "$out" x && no_leftovers
'
test_expect_success '-x: the layer lives in /run/berth while the machine runs' '
        out=$(brun -x -M eph -D "$R" /bin/sh -c "echo x > /written; grep \" / overlay\" /proc/mounts | grep -c upperdir=/run/berth/machines/eph/ephemeral") &&
        expect_eq "$out" 1 && no_leftovers
'
# The layer is thrown away: overlayfs is told not to sync it (its "volatile" option), which
# /proc/mounts shows as fsync=volatile.
test_expect_success '-x and --volatile=overlay: the throw-away layer is never synced' '
        out=$(brun -x -D "$R" /bin/sh -c "grep \" / overlay\" /proc/mounts | grep -c fsync=volatile") &&
        expect_eq "$out" 1 &&
        out=$(brun --volatile=overlay -D "$R" /bin/sh -c "grep \" / overlay\" /proc/mounts | grep -c fsync=volatile") &&
        expect_eq "$out" 1 && no_leftovers
'
test_expect_success '-x: two ephemeral machines of one image run at once' '
        $BRUN -x -D "$R" sleep 2 & p1=$!
        $BRUN -x -D "$R" sleep 2 & p2=$!
        wait $p1 && wait $p2 && no_leftovers
'
test_expect_success '--volatile=yes: a tmpfs root with the image'"'"'s /usr read-only' '
        out=$(brun --volatile=yes -D "$R" /bin/sh -c "grep \" / tmpfs\" /proc/mounts | wc -l; ls /etc | wc -l; touch /usr/x 2>/dev/null || echo usr-ro; touch /y && echo root-rw") &&
        expect_eq "$out" "1
0
usr-ro
root-rw" && no_leftovers
'
test_expect_success '--volatile=state: the image read-only, /var a tmpfs' '
        out=$(brun --volatile=state -D "$R" /bin/sh -c "touch /etc/x 2>/dev/null || echo ro; touch /var/x && echo var-rw") &&
        expect_eq "$out" "ro
var-rw" && no_leftovers
'
test_expect_success '--volatile=overlay: writes vanish' '
        out=$(brun --volatile=overlay -D "$R" /bin/sh -c "echo x > /etc/new && cat /etc/new") && expect_eq "$out" x && no_leftovers
'
test_expect_success '-x over the host root itself keeps its layer in memory' '
        out=$(brun -x -D / /bin/sh -c "echo x > /berth-ephemeral-probe && cat /berth-ephemeral-probe") &&
        expect_eq "$out" x && test ! -e /berth-ephemeral-probe
'
test_expect_success 'a killed berth leaves its runtime directory, and the next start cleans it' '
        $BRUN -x -M killed -D "$R" sleep 100 & pid=$!
        leader=$(machine_leader $pid) && wait_for "grep -q \" / overlay\" /proc/$leader/mounts" 5 &&
        kill -KILL $pid; wait $pid
        wait_for "! kill -0 $leader" 5 &&
        test -d /run/berth/machines/killed &&
        brun -D "$R" true && test ! -e /run/berth/machines/killed && no_leftovers
'
test_expect_success 'a machine name that is running is refused' '
        $BRUN -M twice -D "$R" sleep 3 & pid=$!
        machine_leader $pid >/dev/null && sleep 0.3
        err=$(brun -M twice -D "$R" true 2>&1); rc=$?
        wait $pid
        test $rc -ne 0 && expect_eq "$err" "Machine twice is already running (berth PID $pid)."
'
test_done
