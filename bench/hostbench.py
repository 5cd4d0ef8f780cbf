# SPDX-License-Identifier: LGPL-2.1-or-later
"""The measurements of bench/run that need systemd, machined and D-Bus: register, unit-start,
boot and memory. On a machine whose PID 1 is not systemd, bench/run runs them inside the test
host (bench/testhost); on a systemd host, directly.

The functions take BENCH, bench/run's own module, for its helpers (make_busybox_root,
percentile, log), and return rows in its format; the boot rows name their phase (boot,
poweroff), the memory rows theirs (pss, rss) and give MiB (median_mib ...) instead of ms."""

import os
import random
import shutil
import statistics
import subprocess
import sys
import time

NAMES = ("register", "unit-start", "boot", "memory", "scale")
MIB = 1024 * 1024


class SampleError(Exception):
    pass


class Runner:
    """A tool timed by a function: SAMPLE(seq) returns {phase: nanoseconds} or raises SampleError."""

    def __init__(self, name, command, sample, targets=None):
        self.name = name
        self.command_text = command
        self.sample = sample
        self.targets = targets or {}  # phase -> the most berth/this may be
        self.samples = {}             # phase -> [ns]
        self.status = "ok"
        self.reason = None


def sh(argv, check=True, timeout=120):
    """Runs ARGV, its output captured; a failure is a SampleError naming the command."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SampleError("%s: no answer in %d s" % (" ".join(argv), timeout))
    if check and r.returncode != 0:
        err = " ".join((r.stderr or r.stdout).split())[:200]
        raise SampleError("%s: exit status %d%s" % (" ".join(argv[:3]), r.returncode, ": " + err if err else ""))
    return r


def timed(argv, timeout=120):
    """Runs ARGV with stdin and stdout on /dev/null; returns nanoseconds, or raises SampleError."""
    t0 = time.perf_counter_ns()
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SampleError("%s: no answer in %d s" % (" ".join(argv[:3]), timeout))
    t1 = time.perf_counter_ns()
    if r.returncode != 0:
        err = " ".join(r.stderr.split())[:200]
        raise SampleError("%s: exit status %d%s" % (" ".join(argv[:3]), r.returncode, ": " + err if err else ""))
    return t1 - t0


def on_systemd_host():
    """PID 1 is systemd and machined answers: the measurements run here directly."""
    if not os.path.isdir("/run/systemd/system"):
        return False
    r = subprocess.run(["machinectl", "list", "--no-legend", "--no-pager"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def machine_exists(name):
    return subprocess.run(["machinectl", "show", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def unit_failed(unit):
    return subprocess.run(["systemctl", "is-failed", "--quiet", unit]).returncode == 0


def unit_result(unit):
    r = sh(["systemctl", "show", unit, "-p", "Result,ExecMainCode,ExecMainStatus"], check=False)
    return " ".join(r.stdout.split())


def leftovers(prefix):
    """Machines and units whose names start with PREFIX that are still there."""
    left = []
    r = sh(["machinectl", "list", "--no-legend", "--no-pager"], check=False)
    left += [line.split()[0] for line in r.stdout.splitlines() if line.split() and line.split()[0].startswith(prefix)]
    r = sh(["systemctl", "list-units", "--all", "--plain", "--no-legend", "--no-pager", "*%s*" % prefix], check=False)
    left += [line.split()[0] for line in r.stdout.splitlines() if line.split()]
    return left


def check_clean(prefix):
    left = leftovers(prefix)
    if left:
        raise SampleError("left behind: " + " ".join(left))


def run_rounds(tools, iterations):
    """One untimed sample of each tool, then ITERATIONS rounds over those that worked, in an order
    rotated and shuffled per round, as bench/run's start-exit does."""
    seq = 0

    def once(t, keep):
        nonlocal seq
        seq += 1
        try:
            phases = t.sample(seq)
        except SampleError as e:
            t.status = "unavailable" if not t.samples else "failed"
            t.reason = str(e)
            return
        if keep:
            for phase, ns in phases.items():
                t.samples.setdefault(phase, []).append(ns)

    for t in tools:
        once(t, False)
    for i in range(iterations):
        live = [t for t in tools if t.status == "ok"]
        if not live:
            break
        k = i % len(live)
        order = live[k:] + live[:k]
        rest = order[1:]
        random.shuffle(rest)
        for t in order[:1] + rest:
            once(t, True)


