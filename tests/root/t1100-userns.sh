#!/bin/bash
# User namespaces: -U, --private-users=, --private-users-ownership=, idmapped images and binds,
# the UID range lock, and what root in such a machine can no longer do to the host.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
chmod 0755 "$R"

# The first line of a machine's uid_map, from inside.
uid_map() {
        brun "$@" cat /proc/self/uid_map | awk '{ print $1, $2, $3; exit }'
}

no_leftovers() {
        if ls /run/berth/machines 2>/dev/null | grep -q .; then echo "left: $(ls /run/berth/machines)"; return 1; fi
        if ls /run/berth/locks 2>/dev/null | grep -q .; then echo "locks left: $(ls /run/berth/locks)"; return 1; fi
        if ls /run/berth/uid-ranges 2>/dev/null | grep -q .; then echo "ranges left: $(ls /run/berth/uid-ranges)"; return 1; fi
}

test_expect_success '-U: root inside is a 64K range picked from the machine name, root of its own namespace' '
        map=$(uid_map -U -M userns1 -D "$R") && set -- $map &&
        expect_eq "$1 $3" "0 65536" &&
        test $2 -ge $((0x80000)) && test $2 -lt $((0x70000000)) && test $(($2 % 65536)) -eq 0 &&
        expect_eq "$(brun -U -M userns1 -D "$R" id -u)" 0 &&
        expect_eq "$(uid_map -U -M userns1 -D "$R")" "$map" &&
        test "$(uid_map -U -M userns2 -D "$R")" != "$map" &&
        no_leftovers
'

test_expect_success 'the range is locked while the machine runs: a fixed range over it is refused, pick avoids it' '
        $BRUN -U -M holder -D "$R" sleep 30 & pid=$!
        leader=$(machine_leader $pid) && wait_for "! grep -q 4294967295 /proc/$leader/uid_map" 5 &&
        shift=$(awk "{ print \$2; exit }" /proc/$leader/uid_map) &&
        test -e /run/berth/uid-ranges/$shift &&
        err=$(brun --private-users=$((shift + 100)):10 -M other -D "$R" true 2>&1); rc=$?
        other=$(uid_map -U -M other -D "$R" | cut -d" " -f2)
        kill -TERM $pid; wait $pid
        expect_eq $rc 1 && expect_eq "$err" "UID range $((shift + 100))-$((shift + 109)) is in use by machine holder." &&
        test "$other" != "$shift" && test -n "$other" &&
        test ! -e /run/berth/uid-ranges/$shift && no_leftovers
'

test_expect_success 'the range of a killed berth is free again for the next machine' '
        $BRUN -U -M killedr -D "$R" sleep 30 & pid=$!
        leader=$(machine_leader $pid) && wait_for "! grep -q 4294967295 /proc/$leader/uid_map" 5 || return 1
        shift=$(awk "{ print \$2; exit }" /proc/$leader/uid_map)
        kill -KILL $pid; wait $pid
        wait_for "! kill -0 $leader" 5 && test -e /run/berth/uid-ranges/$shift &&
        expect_eq "$(uid_map --private-users=$shift:65536 -M other -D "$R")" "0 $shift 65536" &&
        brun -D "$R" true && no_leftovers
'

test_expect_success 'a killed berth takes its payload along, also one run as another user' '
        for opts in "-U" "-u user" "-U -u user"; do
                $BRUN $opts -M killedu -D "$R" sleep 30 & pid=$!
                leader=$(machine_leader $pid) || return 1
                wait_for "grep -q sleep /proc/$leader/cmdline" 5 || return 1
                kill -KILL $pid; wait $pid
                wait_for "! kill -0 $leader" 5 || { echo "payload outlived berth with $opts"; kill -KILL $leader; return 1; }
        done
        brun -D "$R" true && no_leftovers
'

test_expect_success 'pick never takes a range that holds a host user or a subordinate range' '
        shift=$(uid_map -U -M picky -D "$R" | cut -d" " -f2) &&
        useradd --no-create-home --no-user-group -u $((shift + 7)) berth-t1100 &&
        test_when_finished "userdel berth-t1100" &&
        second=$(uid_map -U -M picky -D "$R" | cut -d" " -f2) && test "$second" != "$shift" &&
        cp /etc/subuid "$TEST_TMP/subuid" 2>/dev/null; test_when_finished "cp $TEST_TMP/subuid /etc/subuid 2>/dev/null || rm -f /etc/subuid" &&
        echo "somebody:$((second + 100)):10" >> /etc/subuid &&
        third=$(uid_map -U -M picky -D "$R" | cut -d" " -f2) && test "$third" != "$second" && test "$third" != "$shift"
