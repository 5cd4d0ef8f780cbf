# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/run scale: many booted machines at once, through berth start (berth@NAME.service), in a
systemd host (the test host on a machine whose PID 1 is not systemd).

Each machine is an image like the test host's own: a copy of its /etc and the host's /usr bound
read-only, booted with berth@.service's defaults (-U, a private network). The figures: the time
until all are running (every berth start has returned, each once its machine's systemd sent
READY=1), berth list with all of them, the memory of each machine (its unit's cgroup), the time
until berth stop has powered all of them off, and what is left behind afterwards (mounts, loop
devices, cgroups, machined's machines, files under /run/berth): nothing, or the run fails.

Every machine's inotify instances count against the host's root (see berth(1), "Many machines"):
raise_limits() raises fs.inotify.max_user_instances and fs.inotify.max_user_watches on the
machine itself, before the test host boots (its /proc/sys is read-only), and puts them back."""

import concurrent.futures
import glob
import os
import shutil
import statistics
import subprocess
import time

MIB = 1024 * 1024
LIMITS = {
    # About 8 instances per booted machine, and the test host's own.
    "fs/inotify/max_user_instances": 8192,
    "fs/inotify/max_user_watches": 1048576,
}
LIST_TARGET_MS = 50.0


class ScaleError(Exception):
    pass


def raise_limits():
    """Raises LIMITS where they are lower; returns {path: old value} to put back."""
    old = {}
    for name, value in LIMITS.items():
        path = "/proc/sys/" + name
        with open(path) as f:
            cur = int(f.read())
        if cur < value:
            with open(path, "w") as f:
                f.write("%d\n" % value)
            old[path] = cur
    return old


def restore_limits(old):
    for path, value in old.items():
        with open(path, "w") as f:
            f.write("%d\n" % value)


def run(argv, timeout=300, check=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise ScaleError("%s: exit status %d: %s" % (" ".join(argv[:3]), r.returncode,
                                                      " ".join((r.stderr or r.stdout).split())[:300]))
    return r


def make_image(path):
    """An image like the test host: a copy of this /etc with a machine ID of its own, the merged
    /usr symlinks, and an empty /usr that the host's /usr is bound onto."""
    os.makedirs(path)
    run(["cp", "-a", "/etc", os.path.join(path, "etc")])
    mid = os.path.join(path, "etc/machine-id")
    if os.path.lexists(mid):
        os.unlink(mid)
    run(["systemd-machine-id-setup", "--root=" + path])
    for d in ("usr", "var", "root", "home", "srv", "opt"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    for d in ("bin", "sbin", "lib", "lib64"):
        if os.path.exists("/usr/" + d):
            os.symlink("usr/" + d, os.path.join(path, d))
    run(["mount", "--bind", "-o", "ro", "/usr", os.path.join(path, "usr")])


def remove_image(path):
    usr = os.path.join(path, "usr")
    while subprocess.run(["umount", usr], capture_output=True).returncode == 0:
        pass
    shutil.rmtree(path, ignore_errors=True)


def snapshot():
    """What the host has of the kinds a machine could leave behind."""
    with open("/proc/self/mountinfo") as f:
        mounts = sorted(line.split()[4] for line in f)
    loops = run(["losetup", "--list", "--noheadings", "--output", "NAME"], check=False).stdout.split()
    cgroups = sorted(glob.glob("/sys/fs/cgroup/machine.slice/*"))
    machines = run(["machinectl", "list", "--no-legend", "--no-pager"], check=False).stdout.split("\n")
    machines = sorted(line.split()[0] for line in machines if line.split())
    berth_files = []
    for d in ("/run/berth/machines", "/run/berth/locks", "/run/berth/uid-ranges"):
        if os.path.isdir(d):
            berth_files += [os.path.join(d, e) for e in os.listdir(d) if not e.startswith(".")]
    return {"mounts": mounts, "loop devices": loops, "cgroups": cgroups, "machines": machines,
            "files under /run/berth": sorted(berth_files)}


def left_behind(before, after):
    """What AFTER has that BEFORE had not, per kind."""
    left = {}
    for kind in after:
        extra = sorted(set(after[kind]) - set(before[kind]))
        if extra:
            left[kind] = extra
    return left


def parallel(argvs, timeout):
    """Runs ARGVS at once; returns [(exit status, stderr, seconds)] and the wall time in ns."""
    def one(argv):
        t0 = time.perf_counter()
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
        return r.returncode, r.stderr.strip(), time.perf_counter() - t0

    t0 = time.perf_counter_ns()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(argvs)) as ex:
        results = list(ex.map(one, argvs))
    return results, time.perf_counter_ns() - t0


def all_at_once(berth_path, verb, names, timeout):
    """berth VERB NAME for all NAMES at once; the wall time in ns. ScaleError if one failed."""
    results, ns = parallel([[berth_path, verb, name] for name in names], timeout=timeout)
    failed = [(name, r[1]) for name, r in zip(names, results) if r[0] != 0]
    if failed:
        raise ScaleError("%d of %d machines did not %s; the first: %s: %s" %
                         (len(failed), len(names), verb, failed[0][0], failed[0][1][:300]))
    return ns


def machine_memory(name):
    """The PSS of every process of the machine's unit (its supervisor and the whole machine), in
    bytes: what the machine costs beyond what it shares. (memory.current would do, where the
    memory controller is on the unified hierarchy; not on a hybrid host like this one.)"""
    pss = 0
    for procs in glob.glob("/sys/fs/cgroup/machine.slice/berth@%s.service/**/cgroup.procs" % name, recursive=True):
        with open(procs) as f:
            pids = f.read().split()
        for pid in pids:
            try:
                with open("/proc/%s/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
            except OSError:
                pass    # gone meanwhile
    if not pss:
        raise ScaleError("no process found in berth@%s.service" % name)
    return pss


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def scale(bench, args, berth_path, workdir):
    n = args.machines
    prefix = "scale%d-" % os.getpid()
    names = ["%s%02d" % (prefix, i) for i in range(n)]
    images = ["/var/lib/machines/" + name for name in names]
    if not os.path.exists("/etc/systemd/system/berth@.service") and not os.path.exists("/usr/lib/systemd/system/berth@.service"):
        raise ScaleError("berth@.service is not installed in this host")
    for d in LIMITS:
        with open("/proc/sys/" + d) as f:
            bench.log("scale: %s = %s" % (d.replace("/", "."), f.read().strip()))

    before = snapshot()
    rows = []
    cycles = {"start-all": [], "list": [], "stop-all": [], "memory": [], "available": []}
    try:
        bench.log("scale: making %d images" % n)
        for image in images:
            make_image(image)
        for cycle in range(args.iterations):
            bench.log("scale: starting %d machines at once (round %d)" % (n, cycle + 1))
            available = mem_available()
            cycles["start-all"].append(all_at_once(berth_path, "start", names, 900))
            running = run(["machinectl", "list", "--no-legend", "--no-pager"]).stdout
            up = sum(1 for line in running.splitlines() if line.split() and line.split()[0].startswith(prefix))
            if up != n:
                raise ScaleError("%d of %d machines registered after all berth start returned" % (up, n))

            time.sleep(2)
            cycles["memory"] += [machine_memory(name) for name in names]
            cycles["available"].append((available - mem_available()) / n)
            for i in range(args.list_samples):
                t0 = time.perf_counter_ns()
                r = subprocess.run([berth_path, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                t1 = time.perf_counter_ns()
                if r.returncode != 0 or sum(1 for line in r.stdout.splitlines() if line.startswith(prefix)) != n:
                    raise ScaleError("berth list did not show the %d machines: %s" % (n, (r.stderr or r.stdout)[:300]))
                cycles["list"].append(t1 - t0)

            bench.log("scale: stopping them at once")
            cycles["stop-all"].append(all_at_once(berth_path, "stop", names, 600))
            bad = [name for name in names
                   if subprocess.run(["systemctl", "is-failed", "--quiet", "berth@%s.service" % name]).returncode == 0]
            if bad:
                raise ScaleError("%d machines did not power off cleanly, e.g. berth@%s.service" % (len(bad), bad[0]))
    finally:
        for name in names:
            subprocess.run([berth_path, "stop", name], capture_output=True)
            subprocess.run(["systemctl", "reset-failed", "berth@%s.service" % name], capture_output=True)
        for image in images:
            remove_image(image)

    left = left_behind(before, snapshot())
    for phase, unit, scale_by in (("start-all", "ms", 1e6), ("list", "ms", 1e6), ("stop-all", "ms", 1e6),
                                  ("memory", "mib", MIB), ("available", "mib", MIB)):
        xs = cycles[phase]
        med = statistics.median(xs)
        row = {
            "tool": "berth", "phase": phase, "status": "ok", "machines": n, "n": len(xs),
            "median_" + unit: round(med / scale_by, 3),
            "p10_" + unit: round(bench.percentile(xs, 0.10) / scale_by, 3),
            "p90_" + unit: round(bench.percentile(xs, 0.90) / scale_by, 3),
            "samples_" + unit: [round(x / scale_by, 3) for x in xs],
        }
        if phase == "list":
            row["limit_ms"] = LIST_TARGET_MS
            row["met"] = med / 1e6 <= LIST_TARGET_MS
        if phase == "memory":
            row["command"] = "PSS of the processes of each berth@NAME.service while all run"
        elif phase == "available":
            row["phase"] = "memory (MemAvailable)"
            row["command"] = "the drop of MemAvailable from before the start to all running, per machine"
        else:
            row["command"] = {"start-all": "berth start NAME, for all at once, until the last returns",
                              "list": "berth list", "stop-all": "berth stop NAME, for all at once"}[phase]
        rows.append(row)
    rows.append({"tool": "berth", "phase": "left behind", "status": "ok" if not left else "failed",
                 "command": "mounts, loop devices, cgroups, machines, /run/berth", "left": left,
                 "reason": "; ".join("%s: %s" % (k, " ".join(v[:5])) for k, v in left.items()) or None})
    return rows
