#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs TAP test programs and scripts, prints each result and a closing line
# "SUITE: N passed, N failed, N skipped".
#
#   tests/run-suite.sh NAME TEST...
set -u
name=$1
shift
passed=0 failed=0 skipped=0

for t in "$@"; do
        echo "# $name: $(basename "$t")"
        if [ "${t%.sh}" != "$t" ]; then
                out=$(bash "$t" 2>&1)
        else
                out=$("$t" 2>&1)
        fi
        rc=$?
        printf '%s\n' "$out" | sed 's/^/    /'
        p=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+' || true)
        s=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+.*# SKIP' || true)
        f=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+' || true)
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
                echo "    not ok - $(basename "$t") exited with status $rc"
                f=1
        fi
        if ! printf '%s\n' "$out" | grep -qE '^1\.\.[0-9]+'; then
                echo "    not ok - $(basename "$t") printed no TAP plan"
                f=$((f + 1))
        fi
        passed=$((passed + p - s))
        skipped=$((skipped + s))
        failed=$((failed + f))
done

echo "$name: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
