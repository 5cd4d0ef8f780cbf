#!/bin/bash
# The escape suite, berth run: attacks modelled on real container escapes (runc, LXC, ...),
# tried from inside a machine; each must fail in every mode where berth promises the boundary.
# docs/security.md ("What the escape suite checks") lists the cases and the defence that stops
# each. Units, single-process machines and berth shell: tests/host/h0900-escapes.sh.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
O=$TEST_TMP/out
mkdir -p "$O"
chmod 1777 "$O"
PROBE=$BUILD_DIR/tests/berth-probe
HOST_PIDNS=$(readlink /proc/self/ns/pid)

# The modes a case is tried in, as the options of berth run that make them. Without a user
# namespace, root in the machine holds CAP_SYS_ADMIN over the host's kernel: it can unmount the
# masks or mount a procfs of its own, which no filter can tell apart from the mounts a booted
# system makes. The cases that need CAP_SYS_ADMIN gone run in CONFINED_MODES only.
declare -A MODE_ARGS=(
        [root]=""
        [user]="-u user"
        [nosysadmin]="--drop-capability=CAP_SYS_ADMIN"
        [userns]="-U"
)
ALL_MODES="root user nosysadmin userns"
CONFINED_MODES="user nosysadmin"

# in_mode MODE COMMAND...: runs COMMAND in a machine of that mode, in pipe mode.
in_mode() {
        local mode=$1
        shift
        $BRUN ${MODE_ARGS[$mode]} -D "$R" "$@"
}

# The same image with an init that runs "probe ARGS" in place of systemd, for -b.
RB=$TEST_TMP/boot-root
make_busybox_root "$RB"
mkdir -p "$RB/usr/lib/systemd"
printf '#!/bin/sh\nexec probe $PROBE_ARGS\n' > "$RB/usr/lib/systemd/systemd"
chmod 755 "$RB/usr/lib/systemd/systemd"

# ---- descriptors and the working directory (runc CVE-2024-21626) ------------------------------

# Fails unless "probe leaks" printed only 0, 1 and 2 and nothing that leads out of the root.
expect_no_leaks() {
        if ! printf '%s\n' "$1" | grep -qx "fds=0 1 2" || printf '%s\n' "$1" | grep -q "=outside" ||
           ! printf '%s\n' "$1" | grep -qx "cwd=inside" || ! printf '%s\n' "$1" | grep -qx "/proc/self/root=inside"; then
                echo "leaks: $1"
                return 1
        fi
}
# Runs berth from inside the host's cgroup tree, with a directory of the host's (7, 9) and a
# file (8) open: what runc leaked to its payload as descriptor and working directory.
from_host_cwd() {
        (cd /sys/fs/cgroup && "$@" 7</sys/fs/cgroup 8</etc/hostname 9</)
}
for mode in $ALL_MODES; do
        test_expect_success "$mode: only descriptors 0, 1 and 2 reach the payload, its directories all lead inside" '
                out=$(from_host_cwd in_mode $mode probe leaks) && expect_no_leaks "$out" &&
                out=$(from_host_cwd in_mode $mode -a probe leaks) && expect_no_leaks "$out" &&
                out=$(from_host_cwd in_mode $mode --chdir=/tmp probe leaks) && expect_no_leaks "$out" &&
                if [ $mode = userns ]; then
                        # The stub init is not dumpable, and root of a user namespace may not look into it.
                        out=$(from_host_cwd in_mode $mode -a /bin/sh -c "ls /proc/1/fd >/dev/null 2>&1 || echo refused") &&
                        expect_eq "$out" refused
                elif [ $mode != user ]; then
                        # The stub init of -a keeps nothing of the launcher'"'"'s either.
                        out=$(from_host_cwd in_mode $mode -a /bin/sh -c "ls /proc/1/fd | tr \"\n\" \" \"") &&
                        expect_eq "$out" "0 1 2 "
                fi
        '
done
for mode in root nosysadmin; do
        test_expect_success "$mode, booted (-b): the init gets only 0, 1 and 2, its directories lead inside" '
                out=$(from_host_cwd $BRUN ${MODE_ARGS[$mode]} -b -E PROBE_ARGS=leaks -D "$RB") &&
                expect_no_leaks "$out"
        '
done

# ---- symlinks at mount targets (runc CVE-2021-30465) ------------------------------------------

