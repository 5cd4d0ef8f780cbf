#!/bin/bash
# The interactive console, driven through tmux as a user would: typing, window size, ^]^]^].
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
if ! command -v tmux >/dev/null; then
        test_skip 'interactive console' 'tmux is not installed (tools/setup.sh installs it)'
        test_done
        exit
fi
export TMUX_TMPDIR=$TEST_TMP
S=berth-console-$$
screen() { tmux capture-pane -p -t "$S"; }
start() {
        tmux kill-session -t "$S" 2>/dev/null
        tmux new-session -d -s "$S" -x 100 -y 30 \
                "$BERTH run -M con -D $R $*; echo EXIT=\$? > $TEST_TMP/exit; sleep 30"
        rm -f "$TEST_TMP/exit"
}

test_expect_success 'a shell on the console: input, output, the console as its terminal' '
        start /bin/sh && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" "echo hello-\$((40+2)); tty" Enter &&
        wait_for "screen | grep -q hello-42" 10 && wait_for "screen | grep -q ^/dev/console" 5 &&
        tmux send-keys -t "$S" "exit 3" Enter && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=3
'
test_expect_success 'the window size is passed on, also when it changes' '
        start /bin/sh && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" "stty size" Enter && wait_for "screen | grep -q \"^30 100\"" 10 &&
        tmux resize-window -t "$S" -x 120 -y 40 && sleep 0.5 &&
        tmux send-keys -t "$S" "stty size" Enter && wait_for "screen | grep -q \"^40 120\"" 10 &&
        tmux send-keys -t "$S" "exit" Enter && wait_for "test -s $TEST_TMP/exit" 10
'
test_expect_success '^] three times within a second kills the machine' '
        start /bin/sh && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" C-] C-] C-] && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=137
'
test_expect_success '^C goes to the machine, not to berth' '
        start /bin/sh && wait_for "screen | grep -q \"three times\"" 10 &&
        tmux send-keys -t "$S" "sleep 30" Enter && sleep 0.5 && tmux send-keys -t "$S" C-c &&
        tmux send-keys -t "$S" "echo still-\$((1+1))" Enter && wait_for "screen | grep -q still-2" 10 &&
        tmux send-keys -t "$S" "exit 0" Enter && wait_for "test -s $TEST_TMP/exit" 10 &&
        expect_eq "$(cat $TEST_TMP/exit)" EXIT=0
'
test_expect_success 'the terminal is restored after berth exits' '
        tmux kill-session -t "$S" 2>/dev/null
        tmux new-session -d -s "$S" -x 100 -y 30 "stty -g > $TEST_TMP/before; $BERTH run -q -M con -D $R true; stty -g > $TEST_TMP/after; sleep 30" &&
        wait_for "test -s $TEST_TMP/after" 10 && expect_eq "$(cat $TEST_TMP/after)" "$(cat $TEST_TMP/before)"
'
tmux kill-session -t "$S" 2>/dev/null

test_expect_success 'read-only (the default without a terminal): output through the console pty, stdin unread' '
        out=$(echo typed | timeout 10 "$BERTH" run -q -D "$R" /bin/sh -c "tty; read -t 1 x || echo nothing-read") &&
        expect_eq "$(printf "%s" "$out" | tr -d "\r")" "/dev/console
nothing-read"
'
test_expect_success 'pipe: stdin and stdout are berth'"'"'s own' '
        out=$(echo typed | "$BERTH" run -q --console=pipe -D "$R" cat) && expect_eq "$out" typed
'
test_expect_success 'autopipe without a terminal is pipe' '
        out=$(echo typed | "$BERTH" run -q --console=autopipe -D "$R" cat) && expect_eq "$out" typed
'
test_expect_success 'passive: the console is not shown' '
        out=$("$BERTH" run -q --console=passive -D "$R" /bin/sh -c "echo on-console; exit 4"); rc=$?
        expect_eq "$out" "" && expect_eq $rc 4
'
test_expect_success 'pipe: what is written to /dev/console still reaches stdout' '
        out=$("$BERTH" run -q --console=pipe -D "$R" /bin/sh -c "echo to-console > /dev/console") &&
        expect_eq "$(printf "%s" "$out" | tr -d "\r")" to-console
'
test_done
