#!/bin/bash
# bench/run, a few iterations, so that it keeps working: a row per tool, with numbers for berth.
# No target is asserted; a peer that cannot run here must say why.
. "$(dirname "$0")/../lib/tap.sh"

BENCH=$(cd "$(dirname "$0")/../.." && pwd)/bench/run

# A relative --output is the working directory's, even though start-exit enters crun's mount
# namespace (which moves the working directory).
test_expect_success 'bench/run start-exit runs and writes its results' '
        (cd "$TEST_TMP" && "$BENCH" start-exit --iterations=2 --no-install --berth="$BERTH" --output=r.json >"$TEST_TMP/out")
'
test_expect_success 'the results have a row per tool, berth timed, each peer timed or saying why not' '
        python3 - "$TEST_TMP/r.json" <<-\EOF_PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	rows = {t["tool"]: t for t in r["tools"]}
	want = ["berth", "unshare+chroot", "bwrap", "crun", "runc", "systemd-nspawn"]
	assert sorted(rows) == sorted(want), sorted(rows)
	def timed(t):
	    return t["status"] == "ok" and t["n"] == 2 and all(
	        isinstance(t[k], float) and t[k] > 0 for k in ("median_ms", "p10_ms", "p90_ms", "ratio"))
	assert timed(rows["berth"]), rows["berth"]
	for name in want[1:]:
	    t = rows[name]
	    assert timed(t) or (t["status"] in ("unavailable", "failed") and t["reason"]), t
	EOF_PY
'
test_expect_success 'the table names every tool' '
        out=$(cat "$TEST_TMP/out") &&
        for t in berth unshare+chroot bwrap crun runc systemd-nspawn; do
                expect_contains "$t " "$out" || return 1
        done
'
test_expect_success 'bench/run ephemeral (a small image): berth -x, berth, systemd-nspawn -x timed' '
        "$BENCH" ephemeral --iterations=2 --files=20 --no-install --berth="$BERTH" --output="$TEST_TMP/e.json" >"$TEST_TMP/eout" &&
        python3 - "$TEST_TMP/e.json" <<-\EOF_PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	rows = {t["tool"]: t for t in r["tools"]}
	assert sorted(rows) == ["berth", "berth -x", "systemd-nspawn -x"], sorted(rows)
	for t in rows.values():
	    assert t["status"] == "ok" and t["n"] == 2 and t["median_ms"] > 0 and "ratio" in t, t
	assert rows["berth"]["target"] == 1.3, rows["berth"]
	EOF_PY
'
test_expect_success 'bench/run --help names every measurement' '
        out=$("$BENCH" --help) &&
        for m in start-exit ephemeral register unit-start boot memory scale; do
                expect_contains "    $m " "$out" || return 1
        done
'
test_done
