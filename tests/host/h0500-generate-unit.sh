#!/bin/bash
# berth generate-unit: unit files that systemctl starts and enables like any service.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
cp -a "$R" /var/lib/machines/genimg
trap 'rm -rf /var/lib/machines/genimg "$TEST_TMP"' EXIT
version=$(systemctl --version | awk "NR == 1 { print \$2 }")

test_expect_success 'a single-process unit file: systemctl starts it, machinectl lists it' '
        "$BERTH" generate-unit gen1 -D /var/lib/machines/genimg -u user -E GREETING=hi --output=/etc/systemd/system/berth-gen1.service \
                -- /bin/sh -c "echo \$GREETING > /tmp/g; sleep 100" &&
        test_when_finished "systemctl stop berth-gen1.service; rm -f /etc/systemd/system/berth-gen1.service; systemctl daemon-reload" &&
        systemctl daemon-reload && systemctl start berth-gen1.service &&
        wait_for "machinectl show gen1" 10 &&
        expect_eq "$(machinectl show gen1 -p Unit --value)" berth-gen1.service &&
        if [ "$version" -lt 257 ]; then
                # No PrivatePIDs=: the payload runs under berth'"'"'s launcher, in a PID namespace of its own.
                grep -q "^ExecStart=.*\"run\"" /etc/systemd/system/berth-gen1.service &&
                leader=$(machinectl show gen1 -p Leader --value) &&
                test "$(readlink /proc/$leader/ns/pid)" != "$(readlink /proc/self/ns/pid)"
        else
                expect_eq "$(machinectl show gen1 -p Leader --value)" "$(systemctl show berth-gen1.service -p MainPID --value)"
        fi &&
        systemctl stop berth-gen1.service && ! machinectl show gen1 >/dev/null 2>&1
'
test_expect_success 'a root single-process unit file runs in berth'"'"'s launcher where systemd has no PrivatePIDs=' '
        "$BERTH" generate-unit gen5 -D /var/lib/machines/genimg --output=/etc/systemd/system/gen5.service -- /bin/sleep 100 &&
        test_when_finished "systemctl stop gen5.service; rm -f /etc/systemd/system/gen5.service; systemctl daemon-reload" &&
        systemctl daemon-reload && systemctl start gen5.service &&
        expect_eq "$(machinectl show gen5 -p Unit --value)" gen5.service &&
        leader=$(machinectl show gen5 -p Leader --value) && expect_eq "$(cat /proc/$leader/comm)" sleep &&
        if [ "$(systemctl --version | awk "NR == 1 { print \$2 }")" -lt 257 ]; then
                grep -q "^ExecStart=.*\"run\"" /etc/systemd/system/gen5.service &&
                test "$(readlink /proc/$leader/ns/pid)" != "$(readlink /proc/self/ns/pid)"
        else
                grep -q "^PrivatePIDs=yes" /etc/systemd/system/gen5.service
        fi &&
        systemctl stop gen5.service && ! machinectl show gen5 >/dev/null 2>&1
'
test_expect_success 'systemctl enable puts it into machines.target' '
        "$BERTH" generate-unit gen2 -D /var/lib/machines/genimg --output=/etc/systemd/system/gen2.service -- /bin/sleep 100 &&
        test_when_finished "systemctl disable gen2.service; rm -f /etc/systemd/system/gen2.service; systemctl daemon-reload" &&
        systemctl daemon-reload && systemctl enable gen2.service 2>/dev/null &&
        test -L /etc/systemd/system/machines.target.wants/gen2.service
'
test_expect_success 'a booted unit file runs the launcher like berth@.service' '
        "$BERTH" generate-unit hostos -E FROM_UNIT=1 --output=/etc/systemd/system/genboot.service &&
        test_when_finished "systemctl stop genboot.service; rm -f /etc/systemd/system/genboot.service; systemctl daemon-reload" &&
        grep -q "^Type=notify" /etc/systemd/system/genboot.service &&
        systemctl daemon-reload && systemctl start genboot.service &&
        expect_eq "$(machinectl show hostos -p Unit --value)" genboot.service &&
        leader=$(machinectl show hostos -p Leader --value) && tr "\0" "\n" < /proc/$leader/environ | grep -q FROM_UNIT=1 &&
        systemctl stop genboot.service && expect_eq "$(systemctl show genboot.service -p Result --value)" success
'
test_expect_success 'without --output it prints the unit; bad input is refused' '
        out=$("$BERTH" generate-unit gen3 -D /var/lib/machines/genimg -u user -- /bin/true) &&
        if [ "$version" -lt 257 ]; then expect_contains "\"--no-new-privileges\"" "$out"; else expect_contains "RootDirectory=/var/lib/machines/genimg" "$out"; fi &&
        ! "$BERTH" generate-unit gen4 -D /var/lib/machines/genimg -x -- /bin/true 2>/dev/null &&
        ! "$BERTH" generate-unit "bad name" -- /bin/true 2>/dev/null
'
test_done
