#!/bin/bash
# berth shell: a shell or a command inside a running machine, entered from outside: a berth run
# machine, a booted one (berth@.service) and a single-process unit with PrivateUsers=.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
echo image-marker > "$R/etc/berth-marker"
# A user only the image has, with a UID no host user has.
echo 'imguser:x:4321:4321:Image user:/home/imguser:/bin/sh' >> "$R/etc/passwd"
echo 'imguser:x:4321:' >> "$R/etc/group"
mkdir -p "$R/home/imguser" && chown 4321:4321 "$R/home/imguser"
# Says whether it was hung up.
printf '%s\n' '#!/bin/sh' 'trap "echo hup > /tmp/hup; exit 0" HUP' 'echo waiting' 'while :; do sleep 1; done' > "$R/usr/bin/hup-test"
chmod 755 "$R/usr/bin/hup-test"
# What a command in a machine must never see: the test host's own root.
touch /berth-host-only
M=shm

# A plain berth run machine in the background, PID 1 a sleep.
"$BERTH" run -q -P -M $M -D "$R" /bin/sleep 1000 </dev/null >/dev/null 2>&1 &
RUN_PID=$!
trap 'kill -KILL $RUN_PID 2>/dev/null; wait $RUN_PID 2>/dev/null; rm -rf /berth-host-only "$TEST_TMP"' EXIT
wait_for "machinectl show $M" 20
leader_of() { machinectl show "$1" -p Leader --value; }
# The command of the berth shell process $1 once it runs $2: berth's child, or its grandchild
# under the minimal init of a PID namespace of its own (berth's helper is gone by then).
command_of() {
        local i p c
        for i in $(seq 100); do
                for p in $(cat /proc/$1/task/$1/children 2>/dev/null); do
                        for c in $p $(cat /proc/$p/task/$p/children 2>/dev/null); do
                                if [ "$(cat /proc/$c/comm 2>/dev/null)" = "$2" ]; then
                                        echo $c
                                        return 0
                                fi
                        done
                done
                sleep 0.1
        done
        echo "no process $2 below $1"
        return 1
}
# "dev:inode" of a path, following links (/proc/PID/root, /proc/PID/cwd).
id_of() { stat -L -c %d:%i "$1"; }
# same_namespaces PID1 PID2 NS...: the processes share these namespaces.
same_namespaces() {
        local a=$1 b=$2 ns
        shift 2
        for ns; do
                expect_eq "$(readlink /proc/$a/ns/$ns)" "$(readlink /proc/$b/ns/$ns)" || return 1
        done
}
# same_status PID1 PID2 FIELD...: these lines of /proc/PID/status are equal.
same_status() {
        local a=$1 b=$2 f
        shift 2
        for f; do
                expect_eq "$(grep "^$f:" /proc/$a/status)" "$(grep "^$f:" /proc/$b/status)" || return 1
        done
}

test_expect_success 'an unknown machine: one line, exit status 1' '
        err=$("$BERTH" shell no-such-machine true 2>&1); rc=$?
        expect_eq $rc 1 && expect_eq "$err" "Machine no-such-machine is not running."
'
test_expect_success 'the exit status is the command'"'"'s, 128+N when killed by signal N' '
        "$BERTH" shell $M sh -c "exit 7"; rc=$?
        "$BERTH" shell $M sh -c "kill -9 \$\$"; rc2=$?
        "$BERTH" shell $M true; rc3=$?
        expect_eq $rc 7 && expect_eq $rc2 137 && expect_eq $rc3 0
'
test_expect_success 'stdin, stdout and stderr are berth'"'"'s own, stdout and stderr apart' '
        out=$(echo hi | "$BERTH" shell $M cat) && expect_eq "$out" hi &&
        "$BERTH" shell $M sh -c "echo to-out; echo to-err >&2" >"$TEST_TMP/o" 2>"$TEST_TMP/e" &&
        expect_eq "$(cat $TEST_TMP/o)" to-out && expect_eq "$(cat $TEST_TMP/e)" to-err
'
test_expect_success 'arguments after NAME are the command'"'"'s, options too' '
        out=$("$BERTH" shell $M echo -q --uid=x -- y) && expect_eq "$out" "-q --uid=x -- y" &&
        out=$("$BERTH" shell -q -- $M echo z) && expect_eq "$out" z