def summarise(bench, tools, phases, unit="ms", scale=1e6):
    """Rows in bench/run's format, one per tool and phase (the phase named when there are several);
    KEY_unit figures (ms from ns, or MiB from bytes), ratio = berth's median / the tool's."""
    rows = []
    berth = tools[0]
    for phase in phases:
        bs = berth.samples.get(phase)
        bmed = statistics.median(bs) if berth.status == "ok" and bs else None
        for t in tools:
            row = {"tool": t.name, "command": t.command_text, "status": t.status}
            if len(phases) > 1:
                row["phase"] = phase
            xs = t.samples.get(phase)
            if t.status == "ok" and xs:
                med = statistics.median(xs)
                row.update({
                    "n": len(xs),
                    "median_" + unit.lower(): round(med / scale, 3),
                    "p10_" + unit.lower(): round(bench.percentile(xs, 0.10) / scale, 3),
                    "p90_" + unit.lower(): round(bench.percentile(xs, 0.90) / scale, 3),
                    "samples_" + unit.lower(): [round(s / scale, 3) for s in xs],
                })
                if bmed is not None:
                    row["ratio"] = round(bmed / med, 3)
            else:
                row["reason"] = t.reason
            if phase in t.targets:
                row["target"] = t.targets[phase]
                row["met"] = row["ratio"] <= row["target"] if "ratio" in row else None
            rows.append(row)
    return rows


def register(bench, args, berth_path, workdir):
    """Start -> exit of /bin/true in a small busybox root, registered with machined in a scope of
    its own (CreateMachine), berth against systemd-nspawn registered the same way."""
    root = os.path.join(workdir, "root")
    bench.make_busybox_root(root)
    prefix = "bench-reg-%d-" % os.getpid()

    def sampler(argv):
        def sample(seq):
            name = prefix + str(seq)
            ns = timed([a.replace("{name}", name) for a in argv])
            if machine_exists(name):
                raise SampleError("machine %s still registered after the tool exited" % name)
            return {"start-exit": ns}
        return sample

    b = [berth_path, "run", "-q", "-M", "{name}", "-D", root, "/bin/true"]
    n = [shutil.which("systemd-nspawn") or "systemd-nspawn", "-q", "-M", "{name}", "-D", root, "/bin/true"]
    tools = [
        Runner("berth", " ".join(b).replace("{name}", "NAME"), sampler(b)),
        Runner("systemd-nspawn", " ".join(n).replace("{name}", "NAME"), sampler(n), {"start-exit": 0.5}),
    ]
    run_rounds(tools, args.iterations)
    check_clean(prefix)
    return summarise(bench, tools, ["start-exit"])


def unit_start(bench, args, berth_path, workdir):
    """A single-process unit machine: berth start NAME -- /bin/sleep 1000 until it returns with the
    machine registered, against systemd-run -p RootDirectory= returning. Each is stopped after
    its sample, outside the timed interval."""
    root = os.path.join(workdir, "root")
    bench.make_busybox_root(root)
    prefix = "bench-unit-%d-" % os.getpid()

    def berth_sample(seq):
        name = prefix + str(seq)
        try:
            ns = timed([berth_path, "start", name, "-D", root, "--", "/bin/sleep", "1000"])
            if not machine_exists(name):
                raise SampleError("berth start returned before machine %s was registered" % name)
        finally:
            sh([berth_path, "stop", name], check=False)
            sh(["systemctl", "reset-failed", "berth-%s.service" % name], check=False)
        return {"start": ns}

    def peer_sample(seq):
        unit = prefix + str(seq) + ".service"
        try:
            ns = timed(["systemd-run", "-q", "--unit=" + unit, "-p", "RootDirectory=" + root, "/bin/sleep", "1000"])
        finally:
            sh(["systemctl", "stop", unit], check=False)
            sh(["systemctl", "reset-failed", unit], check=False)
        return {"start": ns}

    tools = [
        Runner("berth", "%s start NAME -D %s -- /bin/sleep 1000" % (berth_path, root), berth_sample),
        Runner("systemd-run", "systemd-run -q --unit=NAME -p RootDirectory=%s /bin/sleep 1000" % root, peer_sample,
               {"start": 1.3}),
    ]
    run_rounds(tools, args.iterations)
    check_clean(prefix)
    return summarise(bench, tools, ["start"])


