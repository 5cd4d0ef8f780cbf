# SPDX-License-Identifier: LGPL-2.1-or-later
# TAP helpers for the shell test scripts, in the manner of git's t/test-lib.sh.
#
#   test_expect_success "description" 'commands'
#   test_skip "description" "reason"
#   test_when_finished 'cleanup commands'     (inside a test body)
#   test_done
#
# $BERTH is the binary under test; $BUILD_DIR the build tree; $TEST_TMP a scratch
# directory removed at the end.

set -u

: "${BUILD_DIR:?BUILD_DIR must point at the build tree}"
BERTH=${BERTH:-$BUILD_DIR/berth}
TEST_TMP=$(mktemp -d /tmp/berth-test.XXXXXX)
test_count=0
test_failed=0

trap 'rm -rf "$TEST_TMP"' EXIT

# The body runs in a subshell, so cleanups are collected in a file.
test_when_finished() {
        printf '%s\n' "$1" >> "$TEST_TMP/.cleanup"
}

test_expect_success() {
        local desc=$1 body=$2 out rc
        test_count=$((test_count + 1))
        rm -f "$TEST_TMP/.cleanup"
        out=$(cd "$TEST_TMP" && eval "$body" 2>&1)
        rc=$?
        if [ -f "$TEST_TMP/.cleanup" ]; then
                (tac "$TEST_TMP/.cleanup" | while read -r c; do eval "$c"; done) >/dev/null 2>&1
                rm -f "$TEST_TMP/.cleanup"
        fi
        if [ $rc -eq 0 ]; then
                echo "ok $test_count - $desc"
        else
                test_failed=$((test_failed + 1))
                echo "not ok $test_count - $desc"
                printf '%s\n' "$out" | tail -n 25 | sed 's/^/#   /'
        fi
}

test_skip() {
        test_count=$((test_count + 1))
        echo "ok $test_count - $1 # SKIP $2"
}

test_done() {
        echo "1..$test_count"
        [ $test_failed -eq 0 ]
}

# Fails with a message unless "$1" equals "$2".
expect_eq() {
        if [ "$1" != "$2" ]; then
                echo "expected '$2', got '$1'"
                return 1
        fi
}

# Fails unless the file or string $2 contains $1.
expect_contains() {
        case "$2" in
        *"$1"*) return 0 ;;
        esac
        echo "expected to find '$1' in: $2"
        return 1
}

# A small OS tree: busybox, merged /usr, root and one user, os-release, the berth probe.
make_busybox_root() {
        local r=$1 c
        mkdir -p "$r/usr/bin" "$r/etc" "$r/root" "$r/home/user" "$r/var" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/run"
        cp /bin/busybox "$r/usr/bin/busybox"
        ln -sfn usr/bin "$r/bin"
        ln -sfn usr/bin "$r/sbin"
        for c in $(/bin/busybox --list); do
                [ "$c" = busybox ] || ln -sf busybox "$r/usr/bin/$c"
        done
        [ -x "$BUILD_DIR/tests/berth-probe" ] && cp "$BUILD_DIR/tests/berth-probe" "$r/usr/bin/probe"
        printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:A user:/home/user:/bin/sh\n' > "$r/etc/passwd"
        printf 'root:x:0:\nuser:x:1000:\nwheel:x:10:user\n' > "$r/etc/group"
        printf 'ID=busybox\nNAME=Busybox\n' > "$r/etc/os-release"
        chown 1000:1000 "$r/home/user"
}

# Runs berth quietly in pipe mode. A plain command, not a function, so that
# "$BRUN ... &" leaves berth's own PID in $!.
BRUN="$BERTH run -q -P"
brun() {
        $BRUN "$@"
}

# The host-side PID of a running machine's PID 1, the child of the berth process $1 that is
# in a PID namespace of its own (with -U berth has another child for a moment).
machine_leader() {
        local i c ns
        for i in $(seq 100); do
                if [ -r "/proc/$1/task/$1/children" ]; then
                        for c in $(cat "/proc/$1/task/$1/children"); do
                                ns=$(readlink /proc/$c/ns/pid) || continue
                                if [ -n "$ns" ] && [ "$ns" != "$(readlink /proc/$1/ns/pid)" ]; then
                                        echo "$c"
                                        return 0
                                fi
                        done
                fi
                sleep 0.1
        done
        return 1
}

# Waits until $1 (a command string) succeeds, for at most $2 seconds.
# Starts a process that holds all of the host root's inotify instances but LEFT, for SECONDS
# (fs.inotify.max_user_instances counts every process of root's, and every machine's), writing
# "held" to FILE once it has them. Its PID goes to $holder, the limit to $inotify_max.
hold_inotify_instances_but() {
        local used
        inotify_max=$(cat /proc/sys/fs/inotify/max_user_instances)
        used=$(find /proc/[0-9]*/fd -lname anon_inode:inotify 2>/dev/null | wc -l)
        python3 -c "
import ctypes, resource, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
libc = ctypes.CDLL(None, use_errno=True)
fds = [libc.inotify_init1(0) for _ in range(int(sys.argv[1]))]
print('held' if min(fds + [0]) >= 0 else 'failed', flush=True)
time.sleep(float(sys.argv[2]))" "$((inotify_max - used - $1))" "$2" > "$3" 2>&1 &
        holder=$!
}

wait_for() {
        local i
        for i in $(seq $(($2 * 10))); do
                eval "$1" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

mounts_of_host() {
        wc -l < /proc/self/mountinfo
}

# A block device of the host's that root on the host can open, as "MAJOR MINOR": the root file
# system's, else the first that opens. Tried with berth-probe on a private tmpfs (not nodev), in
# a mount namespace of its own, so that nothing stays behind. For the escape suites: a node of
# it must not open inside a machine.
host_block_device() {
        local d w=$TEST_TMP/.device-witness
        mkdir -p "$w"
        for d in $(awk '$5 == "/" { print $3; exit }' /proc/self/mountinfo) $(ls /sys/dev/block 2>/dev/null); do
                case $d in 0:*) continue ;; esac
                if unshare -m sh -c "mount -t tmpfs -o mode=0700 none $w && $BUILD_DIR/tests/berth-probe mknod $w/node ${d%%:*} ${d##*:}" |
                   grep -qx open=ok; then
                        echo "${d%%:*} ${d##*:}"
                        return 0
                fi
        done
        return 1
}
