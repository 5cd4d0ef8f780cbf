#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The host suite: boots the test host (a real systemd with D-Bus and machined, see
# tests/host/testhost.sh), runs the suite inside it as a service of its own, powers it off.
# The source tree is bound into the test host at the same path. Needs root.
#
#   tests/run-host-suite.sh TEST...
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$top/build}
. "$top/tests/host/testhost.sh"

dir=/var/tmp/berth-testhost
# One test host at a time on this machine: they would share the host's cgroups and the directory.
exec 9>/run/berth-testhost.lock
flock 9
testhost_prepare "$dir"
testhost_install_units "$dir" "$BUILD_DIR"
# An image to boot as berth@hostos.service.
testhost_prepare_image "$dir" hostos
# A private network gives the test host CAP_NET_ADMIN, which --private-network inside needs.
if ! testhost_boot "$dir" berth-testhost --bind="$top" --private-network --bind-ro=/usr:/var/lib/machines/hostos/usr; then
        testhost_stop
        echo "host: 0 passed, 1 failed, 0 skipped"
        exit 1
fi
trap testhost_stop EXIT

# Test files named r*.sh span reboots of the test host: "# phases: N" in the file; phase K
# (BERTH_PHASE=K) runs after K reboots.
normal=() reboot=()
for t in "$@"; do
        case $(basename "$t") in
        r*.sh) reboot+=("$t") ;;
        *) normal+=("$t") ;;
        esac
done

passed=0 failed=0 skipped=0
run_phase() {
        local out=$dir.phase.log
        testhost_run systemd-run --wait --pipe --quiet --collect -p Delegate=yes -E BUILD_DIR="$BUILD_DIR" "$@" \
                bash "$top/tests/run-suite.sh" host "${files[@]}" | tee "$out"
        set -- $(tail -n 1 "$out" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/p')
        passed=$((passed + ${1:-0})) failed=$((failed + ${2:-1})) skipped=$((skipped + ${3:-0}))
}

if [ ${#normal[@]} -gt 0 ]; then
        files=("${normal[@]}")
        run_phase
fi
for t in "${reboot[@]}"; do
        phases=$(sed -n 's/^# phases: \([0-9]*\)$/\1/p' "$t")
        files=("$t")
        for k in $(seq 0 $((${phases:-1} - 1))); do
                if [ "$k" -gt 0 ] && ! testhost_reboot; then
                        failed=$((failed + 1))
                        break
                fi
                run_phase -E BERTH_PHASE="$k"
        done
done
echo "host: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