'
test_expect_success 'the user is the image'"'"'s: USER@NAME and --uid=, UID, groups, home' '
        ! getent passwd imguser >/dev/null &&
        expect_eq "$("$BERTH" shell imguser@$M id -u)" 4321 &&
        expect_eq "$("$BERTH" shell --uid=imguser $M id -un)" imguser &&
        expect_eq "$("$BERTH" shell user@$M sh -c "id -u; id -G; pwd")" "1000
1000 10
/home/user" &&
        expect_eq "$("$BERTH" shell $M sh -c "id -u; pwd")" "0
/root"
'
test_expect_success 'a user the machine does not have: one line naming user and machine, exit status 1' '
        err=$("$BERTH" shell nobody-here@$M true 2>&1); rc=$?
        expect_eq $rc 1 && expect_eq "$err" "User '"'"'nobody-here'"'"' does not exist in machine $M."
'
test_expect_success 'a clean environment: HOME, USER, LOGNAME, SHELL, PATH from the passwd entry, then -E' '
        out=$(FOO2=from-caller SECRET=x "$BERTH" shell -E FOO=bar -E FOO2 -E HOME=/tmp user@$M env | LC_ALL=C sort) &&
        expect_eq "$out" "FOO2=from-caller
FOO=bar
HOME=/tmp
LOGNAME=user
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SHELL=/bin/sh
USER=user"
'
test_expect_success '-E NAME of a variable berth does not have: one line, exit status 1' '
        err=$("$BERTH" shell -E NOT_SET_ANYWHERE $M true 2>&1); rc=$?
        expect_eq $rc 1 && expect_eq "$err" "--setenv=NOT_SET_ANYWHERE: no such variable in the environment."
'
test_expect_success 'the command gets only descriptors 0, 1 and 2' '
        out=$("$BERTH" shell $M sh -c "ls /proc/\$\$/fd; :" 7</dev/null 9>/dev/null | tr "\n" " ") &&
        expect_eq "$out" "0 1 2 "
'
test_expect_success 'it runs inside the machine: its PID namespace, host name, mounts' '
        out=$("$BERTH" shell $M sh -c "echo \$\$; cat /proc/1/comm; hostname; cat /etc/berth-marker; test -e /berth-host-only || echo no-host-root") &&
        pid=$(echo "$out" | head -1) && test "$pid" -gt 1 && test "$pid" -lt 1000 &&
        expect_eq "$(echo "$out" | tail -n +2)" "sleep
$M
image-marker
no-host-root"
'
test_expect_success 'seen from the host: the leader'"'"'s namespaces, root, cgroup and confinement; cwd inside' '
        "$BERTH" shell $M sleep 30 </dev/null >/dev/null 2>&1 & b=$! &&
        test_when_finished "kill $b" &&
        pid=$(command_of $b sleep) && l=$(leader_of $M) &&
        same_namespaces $pid $l mnt pid uts ipc net cgroup user &&
        expect_eq "$(id_of /proc/$pid/root)" "$(id_of /proc/$l/root)" &&
        expect_eq "$(id_of /proc/$pid/cwd)" "$(id_of $R/root)" &&
        expect_eq "$(grep ^0:: /proc/$pid/cgroup)" "$(grep ^0:: /proc/$l/cgroup)" &&
        same_status $pid $l CapBnd NoNewPrivs Seccomp &&
        expect_eq "$(sed -n "s/^PPid:\t//p" /proc/$pid/status)" "$b"
'
test_expect_success 'berth itself is not dumpable while the command runs' '
        # berth, the peer and the machine all run without CAP_SYS_PTRACE, so the capability
        # subset rule passes and only dumpability decides; a plain process is the control.
        D="capsh --drop=cap_sys_ptrace --"
        "$BERTH" run -q -P -M shnp --drop-capability=CAP_SYS_PTRACE -D "$R" /bin/sleep 100 </dev/null >/dev/null 2>&1 & r=$!
        test_when_finished "kill -KILL $r"
        # Once it is set up: before, its PID 1 still has every capability.
        wait_for "machinectl show shnp" 20 && wait_for "\"$BERTH\" shell shnp true" 20
        $D -c "exec $BERTH shell shnp sleep 3" </dev/null >/dev/null & b=$!
        $D -c "exec sleep 3" >/dev/null & other=$!
        command_of $b sleep >/dev/null
        $D -c "readlink /proc/$other/exe" >/dev/null; control=$?
        $D -c "readlink /proc/$b/exe" >/dev/null 2>&1; shell=$?
        wait $b; rc=$?; wait $other
        expect_eq $rc 0 && expect_eq $control 0 && test $shell -ne 0