S=$TEST_TMP/src
mkdir -p "$S"
echo host-file > "$S/file"
test_expect_success 'a symlink to / in the image does not make a bind land on the host' '
        ln -sfn / "$R/evil" && test_when_finished "rm -f $R/evil; rm -rf /berth-escape-target" &&
        brun --bind="$S:/evil/berth-escape-target" -D "$R" ls /berth-escape-target >/dev/null &&
        test ! -e /berth-escape-target && test -d "$R/berth-escape-target"
'
test_expect_success 'a symlink with .. does not make a tmpfs land on the host' '
        ln -sfn ../../../../../../../../tmp "$R/evil2" && test_when_finished "rm -f $R/evil2; rmdir /tmp/berth-escape-tmpfs" &&
        out=$(brun --tmpfs=/evil2/berth-escape-tmpfs -D "$R" grep -c " /tmp/berth-escape-tmpfs tmpfs" /proc/mounts) &&
        expect_eq "$out" 1 && test ! -e /tmp/berth-escape-tmpfs
'
test_expect_success 'an absolute symlink as bind target stays inside the root' '
        mkdir -p "$R/realdir" && ln -sfn /realdir "$R/link" && test_when_finished "rm -rf $R/link $R/realdir" &&
        out=$(brun --bind="$S:/link" -D "$R" cat /realdir/file) && expect_eq "$out" host-file
'

# While berth mounts, the image's /race and /race2 change between a directory and a symlink
# (to / and, with "..", to a directory of the host's) as fast as the kernel swaps them, from the
# host side: what a process in a machine sharing the image could do. Nothing may land outside:
# every run that starts has each of its mounts inside its root, no directory is made on the host
# (the host directory the "../" link leads to already has the targets, so that a mount landing
# there would succeed), the host's mount table is unchanged, and no host directory is seen
# inside through a bind's source.
RACE_MOUNTS="berth-race-bind berth-race-tmpfs berth-race-bind2 berth-race-tmpfs2"
# In the machine: the host's marker if a bind shows it, and how many mounts have each name.
cat > "$R/usr/bin/race-check" <<'EOF'
#!/bin/sh
cat /peek/marker 2>/dev/null
for m; do
        echo "$m=$(awk -v m="$m" '$5 ~ ("/" m "$")' /proc/self/mountinfo | wc -l)"
done
EOF
chmod 755 "$R/usr/bin/race-check"
race_runs() {
        local outside=$TEST_TMP/outside peek=/berth-race-peek-$$ n=0 ok=0 swapper1 swapper2 before m
        mkdir -p "$outside/berth-race-bind2" "$outside/berth-race-tmpfs2" "$peek" "$R/race" "$R/race2" "$R/race$peek" "$R$peek" &&
        echo host-secret > "$peek/marker" &&
        ln -sfn / "$R/race-link" && ln -sfn "../../../../../../../..$outside" "$R/race2-link" || return 1
        test_when_finished "rm -rf $peek $R/race $R/race2 $R/race-link $R/race2-link $R$peek $R/berth-race-*"
        # What an escape would leave on the host, so that it does not fail the next run too.
        test_when_finished "rmdir /berth-race-bind /berth-race-tmpfs; rm -rf $outside"
        before=$(cat /proc/self/mountinfo | cut -d" " -f5 | sort)
        "$PROBE" swap "$R/race" "$R/race-link" 4 > "$TEST_TMP/swaps1" & swapper1=$!
        "$PROBE" swap "$R/race2" "$R/race2-link" 4 > "$TEST_TMP/swaps2" & swapper2=$!
        while kill -0 $swapper1 2>/dev/null; do
                n=$((n + 1))
                out=$(brun -D "$R" --bind="$S:/race/berth-race-bind" --tmpfs=/race/berth-race-tmpfs \
                        --bind="$S:/race2/berth-race-bind2" --tmpfs=/race2/berth-race-tmpfs2 --bind-ro="+/race$peek:/peek" \
                        race-check $RACE_MOUNTS 2>/dev/null) || continue
                ok=$((ok + 1))
                if printf "%s\n" "$out" | grep -qx host-secret; then
                        echo "run $n saw the host's $peek through a bind of the image's /race$peek"
                        return 1
                fi
                for m in $RACE_MOUNTS; do
                        printf "%s\n" "$out" | grep -qx "$m=1" && continue
                        echo "run $n has no mount $m inside its root: $(echo $out)"
                        return 1
                done
        done
        wait $swapper1 $swapper2
        echo "$n runs, $ok set up completely; $(cat "$TEST_TMP/swaps1" "$TEST_TMP/swaps2" | tr "\n" " ")"
        # The swappers must have worked and some runs gone all the way through the mounts.
        grep -q "^swaps=[1-9]" "$TEST_TMP/swaps1" && grep -q "^swaps=[1-9]" "$TEST_TMP/swaps2" && test $ok -gt 0 &&
        expect_eq "$(cat /proc/self/mountinfo | cut -d" " -f5 | sort)" "$before" &&
        expect_eq "$(cd "$outside" && find . | sort | tr "\n" " ")" ". ./berth-race-bind2 ./berth-race-tmpfs2 " &&
        ! ls -d /berth-race-bind* /berth-race-tmpfs* 2>/dev/null
}
test_expect_success 'symlinks swapped in at bind and tmpfs targets and a bind source while berth mounts: nothing lands outside the root' 'race_runs'

