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
# The host suite runs inside the test host, a unified-cgroup systemd: the launcher's cases
# again there (this machine is hybrid; the escape suite then runs registered, under the
# scope's device policy), then the cases that need systemd and machined.
run_host_suite() {
        local log=$BUILD_DIR/test-host.log
        tests/run-host-suite.sh "$@" | tee "$log"
        set -- $(tail -n 1 "$log" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
        total_passed=$((total_passed + ${1:-0}))
        total_failed=$((total_failed + ${2:-1}))
        total_skipped=$((total_skipped + ${3:-0}))
}
run_host_suite $top/tests/root/t0100-*.sh $top/tests/root/t0300-*.sh $top/tests/root/t0400-*.sh \
        $top/tests/root/t0600-*.sh $top/tests/root/t0700-*.sh $top/tests/root/t1000-*.sh \
        $top/tests/host/h*.sh $top/tests/host/r*.sh

echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
