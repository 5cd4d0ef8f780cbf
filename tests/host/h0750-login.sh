#!/bin/bash
# berth login: a login prompt through systemd-machined, driven through tmux as a user would.
. "$(dirname "$0")/../lib/tap.sh"

M=hostos
R=$TEST_TMP/root
make_busybox_root "$R"
export TMUX_TMPDIR=$TEST_TMP
S=berth-login-$$
screen() { tmux capture-pane -p -t "$S"; }
inside() { nsenter -t "$(machinectl show $M -p Leader --value)" -a "$@"; }
up() { inside systemctl is-system-running 2>/dev/null | grep -qE "running|degraded"; }

# A root password set in the image, put back at the end.
shadow=/var/lib/machines/$M/etc/shadow
cp -a "$shadow" "$TEST_TMP/shadow"
trap 'cp -a "$TEST_TMP/shadow" "$shadow"; tmux kill-server 2>/dev/null; "$BERTH" stop $M >/dev/null 2>&1; rm -rf "$TEST_TMP"' EXIT
hash=$(openssl passwd -6 berth-secret)
awk -v h="$hash" 'BEGIN { FS = OFS = ":" } $1 == "root" { $2 = h } { print }' "$TEST_TMP/shadow" > "$shadow"

test_expect_success 'a login prompt appears; logging in as root works and a command runs' '
        "$BERTH" start $M && wait_for up 60 &&
        tmux new-session -d -s "$S" -x 100 -y 30 "$BERTH login $M; echo EXIT=\$? > $TEST_TMP/exit; sleep 30" &&
        wait_for "screen | grep -q \"three times\"" 10 && wait_for "screen | grep -q \"login:\"" 20 &&
        tmux send-keys -t "$S" root Enter && wait_for "screen | grep -q Password:" 10 &&
        tmux send-keys -t "$S" berth-secret Enter && sleep 1 &&
        tmux send-keys -t "$S" "echo logged-in-\$((6*7)); stty size" Enter &&
        wait_for "screen | grep -q logged-in-42" 20 && wait_for "screen | grep -q \"^30 100\"" 5
'
test_expect_success '^] three times within a second leaves; the machine keeps running' '
        tmux send-keys -t "$S" C-] C-] C-] && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=0 && systemctl is-active --quiet berth@$M.service
'
test_expect_success 'a machine without systemd and D-Bus inside: a clear error that names berth shell' '
        $BRUN -M nologin -D "$R" sleep 100 >/dev/null 2>&1 & pid=$!
        test_when_finished "kill $pid"
        # Once the payload runs: until then the leader is still being set up, not yet in the machine.
        wait_for "test \"\$(cat /proc/\$(machinectl show nologin -p Leader --value 2>/dev/null)/comm 2>/dev/null)\" = sleep" 10 &&
        out=$(script -q -e -c "$BERTH login nologin" /dev/null 2>&1); rc=$?
        test $rc -eq 1 && expect_contains "berth shell nologin" "$out"
'
test_expect_success 'bad input: an unknown machine, no terminal' '
        out=$(script -q -e -c "$BERTH login no-such-machine" /dev/null 2>&1); r1=$?
        err=$("$BERTH" login $M 2>&1 </dev/null); r2=$?
        test $r1 -eq 1 && expect_contains "no-such-machine is not running" "$out" &&
        test $r2 -eq 1 && expect_contains "needs a terminal" "$err"
'
test_done
