#!/bin/bash
# Machines run as units get a user namespace by default (-U): berth@.service, berth start,
# single-process machines under the launcher; machined and berth status see the range.
. "$(dirname "$0")/../lib/tap.sh"

M=hostos
leader_of() { machinectl show "$1" -p Leader --value; }
inside() { local l; l=$(leader_of $M) && nsenter -t "$l" -a "$@"; }
uid_shift_of() {
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                GetMachineUIDShift s "$1" | cut -d" " -f2
}
R=$TEST_TMP/root
make_busybox_root "$R"

test_expect_success 'berth@NAME.service boots with a picked UID range; the image is not chowned' '
        before=$(stat -c %u:%g /var/lib/machines/$M /var/lib/machines/$M/etc/os-release | tr "\n" " ") &&
        "$BERTH" start $M && test_when_finished "\"$BERTH\" stop $M" &&
        map=$(awk "NR == 1 { print \$1, \$3 }" /proc/$(leader_of $M)/uid_map) && expect_eq "$map" "0 65536" &&
        shift=$(awk "NR == 1 { print \$2 }" /proc/$(leader_of $M)/uid_map) &&
        test $shift -ge $((0x80000)) && test $((shift % 65536)) -eq 0 &&
        state=$(inside systemctl is-system-running --wait) &&
        case "$state" in running|degraded) ;; *) echo "state: $state"; false ;; esac &&
        expect_eq "$(stat -c %u:%g /var/lib/machines/$M /var/lib/machines/$M/etc/os-release | tr "\n" " ")" "$before" &&
        expect_eq "$(inside stat -c %u /etc/os-release)" 0
'
test_expect_success 'machined'"'"'s GetMachineUIDShift and berth status give the range' '
        "$BERTH" start $M && test_when_finished "\"$BERTH\" stop $M" &&
        shift=$(awk "NR == 1 { print \$2 }" /proc/$(leader_of $M)/uid_map) &&
        expect_eq "$(uid_shift_of $M)" "$shift" &&
        expect_contains "UID range: 0-65535 on $shift-$((shift + 65535))" "$("$BERTH" status $M --no-pager)"
'
test_expect_success 'the machine'"'"'s cgroup belongs to its root; its systemd manages it' '
        "$BERTH" start $M && test_when_finished "\"$BERTH\" stop $M" &&
        shift=$(uid_shift_of $M) && cg=$(sed -n "s/^0:://p" /proc/$(leader_of $M)/cgroup) &&
        cg=/sys/fs/cgroup${cg%/init.scope} &&
        expect_eq "$(stat -c %u "$cg")" "$shift" &&
        inside systemd-run --wait -q -p User=nobody true
'
test_expect_success 'berth shell enters it as root of the machine, which is the range on the host' '
        "$BERTH" start $M && test_when_finished "\"$BERTH\" stop $M" &&
        shift=$(uid_shift_of $M) &&
        out=$("$BERTH" shell $M /bin/sh -c "id -u; sleep 0.1 & cat /proc/\$!/status | grep ^Uid | cut -f2" 2>&1) &&
        expect_eq "$out" "0
0" || return 1
        "$BERTH" shell $M /bin/sh -c "sleep 30" >/dev/null 2>&1 & sp=$!
        wait_for "pgrep -u $shift -x sleep" 10; found=$?
        kill $sp 2>/dev/null; wait $sp 2>/dev/null
        expect_eq $found 0
'
test_expect_success 'berth start NAME with options runs berth-NAME.service with -U too' '
        "$BERTH" start $M --link-journal=no && test_when_finished "\"$BERTH\" stop $M" &&
        expect_eq "$(machinectl show $M -p Unit --value)" berth-$M.service &&
        expect_contains " -U " "$(systemctl show berth-$M.service -p ExecStart --value)" &&
        test "$(uid_shift_of $M)" -ge $((0x80000))
'
test_expect_success 'a trusted settings file turns the user namespace off; an untrusted one cannot' '
        mkdir -p /etc/berth && printf "[Exec]\nPrivateUsers=no\n" > /etc/berth/$M.berth &&
        test_when_finished "rm -f /etc/berth/$M.berth /var/lib/machines/$M.berth" &&
        "$BERTH" start $M && shift=$(uid_shift_of $M) && "$BERTH" stop $M &&
        expect_eq "$shift" 0 &&
        mv /etc/berth/$M.berth /var/lib/machines/$M.berth &&
        "$BERTH" start $M && shift=$(uid_shift_of $M) && "$BERTH" stop $M &&
        test "$shift" -ge $((0x80000))
'
test_expect_success 'a root single-process machine under the launcher gets a range too' '
        "$BERTH" start sproot -D "$R" -- /bin/sleep 100 && test_when_finished "systemctl stop berth-sproot.service" &&
        leader=$(leader_of sproot) && shift=$(awk "NR == 1 { print \$2 }" /proc/$leader/uid_map) &&
        test "$shift" -ge $((0x80000)) && expect_eq "$(uid_shift_of sproot)" "$shift" &&
        expect_eq "$(stat -c %u /proc/$leader)" "$shift"
'
test_expect_success 'a single-process machine run as a user under the launcher: its user is a UID of its range' '
        "$BERTH" start spu -D "$R" -u user -- /bin/sleep 100 && test_when_finished "systemctl stop berth-spu.service" &&
        leader=$(leader_of spu) && shift=$(awk "NR == 1 { print \$2 }" /proc/$leader/uid_map) &&
        test "$shift" -ge $((0x80000)) && expect_eq "$(stat -c %u /proc/$leader)" $((shift + 1000))
'
test_expect_success 'nothing is left of the ranges once the machines are gone' '
        wait_for "! ls /run/berth/uid-ranges | grep -q ." 10
'
test_done
