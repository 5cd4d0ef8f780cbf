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

# The unit and root suites again under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer, built with clang (the plain build is gcc's) and with the libFuzzer
# targets, so that those keep building too. The first report stops the program; reports also go
# to files, so that one in a program whose failure a test expects, or whose status no test reads,
# still fails the run.
run_sanitizer_suites() {
        local reports=$top/build-asan/sanitizer-reports f
        if [ ! -f build-asan/build.ninja ] &&
           ! CC=clang meson setup build-asan -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false; then
                echo "not ok - the sanitizer build could not be set up"
                total_failed=$((total_failed + 1))
                return
        fi
        if ! ninja -C build-asan; then
                echo "not ok - the sanitizer build failed"
                total_failed=$((total_failed + 1))
                return
        fi
        rm -rf "$reports" && mkdir -p "$reports"
        export BUILD_DIR=$top/build-asan
        export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:log_path=$reports/asan
        export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan
        run_suite unit-asan "$BUILD_DIR"/tests/test-*[!.p]
        run_suite root-asan tests/root/t*.sh
        unset ASAN_OPTIONS UBSAN_OPTIONS
        export BUILD_DIR=$top/build
        for f in "$reports"/*; do
                [ -e "$f" ] || continue
                echo "not ok - sanitizer report $f:"
                sed -n 1,40p "$f" | sed 's/^/#   /'
                total_failed=$((total_failed + 1))
        done
}
run_sanitizer_suites

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