# ---- the kernel's interfaces: /proc, /sys ---------------------------------------------------

# Host-wide knobs (only opened for writing, never written) and secrets, as far as this kernel
# has them; each list must hold at least one that exists.
KNOBS="/proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe /proc/sys/vm/drop_caches /proc/sysrq-trigger
       /sys/kernel/uevent_helper /sys/kernel/profiling /sys/power/state /sys/module/printk/parameters/time"
SECRETS="/proc/kcore /proc/kmsg /proc/keys /proc/key-users /proc/timer_list /proc/sched_debug /proc/kallsyms
         /proc/latency_stats"
existing() {
        local p
        for p; do
                [ -e "$p" ] && echo "$p"
        done
}
KNOBS=$(existing $KNOBS)
SECRETS=$(existing $SECRETS)
for mode in $ALL_MODES; do
        test_expect_success "$mode: the host's knobs in /proc/sys, /proc and /sys cannot be written, its secrets in /proc not read" '
                test -n "$KNOBS" && test -n "$SECRETS" || { echo "none of the files exists here"; return 1; }
                cmd=
                for p in $KNOBS; do cmd="$cmd probe open $p w;"; done
                for p in $SECRETS; do cmd="$cmd probe open $p r;"; done
                out=$(in_mode $mode /bin/sh -c "$cmd") || return 1
                if printf "%s\n" "$out" | grep -E "=ok(:[1-9][0-9]*)?$"; then
                        echo "opened for writing, or read from: see above"
                        return 1
                fi
                expect_eq "$(printf "%s\n" "$out" | wc -l)" "$(echo $KNOBS $SECRETS | wc -w)"
        '
done
for mode in $CONFINED_MODES; do
        test_expect_success "$mode: a procfs or sysfs of its own, an unmount or a bind cannot undo the masks" '
                out=$(in_mode $mode /bin/sh -c "
                        mkdir /tmp/m; probe mount proc /tmp/m proc; probe mount sysfs /tmp/m sysfs; probe mount /proc /tmp/m - bind
                        probe umount /proc/sys; probe umount /proc/kmsg; probe mount /proc/sys /proc/sys - remount,bind
                        probe mount /tmp /proc/sys - bind; probe mount tmpfs /proc/kmsg tmpfs; probe mount none /sys - remount") &&
                expect_eq "$(printf "%s\n" "$out" | sort -u)" "mount=EPERM
umount=EPERM"
        '
done

# Root of a user namespace may mount a procfs of its own and unmount the masks (they are its own
# mounts, as in nspawn); behind them the kernel still refuses it the host's knobs and secrets.
test_expect_success "userns: with a procfs of its own and the masks unmounted, the host's knobs and secrets stay out of reach" '
        test -n "$KNOBS" && test -n "$SECRETS" || { echo "none of the files exists here"; return 1; }
        cmd="mkdir /tmp/m; mount -t proc proc /tmp/m || exit 1; umount /proc/sys; umount /proc/kmsg 2>/dev/null;"
        for p in $KNOBS; do cmd="$cmd probe open $p w; probe open /tmp/m${p#/proc} w;"; done
        for p in $SECRETS; do
                # kallsyms may be read by anyone, with every address shown as 0 to whom lacks CAP_SYSLOG.
                [ $p = /proc/kallsyms ] && continue
                cmd="$cmd probe open $p r; probe open /tmp/m${p#/proc} r;"
        done
        cmd="$cmd echo \$(grep -vc \"^0* \" /tmp/m/kallsyms);"
        out=$(in_mode userns /bin/sh -c "$cmd") || return 1
        if printf "%s\n" "$out" | grep -E "=ok(:[1-9][0-9]*)?$"; then
                echo "opened for writing, or read from: see above"
                return 1
        fi
        expect_eq "$(printf "%s\n" "$out" | tail -n 1)" 0
'

# ---- what capabilities and the syscall filter keep from the host ------------------------------

for mode in $ALL_MODES; do
        test_expect_success "$mode: no module loaded, no clock set, no swap changed, no reboot of the host" '
                out=$(in_mode $mode probe privileged | tr "\n" " ") &&
                case $mode in
                user) reboot=EPERM ;;
                *) reboot=EINVAL ;;     # CAP_SYS_BOOT is kept, and ends only the machine
                esac &&
                expect_eq "$out" "init_module=EPERM finit_module=EPERM settimeofday=EPERM clock_settime=EPERM reboot=$reboot swapon=EPERM "
        '
        test_expect_success "$mode: the seccomp filter refuses what it must, TIOCSTI also with high bits" '
                out=$(in_mode $mode probe seccomp | tr "\n" " ") &&
                expect_eq "$out" "keyctl=EPERM add_key=EPERM bpf=EPERM perf_event_open=EPERM open_by_handle_at=EPERM kexec_load=EPERM init_module=EPERM swapoff=EPERM tiocsti=EPERM tiocsti_high=EPERM tioclinux=EPERM "
        '
