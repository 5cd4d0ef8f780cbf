#!/bin/bash
# bash completion: verbs, options from each verb's --help, running machines, images.
. "$(dirname "$0")/../lib/tap.sh"

R=$TEST_TMP/root
make_busybox_root "$R"
# The completion calls "berth": the one under test.
mkdir -p "$TEST_TMP/bin" && ln -s "$BERTH" "$TEST_TMP/bin/berth"
export PATH=$TEST_TMP/bin:$PATH
. "$(dirname "$0")/../../shell-completion/bash/berth"

# complete WORDS...: the completions of the last word, one line.
complete_words() {
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMPREPLY=()
        _berth
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr "\n" " "
}

test_expect_success 'verbs' '
        expect_eq "$(complete_words berth st)" "start status stop " &&
        expect_contains "poweroff" "$(complete_words berth "")"
'
test_expect_success 'options, read from the verb'"'"'s --help' '
        expect_eq "$(complete_words berth run --vola)" "--volatile " &&
        expect_eq "$(complete_words berth run --bind-r)" "--bind-ro= " &&
        expect_eq "$(complete_words berth kill x --kill)" "--kill-whom= " &&
        expect_contains "--no-block" "$(complete_words berth poweroff --no)"
'
test_expect_success 'running machines for stop, images for start' '
        $BRUN -M comp-test -D "$R" sleep 100 >/dev/null 2>&1 & pid=$!
        test_when_finished "kill $pid"
        wait_for "machinectl show comp-test >/dev/null" 10 &&
        expect_contains "comp-test" "$(complete_words berth stop comp)" &&
        expect_eq "$(complete_words berth start host)" "hostos "
'
test_done
