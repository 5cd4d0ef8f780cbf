#!/bin/bash
# Booting this host's own OS as a volatile machine: running, READY=1, poweroff, reboot, SIGKILL.
. "$(dirname "$0")/../lib/tap.sh"

if [ ! -x /usr/lib/systemd/systemd ]; then
        test_skip 'booting the host OS' 'systemd is not installed (tools/setup.sh installs it)'
        test_done
        exit
fi

# Starts "berth run -D / --volatile=yes -b" in the background; sets $pid and $leader and
# waits until the machine's systemd runs.
boot() {
        $BRUN -D / --volatile=yes -b -M "$1" "${@:2}" & pid=$!
        leader=$(machine_leader $pid) || return 1
        wait_for "readlink /proc/$leader/exe | grep -q systemd" 10 &&
        wait_for "nsenter -t $leader -a test -S /run/systemd/private" 60
}

test_expect_success 'the host OS boots to running or degraded, and SIGTERM powers it off with status 0' '
        boot bootm1 || return 1
        state=$(timeout 120 nsenter -t $leader -a systemctl is-system-running --wait)
        case "$state" in running|degraded) ;; *) echo "state: $state"; kill -KILL $pid; return 1 ;; esac
        failed=$(nsenter -t $leader -a systemctl --failed --no-legend --plain | cut -d" " -f1)
        kill -TERM $pid; wait $pid; rc=$?
        echo "failed units: $failed"
        expect_eq $rc 0 && test ! -e /run/berth/machines/bootm1 && test ! -e /run/berth/locks/bootm1
'
test_expect_success 'the machine'"'"'s READY=1 reaches berth'"'"'s own NOTIFY_SOCKET' '
        sock=$TEST_TMP/boot-notify.sock
        python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(120)
while True:
    m=s.recv(4096).decode()
    if \"READY=1\" in m.split(\"\n\"): print(\"READY=1\"); break" "$sock" > "$TEST_TMP/ready.out" & lpid=$!
        wait_for "test -S $sock" 5 &&
        NOTIFY_SOCKET=$sock boot bootm2 && wait $lpid; rc=$?
        state=$(nsenter -t $leader -a systemctl is-system-running)
        kill -TERM $pid; wait $pid
        expect_eq $rc 0 && expect_eq "$(cat "$TEST_TMP/ready.out")" READY=1 &&
        case "$state" in running|degraded) ;; *) echo "READY=1 came before boot finished: $state"; false ;; esac
'
test_expect_success 'a reboot inside exits 133' '
        boot bootm3 && timeout 120 nsenter -t $leader -a systemctl is-system-running --wait >/dev/null
        nsenter -t $leader -a systemctl reboot
        timeout 60 tail --pid=$pid -f /dev/null; wait $pid; expect_eq $? 133
'
test_expect_success 'poweroff inside exits 0' '
        boot bootm4 && timeout 120 nsenter -t $leader -a systemctl is-system-running --wait >/dev/null
        nsenter -t $leader -a systemctl poweroff
        timeout 60 tail --pid=$pid -f /dev/null; wait $pid; expect_eq $? 0
'
test_expect_success 'SIGTERM while the machine is still booting powers it off cleanly once it can' '
        $BRUN -D / --volatile=yes -b -M bootm6 & pid=$!
        leader=$(machine_leader $pid) && kill -TERM $pid
        timeout 120 tail --pid=$pid -f /dev/null; wait $pid; expect_eq $? 0
'
test_expect_success '--link-journal=host keeps the machine'"'"'s journal in the host'"'"'s /var/log/journal/ID' '
        id=5f0e9a1c2b3d4e5f60718293a4b5c6d7 && test_when_finished "rm -rf /var/log/journal/$id"
        boot bootm7 --uuid=$id --link-journal=host && timeout 120 nsenter -t $leader -a systemctl is-system-running --wait >/dev/null
        nsenter -t $leader -a journalctl --flush 2>/dev/null
        kill -TERM $pid; wait $pid
        ls /var/log/journal/$id | grep -q "\.journal$" &&
        journalctl -D /var/log/journal/$id --no-pager -q | grep -q "Reached target"
'
# Every machine's inotify instances count against the host's root: berth warns when it boots one
# that would run out of them. A process of the test's holds all but 4 of those left, for as long
# as one berth run -b of an init that exits at once takes.
test_expect_success 'a boot that root'"'"'s inotify instances leave no room for is warned about, in one line' '
        R=$TEST_TMP/initroot && make_busybox_root "$R" && rm "$R/usr/bin/init" &&
        printf "#!/bin/sh\nexit 0\n" > "$R/usr/bin/init" && chmod +x "$R/usr/bin/init" &&
        out=$(brun -D "$R" -b 2>&1) && expect_eq "$out" "" || return 1
        hold_inotify_instances_but 4 5 "$TEST_TMP/held"
        wait_for "test -s $TEST_TMP/held" 5 && expect_eq "$(cat "$TEST_TMP/held")" held &&
        out=$(brun -D "$R" -b 2>&1); rc=$?
        kill $holder; wait $holder
        expect_eq $rc 0 && expect_eq "$(echo "$out" | wc -l)" 1 &&
        case "$out" in
        *"inotify instances of fs.inotify.max_user_instances=$inotify_max"*"sysctl fs.inotify.max_user_instances="*) ;;
        *) echo "warning: $out"; false ;;
        esac
'
test_expect_success 'SIGKILL to berth takes the machine with it; the next start cleans up' '
        boot bootm5 && timeout 120 nsenter -t $leader -a systemctl is-system-running --wait >/dev/null
        kill -KILL $pid; wait $pid
        wait_for "! kill -0 $leader" 10 || { echo "the machine survived"; return 1; }
        test -f /run/berth/locks/bootm5 &&
        brun -D / --volatile=yes true && test ! -e /run/berth/locks/bootm5 && test ! -e /run/berth/machines/bootm5 &&
        ! ls -d /sys/fs/cgroup/unified/berth-bootm5 /sys/fs/cgroup/berth-bootm5 2>/dev/null
'
test_done