'

# berth shell runs from a sealed copy of itself in memory, so that nothing a machine can reach of
# it leads to berth's file on the host (runc's CVE-2019-5736). Seen from the host: the waiting
# A single-process machine: a hardened unit, PrivateUsers= (a user namespace of its own), its
# own mount namespace, no berth process at all. berth start makes one where systemd has
# PrivatePIDs= (257 and later); here it is made as berth makes it, without PrivatePIDs=, as a unit
# file of an older berth or one written by hand may be, and registered with berth register.
sandbox_machine() {
        systemd-run -q --unit=berth-$1.service -p Type=exec -p RootDirectory="$R" -p MountAPIVFS=yes \
                -p PrivateUsers=yes -p PrivateDevices=yes -p PrivateTmp=yes -p PrivateIPC=yes -p ProtectProc=invisible \
                -p ProtectHostname=yes -p ProtectKernelTunables=yes -p ProtectKernelModules=yes -p ProtectKernelLogs=yes \
                -p ProtectControlGroups=yes -p NoNewPrivileges=yes -p "SystemCallFilter=~keyctl add_key bpf kexec_load" \
                -p SystemCallErrorNumber=EPERM -p User=1000 -p Group=1000 -p Environment=container=berth /bin/sleep 100 &&
        "$BERTH" register --unit=berth-$1.service $1
}
# berth and the minimal init of a command in a PID namespace of its own; berth run is not copied.
seals_of() { python3 -c 'import fcntl, os, sys; print(fcntl.fcntl(os.open(sys.argv[1], os.O_RDONLY), fcntl.F_GET_SEALS))' "$1"; }
test_expect_success 'berth shell runs from a sealed memfd: its arguments, name and exit status kept; berth run from its file' '
        "$BERTH" shell $M sleep 30 </dev/null >/dev/null 2>&1 & b=$! &&
        test_when_finished "kill $b" &&
        command_of $b sleep >/dev/null &&
        expect_eq "$(readlink /proc/$b/exe)" "/memfd:berth (deleted)" &&
        s=$(seals_of /proc/$b/exe) && expect_eq $((s & 15)) 15 &&
        expect_eq "$(tr "\0" " " </proc/$b/cmdline)" "$BERTH shell $M sleep 30 " &&
        expect_eq "$(cat /proc/$b/comm)" berth &&
        ! ls -l /proc/$b/fd | grep -q memfd &&
        expect_eq "$(readlink /proc/$RUN_PID/exe)" "$(readlink -f "$BERTH")" &&
        { "$BERTH" shell $M sh -c "exit 9"; expect_eq $? 9; }
'
test_expect_success 'the minimal init of a command in a PID namespace of its own runs from the sealed memfd too' '
        sandbox_machine spm &&
        test_when_finished "systemctl stop berth-spm.service" &&
        { "$BERTH" shell spm sleep 30 </dev/null >/dev/null 2>&1 & } && b=$! && test_when_finished "kill $b" &&
        command_of $b sleep >/dev/null && init=$(tr -d " " </proc/$b/task/$b/children) &&
        expect_eq "$(cat /proc/$init/comm)" berth-init &&
        expect_eq "$(readlink /proc/$init/exe)" "/memfd:berth (deleted)"
'