def boot_argvs(berth_path):
    """The two booted machines, host-derived and volatile, each as the main process of a unit of
    Type=notify: systemd-run returns when it sent READY=1, which both send when the machine's
    init does."""
    opts = ["-D", "/", "--volatile=yes", "-b", "-M", "{name}", "--console=passive"]
    return {
        "berth": [berth_path, "run", "-q"] + opts + ["systemd.firstboot=off"],
        "systemd-nspawn": [shutil.which("systemd-nspawn") or "systemd-nspawn", "-q", "--notify-ready=yes"] + opts +
                          ["systemd.firstboot=off"],
    }


def unit_argv(unit, argv, name):
    return ["systemd-run", "-q", "--unit=" + unit, "-p", "Type=notify", "-p", "NotifyAccess=all",
            "-p", "KillMode=mixed", "-p", "TimeoutStartSec=120", "-p", "TimeoutStopSec=60"] + \
           [a.replace("{name}", name) for a in argv]


def machine_state(name):
    """What the booted machine's own systemd says of itself (running, degraded, starting, ...)."""
    r = sh(["systemctl", "-M", name, "is-system-running"], check=False, timeout=30)
    return r.stdout.strip() or r.stderr.strip()


def boot_one(unit, argv, name):
    """Boots one machine as UNIT; returns nanoseconds to READY=1. Fails unless its systemd is up."""
    ns = timed(unit_argv(unit, argv, name), timeout=150)
    state = machine_state(name)
    if state not in ("running", "degraded"):
        raise SampleError("READY=1 came while machine %s was %s" % (name, state or "unreachable"))
    return ns


def poweroff_one(unit, name):
    """Stops UNIT (SIGTERM: the tool powers its machine off); returns nanoseconds until it is gone.
    Fails when the tool did not exit cleanly (a kill after the timeout, a machine that died)."""
    ns = timed(["systemctl", "stop", unit], timeout=90)
    if unit_failed(unit):
        result = unit_result(unit)
        sh(["systemctl", "reset-failed", unit], check=False)
        raise SampleError("%s did not power off cleanly: %s" % (unit, result))
    if machine_exists(name):
        raise SampleError("machine %s still registered after its unit stopped" % name)
    return ns


def boot(bench, args, berth_path, workdir):
    """Boot of the host-derived volatile OS from launch to READY=1, and poweroff from the signal
    to exit, berth against systemd-nspawn with the same options."""
    prefix = "bench-boot-%d-" % os.getpid()
    argvs = boot_argvs(berth_path)

    def sampler(tag, argv):
        def sample(seq):
            name = "%s%s%d" % (prefix, tag, seq)
            unit = name + ".service"
            try:
                up = boot_one(unit, argv, name)
            except SampleError:
                sh(["systemctl", "stop", unit], check=False)
                sh(["systemctl", "reset-failed", unit], check=False)
                raise
            return {"boot": up, "poweroff": poweroff_one(unit, name)}
        return sample

    def text(argv):
        return "systemd-run -p Type=notify -p NotifyAccess=all -p KillMode=mixed " + " ".join(argv).replace("{name}", "NAME")

    tools = [
        Runner("berth", text(argvs["berth"]), sampler("b", argvs["berth"])),
        Runner("systemd-nspawn", text(argvs["systemd-nspawn"]), sampler("n", argvs["systemd-nspawn"]),
               {"boot": 0.9, "poweroff": 1.0}),
    ]
    run_rounds(tools, args.iterations)
    check_clean(prefix)
    return summarise(bench, tools, ["boot", "poweroff"])


def supervisor_memory(unit):
    """RSS and PSS in bytes, summed over the processes of UNIT's own cgroup: the supervisor, not the
    machine, which is in a scope of its own. Also the number of processes."""
    cg = sh(["systemctl", "show", unit, "-p", "ControlGroup", "--value"]).stdout.strip()
    if not cg:
        raise SampleError("%s has no control group" % unit)
    with open("/sys/fs/cgroup%s/cgroup.procs" % cg) as f:
        pids = [int(p) for p in f.read().split()]
    if not pids:
        raise SampleError("%s has no process" % unit)
    rss = pss = 0
    for pid in pids:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k == "Rss":
                    rss += int(v.split()[0]) * 1024
                elif k == "Pss":
                    pss += int(v.split()[0]) * 1024
    return rss, pss, len(pids)


