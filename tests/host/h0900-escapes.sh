#!/bin/bash
# The escape suite, units and berth shell: the attacks of tests/root/t1000-escapes.sh (which the
# host suite runs too, for berth run registered with machined) tried from inside booted machines
# of berth@.service, single-process machines (berth start NAME -- COMMAND) and commands of
# berth shell. docs/security.md ("What the escape suite checks") lists the cases.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
O=$TEST_TMP/out
mkdir -p "$O"
# Payloads that run as "user" write here.
chmod 1777 "$O"
version=$(systemctl --version | awk "NR == 1 { print \$2 }")
# What nothing in a machine may see: a file in the host's root.
MARKER=berth-host-marker-$$
echo host-only > /$MARKER
DEVICE=$(host_block_device)

# A booted machine of berth@escboot.service: its init, in place of systemd, runs the commands of
# /etc/escape-test in the image, writing to /out in the image, says READY=1, and stays until
# stopped (SIGRTMIN+3, as berth stops a booted machine).
B=/var/lib/machines/escboot
make_busybox_root "$B"
mkdir -p "$B/usr/lib/systemd" "$B/out"
chmod 1777 "$B/out"
cat > "$B/usr/lib/systemd/systemd" <<'EOF'
#!/bin/sh
trap 'exit 0' 37 15
. /etc/escape-test
probe notify READY=1
while :; do sleep 0.2; done
EOF
chmod 755 "$B/usr/lib/systemd/systemd"
trap 'systemctl stop berth@escboot.service berth-escboot.service 2>/dev/null; rm -rf /$MARKER "$B" "$TEST_TMP"' EXIT

# Host processes to attack: one of root's, one of the user's that the image has too (UID 1000).
start_victims() {
        sleep 60 >/dev/null 2>&1 &
        victim=$!
        setpriv --reuid=1000 --regid=1000 --clear-groups sleep 60 >/dev/null 2>&1 &
        uvictim=$!
        test_when_finished "kill $victim $uvictim"
}

# What a machine runs, as a shell script: each attack writes its result to /out/NAME.
attacks() {
        cat <<EOF
probe leaks > /out/leaks
{ ls /proc/1/root/; cat /proc/1/root/$MARKER /proc/$victim/root/$MARKER /proc/$uvictim/root/$MARKER; } > /out/root 2>&1
for p in $victim $uvictim; do probe kill \$p 0; probe ptrace \$p; done > /out/processes
kill -9 -1
probe mknod \$HOME/hostdisk $DEVICE > /out/device
find /dev -type b > /out/blockdevs
probe privileged > /out/privileged
probe seccomp | head -n 8 > /out/seccomp
EOF
}

# The results in directory $1; the victims must have survived.
check_attacks() {
        local d=$1 p
        # runc CVE-2024-21626: nothing but 0, 1 and 2, no directory that leads out of the root.
        grep -qx "fds=0 1 2" $d/leaks && ! grep "=outside" $d/leaks && grep -qx cwd=inside $d/leaks || { cat $d/leaks; return 1; }
        # /proc/1/root and /proc/PID/root of the host's processes.
        ! grep -qx "host-only\|$MARKER" $d/root || { cat $d/root; return 1; }
        # Neither seen, signalled nor traced, and "kill -9 -1" reached neither.
        for p in $(cat $d/processes); do
                case $p in kill=ESRCH|kill=EPERM|ptrace=ESRCH|ptrace=EPERM) ;; *) cat $d/processes; return 1 ;; esac
        done
        expect_eq "$(wc -l < $d/processes)" 4 && kill -0 $victim && kill -0 $uvictim || return 1
        # The host's block device: not made, or not opened; none in /dev.
        case "$(tr "\n" " " < $d/device)" in
        "mknod=EPERM open=ENOENT "|"mknod=ok open=EPERM ") ;;
        *) cat $d/device; return 1 ;;
        esac
        expect_eq "$(cat $d/blockdevs)" "" &&
        grep -qx "init_module=EPERM" $d/privileged && grep -qx "finit_module=EPERM" $d/privileged &&
        grep -qx "settimeofday=EPERM" $d/privileged && grep -qx "clock_settime=EPERM" $d/privileged &&
        grep -qx "swapon=EPERM" $d/privileged && ! grep -qx "reboot=ok" $d/privileged &&
        expect_eq "$(sed "s/=.*//" $d/seccomp | tr "\n" " ")" "keyctl add_key bpf perf_event_open open_by_handle_at kexec_load init_module swapoff " &&
        expect_eq "$(sed "s/.*=//" $d/seccomp | sort -u)" EPERM
}

