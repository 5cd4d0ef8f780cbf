#!/bin/bash
# berth enable and disable, across reboots of the test host.
# phases: 3
. "$(dirname "$0")/../lib/tap.sh"

M=hostos
S=autosp
W=/etc/systemd/system/machines.target.wants

case ${BERTH_PHASE:-0} in
0)
        test_expect_success 'berth enable NAME links berth@NAME.service into machines.target, enabled itself' '
                "$BERTH" enable $M && test -L $W/berth@$M.service &&
                expect_eq "$(systemctl is-enabled machines.target)" enabled &&
                expect_eq "$(systemctl is-enabled berth@$M.service)" enabled &&
                ! systemctl is-active --quiet berth@$M.service
        '
        test_expect_success 'berth enable --now of a single-process machine writes berth-NAME.service and starts it' '
                rm -rf /var/lib/machines/$S && make_busybox_root /var/lib/machines/$S &&
                "$BERTH" enable --now $S -D /var/lib/machines/$S -u user -- /bin/sleep 100000 &&
                head -n 1 /etc/systemd/system/berth-$S.service | grep -q "^# Written by berth for the machine $S\.$" &&
                expect_eq "$(systemctl is-enabled berth-$S.service)" enabled &&
                wait_for "machinectl show $S >/dev/null" 10 &&
                expect_eq "$(machinectl show $S -p Unit --value)" berth-$S.service
        '
        test_expect_success 'bad input: an image that does not exist, a unit file berth did not write' '
                err=$("$BERTH" enable no-such-image 2>&1); r1=$?
                printf "[Service]\nExecStart=/bin/true\n" > /etc/systemd/system/berth-foreign.service
                err2=$("$BERTH" enable foreign -D / -- /bin/true 2>&1); r2=$?
                err3=$("$BERTH" disable foreign 2>&1); r3=$?
                rm -f /etc/systemd/system/berth-foreign.service
                test $r1 -eq 1 && expect_contains "No image" "$err" &&
                test $r2 -eq 1 && expect_contains "did not write it" "$err2" &&
                test $r3 -eq 1 && expect_contains "not written by berth" "$err3"
        '
        ;;
1)
        test_expect_success 'after a reboot, the enabled booted machine is running' '
                wait_for "systemctl is-active --quiet berth@$M.service" 60 &&
                expect_eq "$(machinectl show $M -p Unit --value)" berth@$M.service
        '
        test_expect_success 'after a reboot, the enabled single-process machine is running and registered' '
                wait_for "machinectl show $S >/dev/null 2>&1" 30 &&
                expect_eq "$(machinectl show $S -p Unit --value)" berth-$S.service
        '
        test_expect_success 'berth disable NAME; berth disable --now stops it and removes its unit file' '
                "$BERTH" disable $M && test ! -e $W/berth@$M.service && systemctl is-active --quiet berth@$M.service &&
                "$BERTH" disable --now $S && test ! -e /etc/systemd/system/berth-$S.service &&
                ! systemctl is-active --quiet berth-$S.service && ! machinectl show $S >/dev/null 2>&1
        '
        ;;
2)
        test_expect_success 'after another reboot, disabled machines do not start' '
                sleep 3 && ! systemctl is-active --quiet berth@$M.service &&
                ! systemctl is-active --quiet berth-$S.service && ! machinectl show $M >/dev/null 2>&1
        '
        rm -rf /var/lib/machines/$S
        ;;
esac
test_done