'

test_expect_success 'the image is never chowned: it is mapped, and what root makes in it is root'"'"'s on disk' '
        before=$(find "$R" -xdev -printf "%u:%g %p\n" | sort | md5sum) &&
        out=$(brun -U -D "$R" /bin/sh -c "stat -c %u:%g /usr/bin/busybox; touch /made-inside; grep -c \" / .*idmapped\" /proc/self/mountinfo") &&
        expect_eq "$out" "0:0
1" &&
        expect_eq "$(stat -c %u:%g "$R/made-inside")" 0:0 && rm "$R/made-inside" &&
        expect_eq "$(find "$R" -xdev -printf "%u:%g %p\n" | sort | md5sum)" "$before"
'

test_expect_success 'a bind is noidmap by default: root inside writes as the range on the host; idmap writes as host root' '
        S=$TEST_TMP/shared && mkdir -p "$S" && chmod 0777 "$S" &&
        shift=$(uid_map -U -M bindm -D "$R" | cut -d" " -f2) &&
        brun -U -M bindm --bind="$S:/s" -D "$R" touch /s/plain &&
        expect_eq "$(stat -c %u:%g "$S/plain")" "$shift:$shift" &&
        brun -U -M bindm --bind="$S:/s:idmap" -D "$R" touch /s/mapped &&
        expect_eq "$(stat -c %u:%g "$S/mapped")" 0:0 &&
        expect_eq "$(brun -U -M bindm --bind="$S:/s" -D "$R" stat -c %u /s/mapped)" 65534
'

test_expect_success 'tmpfs mounts and the API directories belong to the machine'"'"'s root' '
        out=$(brun -U --tmpfs=/scratch -D "$R" stat -c "%u %n" /scratch /tmp /run /dev /run/host | tr "\n" " ") &&
        expect_eq "$out" "0 /scratch 0 /tmp 0 /run 0 /dev 0 /run/host "
'