# Runs the attacks as the single-process machine NAME (berth start NAME ARGS -- sh -c ...).
single() {
        local name=$1
        shift
        rm -f $O/*
        "$BERTH" start "$name" -q -D "$R" --bind="$O:/out" "$@" -- /bin/sh -c "$(attacks)" || return 1
        wait_for "test -s $O/seccomp" 20 && sleep 0.2
        systemctl stop "berth-$name.service" 2>/dev/null
        systemctl reset-failed "berth-$name.service" 2>/dev/null
        return 0
}

test_expect_success 'a device policy is enforced here: DevicePolicy=closed refuses a node of the host'"'"'s block device' '
        test -n "$DEVICE" || { echo "no block device root can open here"; return 1; }
        out=$(systemd-run --wait --pipe --quiet -p DevicePolicy=closed "$BUILD_DIR/tests/berth-probe" mknod /dev/berth-escape-$$ $DEVICE | tr "\n" " ")
        rm -f /dev/berth-escape-$$
        case "$out" in "mknod=EPERM open=ENOENT "|"mknod=ok open=EPERM ") ;; *) echo "$out"; false ;; esac
'
test_expect_success 'single-process, as a user: no descriptor, /proc/PID/root, process, device or syscall of the host'"'"'s' '
        start_victims && single escsu -u user && check_attacks $O
'
test_expect_success 'single-process, as root: no descriptor, /proc/PID/root, process, device or syscall of the host'"'"'s' '
        start_victims && single escsr && check_attacks $O
'
test_expect_success 'booted (berth@.service): no descriptor, /proc/PID/root, process, device or syscall of the host'"'"'s' '
        start_victims && attacks > "$B/etc/escape-test" && rm -f "$B"/out/* &&
        "$BERTH" start escboot && test_when_finished "\"$BERTH\" stop escboot" &&
        expect_eq "$(machinectl show escboot -p Unit --value)" berth@escboot.service &&
        check_attacks "$B/out"
'
test_expect_success 'booted with options (a transient unit): the device policy holds there too' '
        echo "probe mknod /dev/hostdisk $DEVICE > /out/device" > "$B/etc/escape-test" && rm -f "$B"/out/* &&
        "$BERTH" start escboot -E BERTH_TEST=1 && test_when_finished "\"$BERTH\" stop escboot" &&
        expect_eq "$(machinectl show escboot -p Unit --value)" berth-escboot.service &&
        case "$(tr "\n" " " < $B/out/device)" in "mknod=EPERM open=ENOENT "|"mknod=ok open=EPERM ") ;; *) cat $B/out/device; false ;; esac
'

# berth shell: runc CVE-2024-21626 was a descriptor of the host's (its /sys/fs/cgroup) left open
# into a command run inside a container, and used as its working directory.
from_host_cwd() {
        (cd /sys/fs/cgroup && "$@" 7</sys/fs/cgroup 8</etc/hostname 9</)
}
shell_attacks() {
        local m=$1
        out=$(from_host_cwd "$BERTH" shell $m probe leaks </dev/null) &&
        grep -qx "fds=0 1 2" <<< "$out" && ! grep "=outside" <<< "$out" && grep -qx cwd=inside <<< "$out" || { echo "$out"; return 1; }
        out=$("$BERTH" shell $m /bin/sh -c "ls /proc/1/root/; cat /proc/$victim/root/$MARKER /proc/$uvictim/root/$MARKER;
                probe kill $victim 0; probe kill $uvictim 0; kill -9 -1; probe mknod /dev/hostdisk $DEVICE" 2>&1 </dev/null)
        ! grep -qx "host-only\|$MARKER" <<< "$out" && ! grep -qx kill=ok <<< "$out" && ! grep -qx open=ok <<< "$out" &&
        kill -0 $victim && kill -0 $uvictim || { echo "$out"; return 1; }
}
test_expect_success 'berth shell into berth run: no descriptor, working directory, process or device of the host'"'"'s' '
        start_victims &&
        { "$BERTH" run -q -P -M escrun -D "$R" /bin/sleep 60 </dev/null >/dev/null 2>&1 & } && r=$! &&
        test_when_finished "kill -KILL $r" && wait_for "\"$BERTH\" shell escrun true" 20 &&
        shell_attacks escrun
'
test_expect_success 'berth shell into a booted machine and a single-process one: the same' '
        start_victims && echo : > "$B/etc/escape-test" &&
        "$BERTH" start escboot && test_when_finished "\"$BERTH\" stop escboot" && shell_attacks escboot &&
        "$BERTH" start escsp -q -D "$R" -u user -- /bin/sleep 60 && test_when_finished "systemctl stop berth-escsp.service" &&
        shell_attacks escsp
'

if ! command -v tmux >/dev/null; then
        test_skip 'berth shell: the host'"'"'s terminal on stdout' 'tmux is not installed (tools/setup.sh installs it)'
        test_done
        exit
fi
export TMUX_TMPDIR=$TEST_TMP
TS=berth-escape-$$
# berth shell with stdin not a terminal: the command gets no pty, but berth's standard output
# and error, here the terminal of a tmux pane. With CAP_SYS_ADMIN (root in a berth run machine)
# it could take that terminal from the pane's shell, or hang it up.
test_expect_success 'berth shell without a pty, the host'"'"'s terminal on stdout: neither taken nor hung up' '
        { "$BERTH" run -q -P -M escterm -D "$R" --bind="$O:/out" /bin/sleep 60 </dev/null >/dev/null 2>&1 & } && r=$! &&
        test_when_finished "kill -KILL $r; tmux kill-session -t $TS" && wait_for "\"$BERTH\" shell escterm true" 20 &&
        rm -f $O/tty $TEST_TMP/exit &&
        tmux new-session -d -s "$TS" -x 100 -y 30 "sleep 0.2; $BERTH shell escterm /bin/sh -c \"probe tty 3 3>&1 > /out/tty; probe tty 2 >> /out/tty; probe hangup 2 >> /out/tty\" </dev/null; echo \$? > $TEST_TMP/exit; sleep 60" &&
        pane=$(tmux display -p -t "$TS" "#{pane_pid}") && before=$(cut -d" " -f7 /proc/$pane/stat) &&
        wait_for "test -s $TEST_TMP/exit" 15 && kill -0 $pane &&
        expect_eq "$(cut -d" " -f7 /proc/$pane/stat)" "$before" && test "$before" != 0 &&
        expect_eq "$(tr "\n" " " < $O/tty)" "isatty=yes tiocsctty=EPERM ctty=no isatty=yes tiocsctty=EPERM ctty=no tiocvhangup=EPERM "
'
test_done