def memory(bench, args, berth_path, workdir):
    """Supervisor memory (RSS, PSS) while the booted machines of the boot measurement run side by
    side; ITERATIONS samples a second apart."""
    prefix = "bench-mem-%d-" % os.getpid()
    argvs = boot_argvs(berth_path)
    tools = [Runner("berth", "", None), Runner("systemd-nspawn", "", None, {"rss": 0.5})]
    units = {}
    try:
        for t, tag in zip(tools, "bn"):
            name = prefix + tag
            t.command_text = "systemd-run -p Type=notify ... " + " ".join(argvs[t.name]).replace("{name}", "NAME")
            try:
                boot_one(name + ".service", argvs[t.name], name)
                units[t.name] = name
            except SampleError as e:
                t.status, t.reason = "unavailable", str(e)
        time.sleep(2)
        for i in range(args.iterations):
            for t in tools:
                if t.status != "ok":
                    continue
                try:
                    rss, pss, n = supervisor_memory(units[t.name] + ".service")
                except (SampleError, OSError) as e:
                    t.status, t.reason = "failed", str(e)
                    continue
                t.samples.setdefault("rss", []).append(rss)
                t.samples.setdefault("pss", []).append(pss)
                t.processes = n
            time.sleep(1)
    finally:
        for t in tools:
            if t.name in units:
                try:
                    poweroff_one(units[t.name] + ".service", units[t.name])
                except SampleError as e:
                    bench.log("memory: " + str(e))
    check_clean(prefix)
    rows = summarise(bench, tools, ["pss", "rss"], unit="MiB", scale=MIB)
    for r in rows:
        if r["tool"] == "berth" and r.get("phase") == "pss":
            r["limit_mib"] = 2.0
            r["met"] = r["median_mib"] <= 2.0 if "median_mib" in r else None
    for t in tools:
        for r in rows:
            if r["tool"] == t.name:
                r["processes"] = getattr(t, "processes", None)
    return rows


def measurements(bench):
    """{name: function(args, berth_path, workdir)} for bench/run's MEASUREMENTS."""
    def bind(f):
        return lambda args, berth_path, workdir: f(bench, args, berth_path, workdir)
    import scale
    return {"register": bind(register), "unit-start": bind(unit_start), "boot": bind(boot), "memory": bind(memory),
            "scale": bind(scale.scale)}


def run_in_testhost(top, args, berth_path, output):
    """Runs bench/run ARGS.measurement inside the test host through bench/testhost; the JSON is
    written in the source tree, which is bound in, then moved to OUTPUT. Returns the exit status."""
    if os.environ.get("BERTH_BENCH_TESTHOST"):
        print("bench/run: inside the test host, but machined does not answer here.", file=sys.stderr)
        return 1
    inner = os.path.join(top, "bench/results", ".testhost-%d.json" % os.getpid())
    binds = []
    bdir = os.path.dirname(berth_path)
    if not (bdir + "/").startswith(top + "/"):
        binds.append("--bind-ro=" + bdir)
    argv = [os.path.join(top, "bench/testhost")] + binds + ["--units=" + bdir, "--", "/usr/bin/python3",
            os.path.join(top, "bench/run"), args.measurement, "--iterations=%d" % args.iterations, "--no-install",
            "--berth=" + berth_path, "--output=" + inner, "--machines=%d" % args.machines,
            "--list-samples=%d" % args.list_samples]
    os.makedirs(os.path.dirname(inner), exist_ok=True)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        for line in p.stdout:
            if not line.startswith("results: "):
                print(line, end="", flush=True)
        rc = p.wait()
    except KeyboardInterrupt:
        # bench/testhost got the Ctrl-C too and powers the test host off; wait for it.
        rc = p.wait()
    if os.path.exists(inner):
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        shutil.move(inner, output)
        print("results: %s" % output)
    return rc
