#!/bin/bash
# bench/run's measurements that need systemd, with the fewest iterations, so that they keep
# working: each completes and writes its results, berth and its peer measured. No target is
# asserted. Nothing may stay behind: machines, units, files.
. "$(dirname "$0")/../lib/tap.sh"

BENCH=$(cd "$(dirname "$0")/../.." && pwd)/bench/run

# Runs bench/run MEASUREMENT ITERATIONS into $TEST_TMP/MEASUREMENT.json, and checks that its
# rows are the tools with figures for each (KEY is ms or mib).
bench_smoke() {
        local m=$1 n=$2 key=$3
        "$BENCH" "$m" --iterations="$n" --no-install --berth="$BERTH" --output="$TEST_TMP/$m.json" >"$TEST_TMP/$m.out" || {
                cat "$TEST_TMP/$m.out"
                return 1
        }
        python3 - "$TEST_TMP/$m.json" "$n" "$key" <<-\EOF_PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	n, key = int(sys.argv[2]), sys.argv[3]
	for t in r["tools"]:
	    assert t["status"] == "ok", t
	    assert t["n"] == n and all(isinstance(t[k + "_" + key], float) and t[k + "_" + key] > 0
	                               for k in ("median", "p10", "p90")) and "ratio" in t, t
	assert r["tools"][0]["tool"] == "berth", r["tools"]
	EOF_PY
}

# No machine, no unit of the bench's, no temporary directory is left.
nothing_left() {
        local left
        left=$(machinectl list --no-legend --no-pager | grep bench-; systemctl list-units --all --plain --no-legend --no-pager "bench-*" "berth-bench-*")
        left="$left$(ls -d /tmp/berth-bench.* 2>/dev/null)"
        expect_eq "$left" ""
}

test_expect_success 'bench/run register: berth and systemd-nspawn timed, registered' '
        bench_smoke register 2 ms && expect_contains "systemd-nspawn " "$(cat $TEST_TMP/register.out)" && nothing_left
'
test_expect_success 'bench/run unit-start: berth start and systemd-run timed, each stopped' '
        bench_smoke unit-start 2 ms && expect_contains "systemd-run " "$(cat $TEST_TMP/unit-start.out)" && nothing_left
'
test_expect_success 'bench/run boot: boot and poweroff of berth and systemd-nspawn timed' '
        bench_smoke boot 1 ms && expect_contains "systemd-nspawn poweroff" "$(cat $TEST_TMP/boot.out)" && nothing_left
'
test_expect_success 'bench/run memory: the supervisors'"'"' RSS and PSS, side by side' '
        bench_smoke memory 2 mib && expect_contains "berth pss" "$(cat $TEST_TMP/memory.out)" && nothing_left
'
test_expect_success 'bench/run scale: two booted machines at once, listed, stopped, nothing left behind' '
        "$BENCH" scale --machines=2 --list-samples=2 --no-install --berth="$BERTH" --output="$TEST_TMP/scale.json" \
                >"$TEST_TMP/scale.out" || { cat "$TEST_TMP/scale.out"; return 1; }
        python3 - "$TEST_TMP/scale.json" <<-\EOF_PY
	import json, sys
	rows = {r["phase"]: r for r in json.load(open(sys.argv[1]))["tools"]}
	for phase, key in (("start-all", "ms"), ("list", "ms"), ("stop-all", "ms"), ("memory", "mib")):
	    r = rows[phase]
	    assert r["status"] == "ok" and r["machines"] == 2 and r["median_" + key] > 0, r
	assert rows["list"]["n"] == 2 and "met" in rows["list"], rows["list"]
	assert rows["left behind"]["status"] == "ok" and not rows["left behind"]["left"], rows["left behind"]
	EOF_PY
        expect_eq "$(ls /var/lib/machines | grep "^scale")" "" && nothing_left
'
test_done