# The machine's side of the attack, as root in the machine (which keeps CAP_SYS_PTRACE, so that
# berth not being dumpable does not keep it out): waits for a process called $1, says what its
# /proc/PID/exe names, opens it, tries to write to it; once it is gone, and with it the berth
# shell it came from, tries again through the descriptor it kept, as runc's attackers did.
attack='
for i in $(seq 200); do
        for d in /proc/[0-9]*; do
                [ "$(cat $d/comm 2>/dev/null)" = "$1" ] && p=${d#/proc/} && break 2
        done
        sleep 0.05
done
[ -n "${p:-}" ] || { echo "no process $1"; exit 1; }
echo "exe $(readlink /proc/$p/exe)"
exec 3</proc/$p/exe || exit 1
{ printf pwned >>/proc/$p/exe; } 2>/dev/null && echo "written while it runs" || echo "refused while it runs"
while [ -e /proc/$p ]; do sleep 0.1; done
for i in $(seq 30); do
        { printf pwned >/proc/self/fd/3; } 2>/dev/null && { echo "written after it"; exit 0; }
        sleep 0.1
done
echo "refused after it"
'
# The attacks go for a copy of berth that nothing else runs: berth's own file is kept busy
# (ETXTBSY) by the launchers of the machines here, a copy is free to be written once its berth
# shell is gone. strace holds the victim's processes at the system call named, for the machine
# to find them. An ASan build's leak check does not work under ptrace: it is turned off for the
# victim, and for berth's image run as its command (-E ASAN_OPTIONS).
VICTIM=$TEST_TMP/berth-victim
held() {
        local syscall=$1
        shift
        cp "$BERTH" "$VICTIM" || return 1
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
                strace -f -qq -o /dev/null -e trace=$syscall -e inject=$syscall:delay_enter=3000000 "$VICTIM" "$@"
}
attack_expected="exe /memfd:berth (deleted)
refused while it runs
refused after it"

if ! command -v strace >/dev/null; then
        test_skip 'the machine'"'"'s root finds berth entering: its /proc/PID/exe is the sealed copy, never written' 'strace is not installed (tools/setup.sh installs it)'
        test_skip 'a command that is /proc/self/exe runs the sealed copy in the machine, never berth'"'"'s file' 'strace is not installed (tools/setup.sh installs it)'
else
# While berth shell enters, its process for the command is berth in the machine's PID namespace
# until it executes the command (here held at that execve).
test_expect_success 'the machine'"'"'s root finds berth entering: its /proc/PID/exe is the sealed copy, never written' '
        "$BERTH" shell $M sh -c "$attack" sh berth-victim >"$TEST_TMP/attack" 2>&1 & a=$!
        test_when_finished "kill $a"
        held execve shell $M /bin/true </dev/null; rc=$?
        wait $a
        expect_eq $rc 0 && expect_eq "$(cat "$TEST_TMP/attack")" "$attack_expected" && cmp "$VICTIM" "$BERTH"
'
# The command of CVE-2019-5736: /proc/self/exe, or a script whose interpreter it is. It executes
# berth's own image in the machine, as the machine's user and dumpable, with the machine's
# libraries (bound in here). Held at its first write.
test_expect_success 'a command that is /proc/self/exe runs the sealed copy in the machine, never berth'"'"'s file' '
        R3=$TEST_TMP/root3 && make_busybox_root "$R3" &&
        ln -s usr/lib "$R3/lib" && ln -s usr/lib64 "$R3/lib64" && mkdir -p "$R3/usr/lib" "$R3/usr/lib64" "$R3/usr/local/bin" &&
        ln -s /proc/self/exe "$R3/usr/local/bin/selfexe" &&
        { "$BERTH" run -q -P -M shx --bind-ro=/usr/lib --bind-ro=/usr/lib64 -D "$R3" /bin/sleep 1000 </dev/null >/dev/null 2>&1 & } &&
        r=$! && test_when_finished "kill -KILL $r" &&
        wait_for "\"$BERTH\" shell shx true" 20 || exit 1
        "$BERTH" shell shx sh -c "$attack" sh selfexe >"$TEST_TMP/attack" 2>&1 & a=$!
        test_when_finished "kill $a"
        out=$(held write shell -q -E ASAN_OPTIONS shx selfexe --version </dev/null); rc=$?
        wait $a
        expect_eq $rc 0 && expect_eq "$out" "$("$BERTH" --version)" &&
        expect_eq "$(cat "$TEST_TMP/attack")" "$attack_expected" && cmp "$VICTIM" "$BERTH"
'
fi
test_expect_success 'a command that cannot be found exits 127, one that cannot be executed 126' '
        err=$("$BERTH" shell $M no-such-command 2>&1); rc=$?
        err2=$("$BERTH" shell $M /etc/berth-marker 2>&1); rc2=$?
        expect_eq $rc 127 && expect_eq "$err" "no-such-command: command not found in machine $M." &&
        expect_eq $rc2 126 && expect_contains "Permission denied" "$err2" && expect_eq "$(echo "$err2" | wc -l)" 1
'
test_expect_success 'a signal to berth goes on to the command' '
        "$BERTH" shell $M sleep 30 </dev/null >/dev/null 2>&1 & b=$! &&
        command_of $b sleep >/dev/null && kill -TERM $b && wait $b; rc=$?
        expect_eq $rc 143
'
test_expect_success 'a leader that is gone: not running' '
        "$BERTH" run -q -P -M shgone -D "$R" /bin/sleep 1000 </dev/null >/dev/null 2>&1 & r=$! &&
        wait_for "machinectl show shgone" 20 && kill -STOP $r && kill -KILL $(leader_of shgone) &&
        err=$("$BERTH" shell shgone true 2>&1); rc=$?
        kill -KILL $r; wait $r
        expect_eq $rc 1 && expect_eq "$err" "Machine shgone is not running."
'
# A berth run machine caught while its launcher sets it up: registered, not yet in its root,
# not yet confined. The launcher reads the image's machine ID before it moves into the
# machine's root: from a FIFO, it waits there until the FIFO is written (with --uuid=, berth
# itself does not read it before).
half_made_machine() {
        local R2=$TEST_TMP/root2 r l err rc s
        make_busybox_root "$R2" && echo marker2 > "$R2/etc/berth-marker" &&
        cp "$R2/etc/passwd" "$TEST_TMP/passwd2" && rm -f "$R2/etc/passwd" && mkfifo "$R2/etc/passwd" || return 1
        "$BERTH" run -q -P -M shslow --uuid=0123456789abcdef0123456789abcdef -D "$R2" /bin/sleep 100 </dev/null >/dev/null 2>&1 &
        r=$!
        test_when_finished "kill -KILL $r"
        wait_for "machinectl show shslow" 20 && l=$(leader_of shslow) &&
        # Registered only once in its root, but not yet confined (it waits for its passwd): no
        # filter of its own.
        expect_eq "$(cat /proc/$l/comm)" berth && expect_eq "$(stat -L -c %d:%i /proc/$l/root)" "$(stat -c %d:%i "$R2")" &&
        expect_eq "$(grep ^Seccomp_filters: /proc/$l/status)" "$(grep ^Seccomp_filters: /proc/$r/status)" || return 1
        err=$("$BERTH" shell shslow true 2>&1)
        rc=$?
        expect_eq $rc 1 && expect_eq "$err" "Machine shslow is still being set up; try again." || return 1
        "$BERTH" shell shslow cat /etc/berth-marker >"$TEST_TMP/slow" 2>&1 &
        s=$!
        sleep 1 && kill -0 $s && test ! -s "$TEST_TMP/slow" || { echo "berth shell did not wait: $(cat "$TEST_TMP/slow")"; return 1; }
        # The launcher is blocked opening the fifo. A regular passwd replaces the fifo's name
        # first (one rename), and only then is the launcher fed through a second name of the
        # fifo: berth shell, which refuses a passwd that is not a regular file, may enter as
        # soon as the launcher goes on, and must never find the fifo there.
        ln "$R2/etc/passwd" "$TEST_TMP/passwd.fifo" && cp "$TEST_TMP/passwd2" "$R2/etc/passwd.new" &&
        mv "$R2/etc/passwd.new" "$R2/etc/passwd" &&
        timeout 10 sh -c "cat \"$TEST_TMP/passwd2\" > \"$TEST_TMP/passwd.fifo\"" || return 1
        wait $s
        rc=$?
        expect_eq "$rc: $(cat $TEST_TMP/slow)" "0: marker2"
}
test_expect_success 'a machine berth run is still setting up is waited for, never entered half-made' 'half_made_machine'

test_expect_success 'into a single-process unit: the image'"'"'s user, its user and mount namespaces' '
        sandbox_machine sp &&
        test_when_finished "systemctl stop berth-sp.service" &&
        expect_eq "$("$BERTH" shell user@sp id -u)" 1000 &&
        expect_eq "$("$BERTH" shell user@sp cat /etc/berth-marker)" image-marker &&
        ! "$BERTH" shell user@sp test -e /berth-host-only &&
        map=$("$BERTH" shell sp cat /proc/self/uid_map | tr -s " " | sed "s/^ //") &&
        expect_eq "$map" "0 0 1
1000 1000 1" &&
        { "$BERTH" shell user@sp sleep 30 </dev/null >/dev/null 2>&1 & } && b=$! && test_when_finished "kill $b" &&
        pid=$(command_of $b sleep) && l=$(leader_of sp) &&
        same_namespaces $pid $l user mnt ipc uts cgroup &&
        same_status $pid $l CapBnd NoNewPrivs Seccomp &&
        expect_eq "$(grep ^0:: /proc/$pid/cgroup)" "$(grep ^0:: /proc/$l/cgroup)"
'
test_expect_success 'root in a single-process unit without a PID namespace cannot signal the host'"'"'s processes' '
        sandbox_machine sp2 &&
        test_when_finished "systemctl stop berth-sp2.service" &&
        { sleep 100 >/dev/null 2>&1 & } && victim=$! && test_when_finished "kill $victim" &&
        expect_eq "$("$BERTH" shell sp2 id -u)" 0 &&
        out=$("$BERTH" shell sp2 sh -c "echo \$\$; kill -0 $victim 2>/dev/null || echo refused") &&
        expect_eq "$out" "2
refused"
'

# A booted machine: the image's own systemd as PID 1, in berth@hostos.service.
test_expect_success 'into a booted machine: its systemd as PID 1, its init.scope, the exit status' '
        "$BERTH" start hostos && test_when_finished "\"$BERTH\" stop hostos" &&
        expect_eq "$("$BERTH" shell hostos cat /proc/1/comm)" systemd &&
        expect_eq "$("$BERTH" shell hostos grep ^0:: /proc/self/cgroup)" 0::/init.scope &&
        state=$("$BERTH" shell hostos systemctl is-system-running || true) &&
        case "$state" in running|degraded) ;; *) echo "state: $state"; false ;; esac &&
        { "$BERTH" shell hostos sh -c "exit 5"; expect_eq $? 5; }
