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
        if ls /run/berth/locks 2>/dev/null | grep -q .; then echo "locks left: $(ls /run/berth/locks)"; return 1; fi
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
        test -d /run/berth/machines/killed && test -f /run/berth/locks/killed &&
        brun -D "$R" true && test ! -e /run/berth/machines/killed && test ! -e /run/berth/locks/killed && no_leftovers
'
# A machine that keeps nothing on disk has only its lock in /run/berth: with /run on a disk
# file system, a directory made and removed at every start costs a synchronous discard.
test_expect_success 'a machine without layers has a lock in /run/berth/locks and no directory' '
        brun -M plain -D "$R" /bin/sh -c "sleep 0.5" & pid=$!
        wait_for "test -f /run/berth/locks/plain" 5 && test ! -e /run/berth/machines/plain &&
        wait $pid && test ! -e /run/berth/locks/plain && no_leftovers
'
# What a berth of the earlier layout keeps, /run/berth/machines/NAME/lock: while its holder runs,
# the name is taken; once it is gone, the next start removes the directory and its cgroup.
test_expect_success 'a machine of an earlier berth (its lock in machines/NAME) keeps its name, and its leftovers go' '
        cg=$(test -d /sys/fs/cgroup/unified && echo /sys/fs/cgroup/unified || echo /sys/fs/cgroup)/berth-older
        test_when_finished "rm -rf /run/berth/machines/older; rmdir $cg 2>/dev/null; true"
        mkdir -p /run/berth/machines/older $cg && printf "%s\n%s\n" $$ $cg > /run/berth/machines/older/lock || return 1
        flock /run/berth/machines/older/lock sleep 3 & hold=$!
        wait_for "! flock -n /run/berth/machines/older/lock true" 5 &&
        { out=$(brun -M older -D "$R" true 2>&1); expect_eq $? 1; } &&
        case "$out" in *"Machine older is already running"*) ;; *) echo "$out"; return 1 ;; esac &&
        wait $hold &&
        brun -M older -D "$R" true && test ! -e /run/berth/machines/older &&
        test ! -e $cg && no_leftovers
'
# Another berth's stale cleanup holds a dead launcher's lock for a moment: a start waits for it
# rather than taking the machine for running. (No process has a PID above pid_max.)
test_expect_success 'a lock held with no live PID in it is waited for, not taken for a running machine' '
        mkdir -p /run/berth/locks && echo 4194304 > /run/berth/locks/waited || return 1
        flock /run/berth/locks/waited sleep 0.5 & hold=$!
        wait_for "! flock -n /run/berth/locks/waited true" 5 &&
        brun -M waited -D "$R" true && wait $hold && test ! -e /run/berth/locks/waited && no_leftovers
'
test_expect_success 'a machine name that is running is refused' '
        $BRUN -M twice -D "$R" sleep 3 & pid=$!
        machine_leader $pid >/dev/null && sleep 0.3
        err=$(brun -M twice -D "$R" true 2>&1); rc=$?
        wait $pid
        test $rc -ne 0 && expect_eq "$err" "Machine twice is already running (berth PID $pid)."
'
test_done