done
test_expect_success 'reboot(2) with CAP_SYS_BOOT restarts only the machine: berth exits 133, the host runs on' '
        sleep 30 >/dev/null 2>&1 & sentinel=$! && test_when_finished "kill $sentinel"
        brun -D "$R" probe reboot "$HOST_PIDNS"; rc=$?
        brun -a -D "$R" probe reboot "$HOST_PIDNS"; rc2=$?
        out=$(brun --drop-capability=CAP_SYS_BOOT -D "$R" probe reboot "$HOST_PIDNS"); rc3=$?
        expect_eq $rc 133 && expect_eq $rc2 133 && expect_eq "$out" reboot=EPERM && expect_eq $rc3 0 &&
        kill -0 $sentinel
'

DEVICE=$(host_block_device)
for mode in user nosysadmin userns; do
        [ $mode = nosysadmin ] && args="--drop-capability=CAP_MKNOD" || args=
        test_expect_success "$mode${args:+ $args}: a node of the host's block device cannot be made or mounted" '
                test -n "$DEVICE" || { echo "no block device root can open here"; return 1; }
                out=$(in_mode $mode $args /bin/sh -c "probe mknod \$HOME/hostdisk $DEVICE; probe mount /dev/vda /tmp ext4 ro" | tr "\n" " ") &&
                expect_eq "$out" "mknod=EPERM open=ENOENT mount=EPERM "
        '
done
# Root keeps CAP_MKNOD, as in systemd-nspawn; what refuses the node is the device policy of the
# machine's scope (DevicePolicy=closed), which needs systemd-machined to make it.
if busctl status org.freedesktop.machine1 >/dev/null 2>&1; then
        test_expect_success 'root, registered: the scope'"'"'s device policy refuses a node of the host'"'"'s block device' '
                test -n "$DEVICE" || { echo "no block device root can open here"; return 1; }
                out=$(brun -D "$R" /bin/sh -c "probe mknod /dev/hostdisk $DEVICE" | tr "\n" " ") &&
                case "$out" in
                "mknod=EPERM open=ENOENT "|"mknod=ok open=EPERM ") ;;
                *) echo "$out"; false ;;
                esac
        '
else
        # Unregistered, root's node of the host's disk opens: berth run without -U is no boundary
        # there (docs/security.md). The host suite runs this file with machined.
        echo "# root, unregistered: no device policy without systemd-machined; the host suite checks the registered case"
fi

# ---- the host's processes --------------------------------------------------------------------