'

if ! command -v tmux >/dev/null; then
        test_skip 'an interactive shell through tmux' 'tmux is not installed (tools/setup.sh installs it)'
        test_done
        exit
fi
export TMUX_TMPDIR=$TEST_TMP
S=berth-shell-$$
screen() { tmux capture-pane -p -t "$S"; }
# Runs berth shell ARGS in a new tmux session of 100x30; its exit status goes to $TEST_TMP/exit.
start() {
        rm -f "$TEST_TMP/exit"
        tmux kill-session -t "$S" 2>/dev/null
        tmux new-session -d -s "$S" -x 100 -y 30 "$BERTH shell $*; echo EXIT=\$? > $TEST_TMP/exit"
}

test_expect_success 'interactive: a login shell on a pty of the machine, the window size, exit ends it' '
        start $M && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" "echo \$((6*7)); tty; stty size; echo \$0" Enter &&
        wait_for "screen | grep -q ^42" 10 && wait_for "screen | grep -q ^/dev/pts/" 5 &&
        wait_for "screen | grep -q \"^30 100\"" 5 && wait_for "screen | grep -q ^-sh" 5 &&
        tmux send-keys -t "$S" "exit 3" Enter && wait_for "test -s $TEST_TMP/exit" 10 &&
        wait_for "! tmux has-session -t $S" 10 && expect_eq "$(cat $TEST_TMP/exit)" EXIT=3
