#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what is missing, builds, and runs every test suite. Needs root.
set -u
cd "$(dirname "$0")/.."
top=$PWD

bash tools/setup.sh || exit 1
export BUILD_DIR=$top/build

total_passed=0 total_failed=0 total_skipped=0
run_suite() {
        local log=$BUILD_DIR/test-$1.log
        tests/run-suite.sh "$@" | tee "$log"
        local line
        line=$(tail -n 1 "$log")
        set -- $(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
        total_passed=$((total_passed + $1))
        total_failed=$((total_failed + $2))
        total_skipped=$((total_skipped + $3))
}

run_suite unit "$BUILD_DIR"/tests/test-*[!.p]
run_suite root tests/root/t*.sh

echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