for mode in $ALL_MODES; do
        test_expect_success "$mode: the host's processes, root's and a user's, cannot be seen, signalled or traced" '
                sleep 30 >/dev/null 2>&1 & victim=$! && test_when_finished "kill $victim"
                setpriv --reuid=1000 --regid=1000 --clear-groups sleep 30 >/dev/null 2>&1 & uvictim=$!
                test_when_finished "kill $uvictim"
                out=$(in_mode $mode /bin/sh -c "
                        for p in $victim $uvictim; do test -e /proc/\$p && echo seen \$p; probe kill \$p 0; probe ptrace \$p; done
                        kill -9 -1; true" | tr "\n" " ") &&
                expect_eq "$out" "kill=ESRCH ptrace=ESRCH kill=ESRCH ptrace=ESRCH " &&
                kill -0 $victim && kill -0 $uvictim
        '
done

# ---- the host's terminal ---------------------------------------------------------------------

SECCOMP_REFUSED="keyctl=EPERM add_key=EPERM bpf=EPERM perf_event_open=EPERM open_by_handle_at=EPERM kexec_load=EPERM init_module=EPERM swapoff=EPERM tiocsti=EPERM tiocsti_high=EPERM tioclinux=EPERM "
for console in pipe autopipe read-only passive; do
        test_expect_success "console $console: TIOCSTI and TIOCLINUX refused" '
                rm -f "$O/seccomp" &&
                "$BERTH" run -q --console=$console --bind="$O:/out" -D "$R" /bin/sh -c "probe seccomp > /out/seccomp" </dev/null >/dev/null &&
                expect_eq "$(tr "\n" " " < "$O/seccomp")" "$SECCOMP_REFUSED"
        '
done
test_expect_success 'the payload has its own session and never the host terminal' '
        out=$(brun -D "$R" probe session | head -1) && expect_eq "$out" "sid=1 pid=1" &&
        out=$(brun -D "$R" probe session | grep nnp) && expect_eq "$out" nnp=0 &&
        out=$(brun --no-new-privileges -D "$R" probe session | grep nnp) && expect_eq "$out" nnp=1
'

if ! command -v tmux >/dev/null; then
        test_skip 'a terminal of the host: TIOCSTI, TIOCLINUX, TIOCSCTTY, TIOCVHANGUP' 'tmux is not installed (tools/setup.sh installs it)'
        test_done
        exit
fi
export TMUX_TMPDIR=$TEST_TMP
TS=berth-escape-$$
# Runs "berth run ARGS" in a shell in a new tmux session, whose terminal is then the host's
# terminal berth was started from; $pane is that shell, the session leader. Returns once berth
# has exited (its status in $TEST_TMP/exit).
on_terminal() {
        rm -f "$TEST_TMP/exit"
        tmux kill-session -t "$TS" 2>/dev/null
        tmux new-session -d -s "$TS" -x 100 -y 30 "sleep 0.2; $BERTH run -q --bind=$O:/out -D $R $*; echo \$? > $TEST_TMP/exit; sleep 60" &&
        pane=$(tmux display -p -t "$TS" "#{pane_pid}") && tty_before=$(cut -d" " -f7 /proc/$pane/stat) &&
        wait_for "test -s $TEST_TMP/exit" 15
}
# The pane's shell is alive and still has its terminal as controlling terminal.
terminal_kept() {
        kill -0 $pane && expect_eq "$(cut -d" " -f7 /proc/$pane/stat)" "$tty_before" && test "$tty_before" != 0
}
test_expect_success 'interactive: TIOCSTI and TIOCLINUX refused on the console' '
        on_terminal /bin/sh -c "\"probe seccomp > /out/seccomp-i\"" && terminal_kept &&
        expect_eq "$(tr "\n" " " < "$O/seccomp-i")" "$SECCOMP_REFUSED"
'
# In pipe mode the payload gets berth's own standard input, output and error: here the host's
# terminal. With CAP_SYS_ADMIN the kernel would let it take that terminal away from the
# session that has it (TIOCSCTTY with 1), or hang it up for everyone (TIOCVHANGUP).
for console in pipe autopipe; do
        [ $console = autopipe ] && pipe="| cat" || pipe=
        test_expect_success "console $console with a terminal on stdin: no input injected, the terminal neither taken nor hung up" '
                on_terminal --console=$console /bin/sh -c "\"probe seccomp > /out/seccomp-$console; probe tty 0 > /out/tty-$console;
                        probe tty 2 >> /out/tty-$console; probe hangup 0 >> /out/tty-$console\"" "$pipe" &&
                terminal_kept && expect_eq "$(cat $TEST_TMP/exit)" 0 &&
                expect_eq "$(tr "\n" " " < "$O/seccomp-$console")" "$SECCOMP_REFUSED" &&
                expect_eq "$(tr "\n" " " < "$O/tty-$console")" "isatty=yes tiocsctty=EPERM ctty=no isatty=yes tiocsctty=EPERM ctty=no tiocvhangup=EPERM "
        '
done
tmux kill-session -t "$TS" 2>/dev/null
test_done