'
test_expect_success 'interactive: a new window size reaches the command' '
        start $M && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux resize-window -t "$S" -x 120 -y 40 && sleep 0.5 &&
        tmux send-keys -t "$S" "stty size" Enter && wait_for "screen | grep -q \"^40 120\"" 10 &&
        tmux send-keys -t "$S" "exit" Enter && wait_for "test -s $TEST_TMP/exit" 10
'
test_expect_success 'interactive: ^] three times within a second leaves, the command is hung up' '
        start -q $M hup-test && wait_for "screen | grep -q waiting" 10 && ! screen | grep -q "three times" &&
        tmux send-keys -t "$S" C-] C-] C-] && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=0 &&
        expect_eq "$("$BERTH" shell $M cat /tmp/hup)" hup
'
test_expect_success 'interactive: ^C goes to the command, not to berth' '
        start $M && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" "sleep 30" Enter && sleep 0.5 && tmux send-keys -t "$S" C-c &&
        tmux send-keys -t "$S" "echo still-\$((1+1))" Enter && wait_for "screen | grep -q ^still-2" 10 &&
        tmux send-keys -t "$S" "exit 0" Enter && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=0
'
test_expect_success 'interactive: into a single-process unit, as its user' '
        "$BERTH" start sp3 -D "$R" -u user -- /bin/sleep 100 &&
        test_when_finished "systemctl stop berth-sp3.service" &&
        start user@sp3 && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" "id -u; tty" Enter && wait_for "screen | grep -q ^1000" 10 &&
        wait_for "screen | grep -q ^/dev/pts/" 5 &&
        tmux send-keys -t "$S" "exit 4" Enter && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=4
'
tmux kill-session -t "$S" 2>/dev/null
test_done
