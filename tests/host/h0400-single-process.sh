#!/bin/bash
# Single-process machines: a transient unit confined by systemd's own sandboxing, no launcher;
# where systemd has no PrivatePIDs= (before 257), the payload runs under berth's launcher. What
# a payload can reach of the host's (/proc/1/root, processes, devices): h0900-escapes.sh.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
O=$TEST_TMP/out
mkdir -p "$O"
# The payloads run as "user" where they test the launcher-less unit: it writes here.
chmod 1777 "$O"
version=$(systemctl --version | awk "NR == 1 { print \$2 }")

# Runs COMMAND as the single-process machine NAME and waits for its unit to finish.
run_single() {
        local name=$1
        shift
        "$BERTH" start "$name" -D "$R" --bind="$O:/out" "$@" || return 1
        wait_for "! systemctl is-active --quiet berth-$name.service" 20
        systemctl reset-failed "berth-$name.service" 2>/dev/null
        return 0
}

test_expect_success 'berth start NAME -- COMMAND runs it in a unit, registered with machined; no launcher from systemd 257' '
        out=$("$BERTH" start sp1 -D "$R" -u user -- /bin/sleep 100 2>&1) &&
        unit=$(machinectl show sp1 -p Unit --value) && leader=$(machinectl show sp1 -p Leader --value) &&
        main=$(systemctl show berth-sp1.service -p MainPID --value) &&
        comm=$(cat /proc/$leader/comm) && root=$(machinectl show sp1 -p RootDirectory --value) && maincomm=$(cat /proc/$main/comm) &&
        pidns=$(readlink /proc/$leader/ns/pid)
        systemctl stop berth-sp1.service
        expect_eq "$unit" berth-sp1.service && expect_eq "$comm" sleep && expect_eq "$root" "$R" &&
        ! machinectl show sp1 >/dev/null 2>&1 &&
        if [ "$version" -lt 257 ]; then
                expect_contains "launcher" "$out" && expect_eq "$maincomm" berth && test "$pidns" != "$(readlink /proc/self/ns/pid)"
        else
                expect_eq "$out" "" && expect_eq "$leader" "$main"
        fi
'
test_expect_success 'a command found in the image'"'"'s PATH, the options translated' '
        run_single sp2 -u user -E FOO=bar --chdir=/etc -- sh -c "{ echo \$FOO \$container; pwd; } > /out/env" &&
        expect_eq "$(cat $O/env)" "bar berth
/etc"
'
test_expect_success 'berth stop stops a single-process machine' '
        "$BERTH" start sp3 -D "$R" -- /bin/sleep 100 && "$BERTH" stop sp3 &&
        ! systemctl is-active --quiet berth-sp3.service && ! machinectl show sp3 >/dev/null 2>&1
'
test_expect_success 'a payload that exits at once: berth says it ran unregistered (no launcher)' '
        if [ "$version" -lt 257 ]; then
                # Under the launcher berth start returns once the payload runs; the machine goes when it ends.
                out=$("$BERTH" start sp4 -q -D "$R" -u user -- /bin/true 2>&1) && expect_eq "$out" "" &&
                wait_for "! machinectl show sp4" 5
                return
        fi
        # Whether /bin/true is gone before berth asks for the main PID is a race; most runs it is.
        n=0
        for i in 1 2 3 4 5; do
                out=$("$BERTH" start sp4 -D "$R" -u user -- /bin/true 2>&1) || return 1
                case "$out" in *"ran unregistered: its process had already exited"*) n=$((n + 1)) ;; "") ;; *) echo "$out"; return 1 ;; esac
        done
        wait_for "! machinectl show sp4" 5 && test $n -gt 0