test_expect_success 'read-only stays read-only: root inside cannot remount the root, a --bind-ro or /sys writable' '
        S=$TEST_TMP/ro && mkdir -p "$S" && chmod 0777 "$S" &&
        out=$(brun -U --read-only --bind-ro="$S:/ro" -D "$R" /bin/sh -c "
                mount -o remount,bind,rw / 2>/dev/null && echo root-rw
                mount -o remount,bind,rw /ro 2>/dev/null && echo bind-rw
                mount -o remount,bind,rw /sys 2>/dev/null && echo sys-rw
                # The read-only /proc/sys is the machine'"'"'s own mount; without it the kernel
                # still refuses root of a user namespace the global knobs.
                umount /proc/sys 2>/dev/null
                echo 1 > /proc/sys/kernel/panic_on_oops 2>/dev/null && echo sysctl-written
                touch /x /ro/x 2>/dev/null && echo wrote
                echo done") &&
        expect_eq "$out" done && test ! -e "$S/x" && test ! -e "$R/x"
'

test_expect_success 'with -U root inside can neither signal nor read a host process that enters the machine' '
        $BRUN -U -M sig -D "$R" sleep 30 & pid=$!
        leader=$(machine_leader $pid) && wait_for "! grep -q 4294967295 /proc/$leader/uid_map" 5 || return 1
        # A host root process in the machine'"'"'s PID namespace, as an entering tool would be.
        nsenter -t $leader -p --preserve-credentials sleep 30 & victim=$!
        wait_for "nsenter -t $leader -a --preserve-credentials pidof sleep | grep -q \" \"" 5
        inner=$(nsenter -t $leader -U -m -p --preserve-credentials /bin/sh -c "for p in \$(pidof sleep); do [ \$p != 1 ] && echo \$p; done" | head -n1)
        out=$(nsenter -t $leader -a /bin/sh -c "cat /proc/$inner/environ >/dev/null 2>&1 && echo read; kill -9 $inner 2>/dev/null && echo killed; echo tried")
        alive=$(kill -0 $victim 2>/dev/null && echo alive)
        kill -KILL $victim $pid; wait $pid
        test -n "$inner" && expect_eq "$out" tried && expect_eq "$alive" alive
'

test_expect_success 'without -U the same process can be signalled: the namespace is what stops it' '
        $BRUN -M sig0 -D "$R" sleep 30 & pid=$!
        leader=$(machine_leader $pid) || return 1
        nsenter -t $leader -p sleep 30 & victim=$!
        wait_for "nsenter -t $leader -a pidof sleep | grep -q \" \"" 5
        inner=$(nsenter -t $leader -m -p /bin/sh -c "for p in \$(pidof sleep); do [ \$p != 1 ] && echo \$p; done" | head -n1)
        out=$(nsenter -t $leader -a /bin/sh -c "kill -9 $inner 2>/dev/null && echo killed")
        kill -KILL $pid; wait $pid; wait $victim 2>/dev/null
        test -n "$inner" && expect_eq "$out" killed
'

test_expect_success 'with -U a device node for the host'"'"'s disk cannot be made, nor opened where it exists' '
        dev=$(mountpoint -d /) && major=${dev%:*} && minor=${dev#*:} &&
        D=$TEST_TMP/devs && mkdir -p "$D" && rm -f "$D/disk" && mknod "$D/disk" b $major $minor && chmod 0666 "$D/disk" &&
        out=$(brun -U --bind="$D:/hostdevs" -D "$R" /bin/sh -c "
                mknod /tmp/disk b $major $minor 2>/dev/null && echo made-in-tmp
                mknod /disk b $major $minor 2>/dev/null && echo made-in-root
                mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && mknod /mnt/t/disk b $major $minor 2>/dev/null && echo made-in-own-tmpfs
                head -c 512 /hostdevs/disk >/dev/null 2>&1 && echo opened-bound
                echo done") &&
        expect_eq "$out" done
'

test_expect_success '--private-users-ownership=chown shifts the files once, setuid bits kept; yes takes the range from the owner' '
        C=$TEST_TMP/chowned && cp -a "$R" "$C" && cp "$C/usr/bin/busybox" "$C/usr/bin/suid" && chmod 4755 "$C/usr/bin/suid" &&
        chown 1000:1000 "$C/home/user" &&
        out=$(brun --private-users=1048576:65536 --private-users-ownership=chown -D "$C" stat -c %u /usr/bin/busybox /home/user) &&
        expect_eq "$out" "0
1000" &&
        expect_eq "$(stat -c %u:%g "$C" "$C/usr/bin/busybox" "$C/home/user" | tr "\n" " ")" "1048576:1048576 1048576:1048576 1049576:1049576 " &&
        expect_eq "$(stat -c %a "$C/usr/bin/suid")" 4755 &&
        expect_eq "$(uid_map --private-users=yes -D "$C")" "0 1048576 65536" &&
        expect_eq "$(uid_map -U --private-users=yes -D "$C")" "0 1048576 65536" &&
        expect_eq "$(brun --private-users=yes -D "$C" stat -c %u /usr/bin/busybox)" 0
'

test_expect_success 'where the file system cannot be idmapped berth stops and names chown, leaving nothing behind' '
        O=$TEST_TMP/ovl && mkdir -p "$O/up" "$O/work" "$O/mnt" &&
        mount -t overlay overlay -o lowerdir="$R",upperdir="$O/up",workdir="$O/work" "$O/mnt" &&
        test_when_finished "umount $O/mnt" &&
        before=$(mounts_of_host) &&
        err=$(brun -U -D "$O/mnt" true 2>&1); rc=$?
        expect_eq $rc 1 && expect_contains "--private-users-ownership=chown" "$err" &&
        expect_eq "$(echo "$err" | wc -l)" 1 && expect_eq "$(mounts_of_host)" "$before" && no_leftovers
'

test_expect_success '-x and --volatile=yes work with -U and leave the image as it was' '
        before=$(find "$R" -xdev -printf "%u:%g %m %p\n" | sort | md5sum) &&
        out=$(brun -U -x -D "$R" /bin/sh -c "echo e > /eph && stat -c %u /eph /") &&
        expect_eq "$out" "0
0" && test ! -e "$R/eph" &&
        out=$(brun -U --volatile=yes -D "$R" /bin/sh -c "touch /etc/v && stat -c %u /etc/v /usr/bin/busybox; touch /usr/x 2>/dev/null || echo usr-ro") &&
        expect_eq "$out" "0
0
usr-ro" &&
        expect_eq "$(find "$R" -xdev -printf "%u:%g %m %p\n" | sort | md5sum)" "$before" && no_leftovers
'

test_expect_success 'settings files: PrivateUsers= from a trusted file, ignored with a warning from an untrusted one' '
        mkdir -p /run/berth && test_when_finished "rm -f /run/berth/setu.berth $TEST_TMP/root.berth" &&
        printf "[Exec]\nPrivateUsers=pick\n" > /run/berth/setu.berth &&
        expect_eq "$(uid_map -M setu -D "$R" | cut -d" " -f3)" 65536 &&
        printf "[Exec]\nPrivateUsers=no\n" > /run/berth/setu.berth &&
        expect_eq "$(uid_map -U --settings=override -M setu -D "$R")" "0 0 4294967295" &&
        expect_eq "$(uid_map -U -M setu -D "$R" | cut -d" " -f3)" 65536 &&
        rm /run/berth/setu.berth && printf "[Exec]\nPrivateUsers=no\n" > "$TEST_TMP/root.berth" &&
        out=$($BERTH run -P -U -M setu -D "$R" cat /proc/self/uid_map 2>&1) &&
        expect_contains "PrivateUsers" "$out" && expect_contains "65536" "$out"
'

test_expect_success 'bad values are refused with one line' '
        for a in --private-users=sometimes --private-users=4294967295 --private-users=10:0 --private-users-ownership=maybe \
                 "--bind=/tmp:/t:idmap"; do
                err=$(brun -D "$R" "$a" true 2>&1); rc=$?
                expect_eq $rc 1 || return 1
                expect_eq "$(echo "$err" | wc -l)" 1 || return 1
        done &&
        expect_contains "idmap needs a user namespace" "$(brun -D "$R" --bind=/tmp:/t:idmap true 2>&1)" &&
        expect_contains "would change the image" "$(brun -U -x --private-users-ownership=chown -D "$R" true 2>&1)"
'

test_expect_success 'a booted OS without -U is told once on a terminal, not with -U or without a terminal' '
        # An OS tree without an init: the notice comes before the boot fails.
        N=$TEST_TMP/noinit && cp -a "$R" "$N" && rm "$N/usr/bin/init" &&
        script -qec "$BERTH run -D $N -b --register=no -M notice" /dev/null > "$TEST_TMP/tty.out" 2>&1
        script -qec "$BERTH run -D $N -U -b --register=no -M notice" /dev/null > "$TEST_TMP/tty-u.out" 2>&1
        $BERTH run -D "$N" -b --register=no -M notice > "$TEST_TMP/notty.out" 2>&1
        expect_eq "$(grep -c "no user namespace" "$TEST_TMP/tty.out")" 1 &&
        expect_eq "$(grep -c "no user namespace" "$TEST_TMP/tty-u.out")" 0 &&
        expect_eq "$(grep -c "no user namespace" "$TEST_TMP/notty.out")" 0
'

if [ -x /usr/lib/systemd/systemd ]; then
test_expect_success 'the host OS boots with -U and powers off cleanly; its cgroup is the machine root'"'"'s' '
        $BRUN -U -D / --volatile=yes -b -M ubootm > "$TEST_TMP/uboot.log" 2>&1 & pid=$!
        leader=$(machine_leader $pid) &&
        wait_for "nsenter -t $leader -a test -S /run/systemd/private" 60 &&
        state=$(timeout 120 nsenter -t $leader -a systemctl is-system-running --wait)
        owner=$(nsenter -t $leader -a stat -c %u /sys/fs/cgroup)
        kill -TERM $pid; wait $pid; rc=$?
        case "$state" in running|degraded) ;; *) echo "state: $state"; return 1 ;; esac
        expect_eq "$owner" 0 && expect_eq $rc 0 && no_leftovers
'
else
        test_skip 'booting the host OS with -U' 'systemd is not installed (tools/setup.sh installs it)'
fi

test_done
