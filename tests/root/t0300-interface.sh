#!/bin/bash
# The container interface and the security defaults, seen from inside the machine. The attacks
# on them (descriptors, masks, the syscall filter, the terminal) are in t1000-escapes.sh.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
: > "$R/etc/machine-id"

test_expect_success '$container and $container_uuid' '
        out=$(brun --uuid=0123456789abcdef0123456789abcdef -D "$R" /bin/sh -c "echo \$container \$container_uuid") &&
        expect_eq "$out" "berth 01234567-89ab-cdef-0123-456789abcdef"
'
test_expect_success 'the payload starts with no signal ignored or blocked, whatever berth inherited' '
        # A job of a non-interactive shell starts with SIGINT and SIGQUIT ignored; berth ignores SIGPIPE.
        ( trap "" INT QUIT PIPE; brun -D "$R" /bin/grep -E "^Sig(Ign|Blk):" /proc/self/status > "$TEST_TMP/sig" ) &&
        expect_eq "$(cat "$TEST_TMP/sig" | tr -s "\t " " ")" "SigBlk: 0000000000000000
SigIgn: 0000000000000000" &&
        ( trap "" INT; brun -D "$R" --as-pid2 /bin/grep ^SigIgn: /proc/self/status > "$TEST_TMP/sig2" ) &&
        expect_contains "0000000000000000" "$(cat "$TEST_TMP/sig2")"
'
test_expect_success '/run/host holds os-release, container-manager and container-uuid, read-only' '
        out=$(brun --uuid=0123456789abcdef0123456789abcdef -D "$R" /bin/sh -c \
                "cat /run/host/container-manager /run/host/container-uuid; grep -c ^ID= /run/host/os-release; touch /run/host/x 2>&1 || echo ro") &&
        expect_contains "berth" "$out" && expect_contains "01234567-89ab-cdef-0123-456789abcdef" "$out" &&
        expect_contains "ro" "$out"
'
test_expect_success 'an empty /etc/machine-id is filled from the uuid' '
        out=$(brun --uuid=0123456789abcdef0123456789abcdef -D "$R" cat /etc/machine-id) &&
        expect_eq "$out" 0123456789abcdef0123456789abcdef && test ! -s "$R/etc/machine-id"
'
test_expect_success 'the hostname is the machine name, or --hostname' '
        expect_eq "$(brun -M m1 -D "$R" hostname)" m1 &&
        expect_eq "$(brun -M m1 --hostname=other -D "$R" hostname)" other
'
test_expect_success 'NOTIFY_SOCKET is /run/host/notify and READY=1 reaches berth'"'"'s own NOTIFY_SOCKET' '
        sock=$TEST_TMP/notify.sock
        python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(10)
print(s.recv(4096).decode())" "$sock" > "$TEST_TMP/notify.out" & lpid=$!
        wait_for "test -S $sock" 5 &&
        NOTIFY_SOCKET=$sock brun -D "$R" /bin/sh -c "echo \$NOTIFY_SOCKET; probe notify READY=1" &&
        wait $lpid && expect_eq "$(cat "$TEST_TMP/notify.out")" "READY=1"
'
test_expect_success '/proc/sys is read-only, /proc is fresh' '
        out=$(brun -D "$R" /bin/sh -c "echo x > /proc/sys/kernel/domainname && echo writable; ls /proc | grep ^[0-9] | sort -n | tail -n 1") &&
        test "$out" -lt 10
'
test_expect_success '/proc/sys/net is writable with --private-network only' '
        out=$(brun --private-network -D "$R" /bin/sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward && echo ok") &&
        expect_eq "$out" ok
'
test_expect_success '/sys is read-only' '
        out=$(brun -D "$R" /bin/sh -c "mkdir /sys/kernel/x 2>/dev/null && echo writable; grep \" /sys \" /proc/mounts | cut -d\" \" -f4 | cut -d, -f1") &&
        expect_eq "$out" ro
'
test_expect_success 'the machine has its own writable cgroup2 tree in a cgroup namespace' '
        out=$(brun -M cgt -D "$R" /bin/sh -c "cat /proc/self/cgroup | grep ^0::; grep -c \" /sys/fs/cgroup cgroup2 \" /proc/mounts; mkdir /sys/fs/cgroup/sub && echo made") &&
        expect_eq "$out" "0::/
1
made" &&
        ! ls -d /sys/fs/cgroup/unified/berth-cgt /sys/fs/cgroup/berth-cgt 2>/dev/null
'
test_expect_success '/dev is private: the standard nodes, a new devpts, a console' '
        out=$(brun -D "$R" /bin/sh -c "ls /dev | tr \"\n\" \" \"; grep \" /dev/pts \" /proc/mounts | grep -c ptmxmode=666") &&
        expect_eq "$out" "console fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero 1"
'
test_expect_success 'the capability bounding set is nspawn'"'"'s default' '
        out=$(brun -D "$R" grep CapBnd /proc/self/status) && expect_eq "$out" "CapBnd:	00000000fcecafff" &&
        out=$(brun --private-network -D "$R" grep CapBnd /proc/self/status) && expect_eq "$out" "CapBnd:	00000000fcecbfff" &&
        out=$(brun --drop-capability=CAP_SYS_ADMIN --capability=CAP_SYS_TIME -D "$R" grep CapBnd /proc/self/status) &&
        own=0x$(sed -n "s/^CapBnd:\t//p" /proc/self/status) &&
        expect_eq "$out" "$(printf "CapBnd:\t%016x" $(( (0xfcecafff & ~(1 << 21) | (1 << 25)) & own )))"
'
test_expect_success 'a non-root user has no capabilities, and its groups' '
        out=$(brun -u user -D "$R" /bin/sh -c "id; grep CapEff /proc/self/status; pwd; echo \$HOME \$USER") &&
        expect_eq "$out" "uid=1000(user) gid=1000(user) groups=10(wheel),1000(user)
CapEff:	0000000000000000
/home/user
/home/user user"
'
test_expect_success '--chdir, --setenv' '
        out=$(brun --chdir=/etc -E FOO=bar -E container=x -D "$R" /bin/sh -c "pwd; echo \$FOO \$container") &&
        expect_eq "$out" "/etc
bar x"
'
test_expect_success 'the supervisor is not dumpable: a peer without CAP_SYS_PTRACE cannot look into it' '
        # Both run without CAP_SYS_PTRACE, so the capability subset rule passes and only
        # dumpability decides; a plain process is the control.
        D="capsh --drop=cap_sys_ptrace --"
        $D -c "exec $BERTH run -q -P -D $R sleep 3" & pid=$!
        $D -c "exec sleep 3" & other=$!
        machine_leader $pid >/dev/null
        $D -c "readlink /proc/$other/exe" >/dev/null; control=$?
        $D -c "readlink /proc/$pid/exe" >/dev/null 2>&1; supervisor=$?
        wait $pid; wait $other
        expect_eq $control 0 && test $supervisor -ne 0
'
test_expect_success '--private-network: loopback only, up' '
        out=$(brun --private-network -D "$R" /bin/sh -c "ls /sys/class/net | tr \"\n\" \" \"; cat /sys/class/net/lo/operstate") &&
        expect_eq "$out" "lo unknown"
'
test_expect_success 'mount propagation is private: nothing reaches the host' '
        before=$(mounts_of_host) && brun -D "$R" /bin/sh -c "mount -t tmpfs x /mnt 2>/dev/null || mkdir -p /m && mount -t tmpfs x /tmp" &&
        expect_eq "$(mounts_of_host)" "$before"
'
test_done