'
test_expect_success 'a root payload cannot see or signal the host'"'"'s root processes (launcher before systemd 257)' '
        sleep 100 & victim=$! && test_when_finished "kill $victim" &&
        out=$("$BERTH" start spr -D "$R" --bind="$O:/out" -- sh -c "ls /proc | grep ^[0-9] | wc -l > /out/rpids; kill -9 -1; kill -9 $victim; sleep 100" 2>&1) &&
        test_when_finished "systemctl stop berth-spr.service" &&
        wait_for "test -s $O/rpids" 10 && sleep 0.3 &&
        leader=$(machinectl show spr -p Leader --value) && main=$(systemctl show berth-spr.service -p MainPID --value) &&
        kill -0 $victim && test "$(cat $O/rpids)" -le 4 &&
        if [ "$version" -lt 257 ]; then
                expect_contains "launcher" "$out" && expect_eq "$(cat /proc/$main/comm)" berth &&
                test "$(readlink /proc/$leader/ns/pid)" != "$(readlink /proc/self/ns/pid)" &&
                expect_eq "$(machinectl show spr -p Unit --value)" berth-spr.service
        else
                expect_eq "$leader" "$main"
        fi
'
test_expect_success 'bind-ro, tmpfs, inaccessible, read-only root' '
        mkdir -p "$TEST_TMP/data" && echo d > "$TEST_TMP/data/f" && mkdir -p "$R/secret" && echo s > "$R/secret/s" &&
        chmod 1777 "$R" "$TEST_TMP/data" && test_when_finished "chmod 755 \"$R\"" && chmod 644 "$R/secret/s" &&
        "$BERTH" start sp6 -D "$R" -u user --read-only --bind="$O:/out" --bind-ro="$TEST_TMP/data:/data" --tmpfs=/scratch:mode=1777 \
                --inaccessible=/secret -- sh -c "cat /data/f > /out/f; touch /data/x 2>/dev/null || echo ro >> /out/f; touch /scratch/y && echo tmp >> /out/f; cat /secret/s 2>/dev/null || echo hidden >> /out/f; touch /z 2>/dev/null || echo rootro >> /out/f" &&
        wait_for "! systemctl is-active --quiet berth-sp6.service" 20; systemctl reset-failed berth-sp6.service 2>/dev/null
        expect_eq "$(cat $O/f)" "d
ro
tmp
hidden
rootro"
'
test_expect_success 'the unit is hardened: no new privileges, no CAP_SYS_ADMIN, the seccomp list' '
        run_single sp7 -u user -- sh -c "grep -E \"^(NoNewPrivs|CapBnd|Seccomp):\" /proc/self/status > /out/st" &&
        expect_contains "NoNewPrivs:	1" "$(cat $O/st)" && expect_contains "Seccomp:	2" "$(cat $O/st)" &&
        bnd=$(sed -n "s/^CapBnd:\t//p" $O/st) && test $(( 0x$bnd & (1 << 21) )) -eq 0 && test $(( 0x$bnd & (1 << 19) )) -eq 0
'
test_expect_success 'berth run with the name of a running single-process machine is refused, and leaves it running' '
        "$BERTH" start sp10 -D "$R" -u user -- /bin/sleep 100 &&
        err=$(brun -M sp10 -D "$R" true 2>&1); rc=$?
        active=$(systemctl is-active berth-sp10.service)
        systemctl stop berth-sp10.service
        test $rc -ne 0 && expect_contains "sp10" "$err" && expect_eq "$active" active
'
test_expect_success 'options a single-process machine cannot take are refused clearly' '
        err=$("$BERTH" start sp8 -D "$R" -x -- /bin/true 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "--ephemeral" "$err" && expect_eq "$(echo "$err" | wc -l)" 1
'
test_expect_success 'a command that is not in the image is refused' '
        err=$("$BERTH" start sp9 -D "$R" -- /no/such/cmd 2>&1); rc=$?
        test $rc -ne 0 && expect_contains "/no/such/cmd" "$err"
'
test_expect_success 'berth start NAME with run options boots a transient unit carrying them' '
        "$BERTH" start hostos -E BERTH_TEST=yes && leader=$(machinectl show hostos -p Leader --value) &&
        env=$(tr "\0" "\n" < /proc/$leader/environ) && unit=$(machinectl show hostos -p Unit --value)
        "$BERTH" stop hostos
        expect_contains "BERTH_TEST=yes" "$env" && expect_eq "$unit" berth-hostos.service
'
test_done
