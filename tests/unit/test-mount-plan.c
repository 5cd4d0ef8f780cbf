/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "mount-plan.h"
#include "settings.h"
#include "strv.h"
#include "tap.h"

/* An argv for "berth run": the verb, then the given arguments. */
#define ARGS(...) ((const char *const[]) { "run", __VA_ARGS__, NULL })

#define PLAN_DIRECTORY "/var/lib/machines/img"
#define PLAN_RUNTIME_DIR "/run/berth/machines/img"
#define PLAN_INACCESSIBLE_DIR "/run/berth/inaccessible"

/* The arguments as one line, for test descriptions. */
static const char *args_show(const char *const *args) {
        static char buf[512];
        size_t n = 0;

        buf[0] = 0;
        for (const char *const *a = args + 1; *a && n < sizeof buf; a++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", a == args + 1 ? "" : " ", *a);
        return buf;
}

/* Parses args (a private copy: the settings must keep no pointer into argv) into a fresh s. */
static int parse(Settings *s, const char *const *args) {
        _cleanup_free_ char *error = NULL;
        int argc = 0;

        while (args[argc])
                argc++;
        char **argv = calloc((size_t) argc + 1, sizeof(char *));
        if (!argv)
                abort();
        for (int i = 0; i < argc; i++)
                if (!(argv[i] = strdup(args[i])))
                        abort();

        settings_init(s);
        int r = settings_parse_run_argv(s, argc, argv, &error);
        if (r != 0)
                tap_diag("parsing '%s' returned %d: %s", args_show(args), r, error ?: "(no message)");
        strv_free(argv);
        return r;
}

/* Parses args and builds the plan for them (userns: for a machine with a user namespace, its
 * image idmapped with idmap_image); one test point. */
static bool build_with_at(int line, MountPlan *p, const char *const *args, bool cgroup_unified, bool userns, bool idmap_image) {
        Settings s;
        int r = parse(&s, args);

        *p = (MountPlan) {};
        if (r == 0) {
                MountPlanContext c = {
                        .settings = &s,
                        .directory = PLAN_DIRECTORY,
                        .runtime_dir = PLAN_RUNTIME_DIR,
                        .inaccessible_dir = PLAN_INACCESSIBLE_DIR,
                        .cgroup_unified = cgroup_unified,
                        .userns = userns,
                        .idmap_image = idmap_image,
                };
                r = mount_plan_build(p, &c);
        }
        settings_done(&s);
        return tap_int_eq(r, 0, __FILE__, line, "%splan for '%s' builds", userns ? "userns " : "", args_show(args));
}
#define build(p, args, cgroup_unified) build_with_at(__LINE__, p, args, cgroup_unified, false, false)
#define build_userns(p, args, idmap_image) build_with_at(__LINE__, p, args, true, true, idmap_image)

/* Index of the first op of type onto target, or -1. */
static int find_op(const MountPlan *p, MountOpType type, const char *target) {
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->ops[i].type == type && streq_ptr(p->ops[i].target, target))
                        return (int) i;
        return -1;
}

/* Number of ops onto target, of any type. */
static size_t count_target(const MountPlan *p, const char *target) {
        size_t n = 0;
        for (size_t i = 0; i < p->n_ops; i++)
                if (streq_ptr(p->ops[i].target, target))
                        n++;
        return n;
}

/* Index of the last op that mounts or creates an API file system (anything before the user's mounts). */
static int last_api_op(const MountPlan *p) {
        return find_op(p, MOUNT_OP_FS, "/tmp");
}

static const MountOp *op_at(const MountPlan *p, int i) {
        return i >= 0 && (size_t) i < p->n_ops ? &p->ops[i] : NULL;
}

static void test_type_to_string(void) {
        static const struct {
                MountOpType t;
                const char *s;
        } cases[] = {
                { MOUNT_OP_BIND, "bind" },       { MOUNT_OP_FS, "fs" },
                { MOUNT_OP_MKDIR, "mkdir" },     { MOUNT_OP_SYMLINK, "symlink" },
                { MOUNT_OP_MKNOD, "mknod" },     { MOUNT_OP_INACCESSIBLE, "inaccessible" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_streq(mount_op_type_to_string(cases[i].t), cases[i].s, "mount_op_type_to_string(%d)",
                            (int) cases[i].t);
        check_streq(mount_op_type_to_string(_MOUNT_OP_TYPE_MAX), NULL, "mount_op_type_to_string(_MAX) is NULL");
        check_streq(mount_op_type_to_string(_MOUNT_OP_TYPE_INVALID), NULL,
                    "mount_op_type_to_string(_INVALID) is NULL");
        check_streq(mount_op_type_to_string((MountOpType) 1000), NULL, "mount_op_type_to_string(1000) is NULL");
}

static void test_add_and_done(void) {
        MountPlan p = {};

        check_int_eq(mount_plan_add(&p, MOUNT_OP_FS, MOUNT_OP_OPTIONAL, "src", "/t", "tmpfs", "mode=0755", MS_NOSUID,
                                    0700),
                     0, "mount_plan_add");
        check_int_eq(mount_plan_add(&p, MOUNT_OP_MKDIR, 0, NULL, "/d", NULL, NULL, 0, 0755), 0,
                     "mount_plan_add with NULL strings");
        check_int_eq(p.n_ops, 2, "two ops");
        const MountOp *o = op_at(&p, 0);
        check(o && o->type == MOUNT_OP_FS && o->flags == MOUNT_OP_OPTIONAL && o->mount_flags == MS_NOSUID &&
                      o->mode == 0700,
              "first op keeps type, flags, mount flags and mode");
        check(o && streq_ptr(o->source, "src") && streq_ptr(o->target, "/t") && streq_ptr(o->fstype, "tmpfs") &&
                      streq_ptr(o->options, "mode=0755"),
              "first op keeps its strings");
        o = op_at(&p, 1);
        check(o && !o->source && !o->fstype && !o->options && streq_ptr(o->target, "/d"),
              "second op keeps NULL strings NULL");

        mount_plan_done(&p);
        check(p.n_ops == 0 && !p.ops, "mount_plan_done empties the plan");
        mount_plan_done(&p);
        check(p.n_ops == 0 && !p.ops, "mount_plan_done twice is fine");
}

static void test_api_file_systems(void) {
        MountPlan p;

        if (!build(&p, ARGS("-D", "/somewhere/else"), true)) {
                mount_plan_done(&p);
                return;
        }

        /* /proc */
        int proc = find_op(&p, MOUNT_OP_FS, "/proc");
        int proc_sys = find_op(&p, MOUNT_OP_BIND, "/proc/sys");
        const MountOp *o = op_at(&p, proc);
        check(proc == 0, "without --volatile the plan starts with /proc");
        check(o && streq_ptr(o->fstype, "proc") && streq_ptr(o->source, "proc") &&
                      o->mount_flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC),
              "/proc is a proc file system, nosuid,nodev,noexec");
        check(proc >= 0 && proc_sys > proc, "/proc is mounted before the /proc/sys bind");
        o = op_at(&p, proc_sys);
        check(o && o->flags == (MOUNT_OP_SOURCE_IN_ROOT | MOUNT_OP_READ_ONLY) && streq_ptr(o->source, "/proc/sys"),
              "/proc/sys is a read-only bind of itself inside the root");
        check_int_eq(find_op(&p, MOUNT_OP_BIND, "/proc/sys/net"), -1,
                     "no /proc/sys/net bind without --private-network");

        static const char *const proc_read_only[] = { "/proc/bus", "/proc/fs", "/proc/irq" };
        for (size_t i = 0; i < ELEMENTSOF(proc_read_only); i++) {
                int k = find_op(&p, MOUNT_OP_BIND, proc_read_only[i]);
                o = op_at(&p, k);
                check(k > proc_sys && o &&
                              o->flags == (MOUNT_OP_SOURCE_IN_ROOT | MOUNT_OP_READ_ONLY | MOUNT_OP_OPTIONAL) &&
                              streq_ptr(o->source, proc_read_only[i]),
                      "%s is an optional read-only bind after /proc/sys", proc_read_only[i]);
        }

        static const char *const masked[] = {
                "/proc/kcore",       "/proc/kmsg",        "/proc/keys",          "/proc/key-users",
                "/proc/timer_list",  "/proc/sched_debug", "/proc/latency_stats", "/proc/sysrq-trigger",
                "/proc/acpi",        "/proc/scsi",        "/proc/asound",        "/proc/kallsyms",
                "/sys/firmware",
        };
        for (size_t i = 0; i < ELEMENTSOF(masked); i++) {
                int k = find_op(&p, MOUNT_OP_INACCESSIBLE, masked[i]);
                o = op_at(&p, k);
                check(o && o->flags == MOUNT_OP_OPTIONAL && streq_ptr(o->source, PLAN_INACCESSIBLE_DIR),
                      "%s is masked, optional, from the inaccessible directory", masked[i]);
                check(k > proc, "%s is masked after /proc is mounted", masked[i]);
        }

        /* /sys */
        int sys = find_op(&p, MOUNT_OP_FS, "/sys");
        o = op_at(&p, sys);
        check(o && streq_ptr(o->fstype, "sysfs") && (o->mount_flags & MS_RDONLY) &&
                      (o->mount_flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) == (MS_NOSUID | MS_NODEV | MS_NOEXEC),
              "/sys is a read-only sysfs, nosuid,nodev,noexec");
        check(sys > proc_sys, "/sys after /proc");
        check(find_op(&p, MOUNT_OP_INACCESSIBLE, "/sys/firmware") > sys, "/sys/firmware masked after /sys");
        int cg = find_op(&p, MOUNT_OP_FS, "/sys/fs/cgroup");
        o = op_at(&p, cg);
        check(cg > sys && o && streq_ptr(o->fstype, "cgroup2") && !(o->mount_flags & MS_RDONLY),
              "cgroup_unified: cgroup2 at /sys/fs/cgroup after /sys");

        /* /dev */
        int dev = find_op(&p, MOUNT_OP_FS, "/dev");
        o = op_at(&p, dev);
        check(dev > sys && o && streq_ptr(o->fstype, "tmpfs") && (o->mount_flags & MS_NOSUID) &&
                      !(o->mount_flags & MS_NODEV),
              "/dev is a tmpfs without nodev, after /sys");
        static const char *const nodes[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                             "/dev/tty" };
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                int k = find_op(&p, MOUNT_OP_MKNOD, nodes[i]);
                o = op_at(&p, k);
                check(k > dev && o && streq_ptr(o->source, nodes[i]) && o->mode == 0666,
                      "%s is a node like the host's, mode 0666, after the /dev tmpfs", nodes[i]);
        }
        int pts = find_op(&p, MOUNT_OP_FS, "/dev/pts");
        o = op_at(&p, pts);
        check(pts > dev && o && streq_ptr(o->fstype, "devpts") && o->options &&
                      strstr(o->options, "newinstance") && strstr(o->options, "ptmxmode=0666"),
              "/dev/pts is a new devpts instance with ptmxmode=0666, after /dev");
        int ptmx = find_op(&p, MOUNT_OP_SYMLINK, "/dev/ptmx");
        o = op_at(&p, ptmx);
        check(ptmx > dev && o && streq_ptr(o->source, "pts/ptmx"), "/dev/ptmx links to pts/ptmx");
        int shm = find_op(&p, MOUNT_OP_FS, "/dev/shm");
        o = op_at(&p, shm);
        check(shm > dev && o && streq_ptr(o->options, "mode=1777"), "/dev/shm is a mode 1777 tmpfs");
        o = op_at(&p, find_op(&p, MOUNT_OP_FS, "/dev/mqueue"));
        check(o && (o->flags & MOUNT_OP_OPTIONAL) && streq_ptr(o->fstype, "mqueue"), "/dev/mqueue is optional");
        static const char *const links[][2] = {
                { "/dev/fd", "/proc/self/fd" },
                { "/dev/stdin", "/proc/self/fd/0" },
                { "/dev/stdout", "/proc/self/fd/1" },
                { "/dev/stderr", "/proc/self/fd/2" },
        };
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                int k = find_op(&p, MOUNT_OP_SYMLINK, links[i][0]);
                o = op_at(&p, k);
                check(k > dev && o && streq_ptr(o->source, links[i][1]), "%s links to %s", links[i][0], links[i][1]);
        }

        /* /run, /run/host, /tmp */
        int run = find_op(&p, MOUNT_OP_FS, "/run");
        int run_host = find_op(&p, MOUNT_OP_MKDIR, "/run/host");
        int tmp = find_op(&p, MOUNT_OP_FS, "/tmp");
        check(run > dev && run_host > run && tmp > run_host, "/dev, then /run, then /run/host, then /tmp");
        o = op_at(&p, run);
        check(o && streq_ptr(o->fstype, "tmpfs") && streq_ptr(o->options, "mode=0755"), "/run is a mode 0755 tmpfs");
        o = op_at(&p, tmp);
        check(o && streq_ptr(o->fstype, "tmpfs") && streq_ptr(o->options, "mode=1777"), "/tmp is a mode 1777 tmpfs");
        check_int_eq(tmp, (int) p.n_ops - 1, "/tmp is the last op without user mounts");

        /* Nothing about --volatile, nor any path from -D. */
        check_int_eq(find_op(&p, MOUNT_OP_BIND, "/usr"), -1, "no /usr bind without --volatile");
        check_int_eq(find_op(&p, MOUNT_OP_FS, "/var"), -1, "no /var tmpfs without --volatile");
        bool other_dir = false;
        for (size_t i = 0; i < p.n_ops; i++)
                if (p.ops[i].source && strstr(p.ops[i].source, "/somewhere/else"))
                        other_dir = true;
        check(!other_dir, "no op refers to the settings' directory");
        for (size_t i = 0; i < p.n_ops; i++)
                check(p.ops[i].target && p.ops[i].target[0] == '/', "op %zu has an absolute target", i);
        mount_plan_done(&p);

        if (build(&p, ARGS("-D", "/x"), false))
                check_int_eq(find_op(&p, MOUNT_OP_FS, "/sys/fs/cgroup"), -1, "no cgroup2 mount without cgroup_unified");
        mount_plan_done(&p);
}

static void test_private_network(void) {
        MountPlan p;

        if (build(&p, ARGS("--private-network"), false)) {
                int proc_sys = find_op(&p, MOUNT_OP_BIND, "/proc/sys");
                int net = find_op(&p, MOUNT_OP_BIND, "/proc/sys/net");
                const MountOp *o = op_at(&p, net);
                check(proc_sys >= 0 && net > proc_sys, "--private-network: /proc/sys/net bound after /proc/sys");
                check(o && o->flags == (MOUNT_OP_SOURCE_IN_ROOT | MOUNT_OP_MAKE_WRITABLE) &&
                              streq_ptr(o->source, "/proc/sys/net"),
                      "--private-network: /proc/sys/net is a writable bind of itself");
        }
        mount_plan_done(&p);
}

static bool in_userns(const MountPlan *p, MountOpType type, const char *target) {
        const MountOp *o = op_at(p, find_op(p, type, target));
        return o && (o->flags & MOUNT_OP_IN_USERNS);
}

static bool fs_in_userns(const MountPlan *p, const char *fstype, const char *target) {
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->ops[i].type == MOUNT_OP_FS && streq_ptr(p->ops[i].fstype, fstype) && streq_ptr(p->ops[i].target, target))
                        return p->ops[i].flags & MOUNT_OP_IN_USERNS;
        return false;
}

static void test_userns(void) {
        MountPlan p;

        if (build(&p, ARGS("--set-credential=a:1"), true)) {
                bool none = true;
                for (size_t i = 0; i < p.n_ops; i++)
                        none = none && !(p.ops[i].flags & (MOUNT_OP_IN_USERNS | MOUNT_OP_IDMAP));
                check(none, "without a user namespace no op is for inside one, none idmapped");
        }
        mount_plan_done(&p);

        if (build_userns(&p, ARGS("-U", "--set-credential=a:1", "--bind=/h:/proc/x", "--bind=/h:/data:idmap", "--tmpfs=/t"), false)) {
                const MountOp *sys = op_at(&p, find_op(&p, MOUNT_OP_BIND, "/sys"));
                check(sys && streq_ptr(sys->source, "/sys") &&
                              sys->flags == (MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE | MOUNT_OP_BY_HOST),
                      "userns without a network namespace: the host's /sys, read-only, bound by the host");
                check_int_eq(find_op(&p, MOUNT_OP_FS, "/sys"), -1, "userns without a network namespace: no sysfs mount");
                int cover = find_op(&p, MOUNT_OP_FS, "/sys/fs/cgroup");
                const MountOp *t = op_at(&p, cover);
                check(t && streq_ptr(t->fstype, "tmpfs") && !(t->flags & MOUNT_OP_IN_USERNS) &&
                              p.ops[cover + 1].type == MOUNT_OP_FS && streq_ptr(p.ops[cover + 1].fstype, "cgroup2"),
                      "userns with the host's /sys: its cgroups are covered by the host, then cgroup2 goes on top");
                check(in_userns(&p, MOUNT_OP_FS, "/proc") && in_userns(&p, MOUNT_OP_BIND, "/proc/sys") &&
                              in_userns(&p, MOUNT_OP_INACCESSIBLE, "/proc/kcore"),
                      "userns: proc, its read-only /proc/sys and its masks are made inside");
                check(fs_in_userns(&p, "cgroup2", "/sys/fs/cgroup") && in_userns(&p, MOUNT_OP_FS, "/dev/pts") &&
                              in_userns(&p, MOUNT_OP_FS, "/dev/mqueue") && in_userns(&p, MOUNT_OP_FS, CREDENTIALS_MACHINE_DIR),
                      "userns: cgroup2, devpts, mqueue and the credentials are mounted inside");
                check(!in_userns(&p, MOUNT_OP_FS, "/dev") && !in_userns(&p, MOUNT_OP_FS, "/run") &&
                              !in_userns(&p, MOUNT_OP_FS, "/tmp") && !in_userns(&p, MOUNT_OP_FS, "/t") &&
                              !in_userns(&p, MOUNT_OP_MKNOD, "/dev/null"),
                      "userns: /dev, /run, /tmp, tmpfs and device nodes are made by the host");
                check(in_userns(&p, MOUNT_OP_BIND, "/proc/x"), "userns: a bind below /proc is made inside");
                const MountOp *data = op_at(&p, find_op(&p, MOUNT_OP_BIND, "/data"));
                check(data && (data->flags & MOUNT_OP_IDMAP) && !(data->flags & MOUNT_OP_IN_USERNS),
                      "userns: the idmap bind is idmapped, by the host");
        }
        mount_plan_done(&p);

        if (build_userns(&p, ARGS("--private-network", "--volatile=yes"), true)) {
                check(in_userns(&p, MOUNT_OP_FS, "/sys"), "userns with a network namespace: sysfs, mounted inside");
                const MountOp *usr = op_at(&p, find_op(&p, MOUNT_OP_BIND, "/usr"));
                check(usr && (usr->flags & MOUNT_OP_IDMAP), "userns, idmapped image: --volatile=yes binds /usr idmapped");
        }
        mount_plan_done(&p);
}

static void test_credentials(void) {
        MountPlan p;

        if (build(&p, ARGS("--set-credential=a:1"), false)) {
                int host = find_op(&p, MOUNT_OP_MKDIR, "/run/host");
                int creds = find_op(&p, MOUNT_OP_FS, "/run/host/credentials");
                const MountOp *o = op_at(&p, creds);
                check(host >= 0 && creds > host && creds < last_api_op(&p), "credentials: a file system below /run/host");
                check(o && streq_ptr(o->fstype, "ramfs") && streq_ptr(o->options, "mode=0500") &&
                              o->mount_flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC) && !(o->flags & MOUNT_OP_READ_ONLY),
                      "credentials: ramfs (never swapped), 0500, nosuid, nodev, noexec, writable until filled");
        }
        mount_plan_done(&p);

        if (build(&p, ARGS("-b"), false))
                check_int_eq(count_target(&p, "/run/host/credentials"), 0, "no credentials: no mount for them");
        mount_plan_done(&p);
}

static void test_volatile(void) {
        MountPlan p;

        if (build(&p, ARGS("-D", "/not/the/context", "--volatile=yes"), false)) {
                const MountOp *o = op_at(&p, 0);
                check(o && o->type == MOUNT_OP_BIND && streq_ptr(o->target, "/usr"),
                      "--volatile=yes: the plan starts with the /usr bind");
                check(o && streq_ptr(o->source, PLAN_DIRECTORY "/usr"),
                      "--volatile=yes: /usr is bound from the context's directory");
                check(o && o->flags == (MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE),
                      "--volatile=yes: /usr is read-only and recursive");

                int etc = find_op(&p, MOUNT_OP_MKDIR, "/etc");
                int var = find_op(&p, MOUNT_OP_MKDIR, "/var");
                int proc = find_op(&p, MOUNT_OP_FS, "/proc");
                check(etc > 0 && etc < proc && op_at(&p, etc)->mode == 0755, "--volatile=yes: mkdir /etc, 0755");
                check(var > 0 && var < proc && op_at(&p, var)->mode == 0755, "--volatile=yes: mkdir /var, 0755");
                check_int_eq(find_op(&p, MOUNT_OP_FS, "/var"), -1, "--volatile=yes: no /var tmpfs");

                static const char *const links[] = { "bin", "sbin", "lib", "lib64", "lib32", "libx32" };
                for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                        char target[32], source[32];
                        snprintf(target, sizeof target, "/%s", links[i]);
                        snprintf(source, sizeof source, "usr/%s", links[i]);
                        int k = find_op(&p, MOUNT_OP_SYMLINK, target);
                        o = op_at(&p, k);
                        check(k > 0 && k < proc && o && o->flags == MOUNT_OP_OPTIONAL && streq_ptr(o->source, source),
                              "--volatile=yes: optional symlink %s -> %s before /proc", target, source);
                }
        }
        mount_plan_done(&p);

        if (build(&p, ARGS("--volatile=state"), false)) {
                int var = find_op(&p, MOUNT_OP_FS, "/var");
                const MountOp *o = op_at(&p, var);
                check(var == 0 && o && streq_ptr(o->fstype, "tmpfs") && streq_ptr(o->options, "mode=0755") &&
                              o->mount_flags == (MS_NOSUID | MS_NODEV),
                      "--volatile=state: starts with a nosuid,nodev /var tmpfs, mode 0755");
                check_int_eq(find_op(&p, MOUNT_OP_BIND, "/usr"), -1, "--volatile=state: no /usr bind");
                check_int_eq(find_op(&p, MOUNT_OP_MKDIR, "/etc"), -1, "--volatile=state: no mkdir /etc");
        }
        mount_plan_done(&p);

        if (build(&p, ARGS("--volatile=no"), false)) {
                check_int_eq(find_op(&p, MOUNT_OP_FS, "/proc"), 0, "--volatile=no: starts with /proc");
                check_int_eq(count_target(&p, "/var"), 0, "--volatile=no: nothing at /var");
        }
        mount_plan_done(&p);
}

static void test_custom_mounts(void) {
        MountPlan p;

        if (!build(&p,
                   ARGS("--bind-ro=/srv/a:/mnt/a", "--bind=/srv/b:/mnt/b:norbind", "--bind=+/inside:/mnt/c",
                        "--bind=/srv/d", "--tmpfs=/mnt/t", "--tmpfs=/mnt/u:mode=0700,size=1m",
                        "--inaccessible=/etc/secret", "--bind-ro=/srv/e:/mnt/e:rbind"),
                   true)) {
                mount_plan_done(&p);
                return;
        }

        int api = last_api_op(&p);
        check(api >= 0 && (size_t) api + 9 == p.n_ops, "8 user mounts follow /tmp, the last API file system");
        for (int i = 0; i <= api; i++) {
                const char *t = p.ops[i].target;
                check(!startswith(t, "/mnt/") && !streq(t, "/etc/secret"), "op %d (%s) is not a user mount", i, t);
        }

        const MountOp *o = op_at(&p, api + 1);
        check(o && o->type == MOUNT_OP_BIND && streq_ptr(o->source, "/srv/a") && streq_ptr(o->target, "/mnt/a") &&
                      o->flags == (MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE),
              "--bind-ro=/srv/a:/mnt/a: read-only recursive bind, first");
        o = op_at(&p, api + 2);
        check(o && o->type == MOUNT_OP_BIND && streq_ptr(o->source, "/srv/b") && streq_ptr(o->target, "/mnt/b") &&
                      o->flags == 0,
              "--bind=/srv/b:/mnt/b:norbind: writable, non-recursive bind, second");
        o = op_at(&p, api + 3);
        check(o && o->type == MOUNT_OP_BIND && streq_ptr(o->source, "/inside") && streq_ptr(o->target, "/mnt/c") &&
                      o->flags == (MOUNT_OP_RECURSIVE | MOUNT_OP_SOURCE_IN_ROOT),
              "--bind=+/inside:/mnt/c: source inside the root, third");
        o = op_at(&p, api + 4);
        check(o && o->type == MOUNT_OP_BIND && streq_ptr(o->source, "/srv/d") && streq_ptr(o->target, "/srv/d") &&
                      o->flags == MOUNT_OP_RECURSIVE,
              "--bind=/srv/d: onto the same path, fourth");
        o = op_at(&p, api + 5);
        check(o && o->type == MOUNT_OP_FS && streq_ptr(o->fstype, "tmpfs") && streq_ptr(o->target, "/mnt/t") &&
                      streq_ptr(o->options, "mode=0755") && o->mount_flags == (MS_NOSUID | MS_NODEV) && o->flags == 0,
              "--tmpfs=/mnt/t: nosuid,nodev tmpfs, mode=0755 by default");
        o = op_at(&p, api + 6);
        check(o && o->type == MOUNT_OP_FS && streq_ptr(o->target, "/mnt/u") &&
                      streq_ptr(o->options, "mode=0700,size=1m"),
              "--tmpfs=/mnt/u:mode=0700,size=1m: the options as given");
        o = op_at(&p, api + 7);
        check(o && o->type == MOUNT_OP_INACCESSIBLE && streq_ptr(o->target, "/etc/secret") &&
                      streq_ptr(o->source, PLAN_INACCESSIBLE_DIR) && o->flags == MOUNT_OP_TARGET_MUST_EXIST,
              "--inaccessible=/etc/secret: from the inaccessible directory, target must exist, not optional");
        o = op_at(&p, api + 8);
        check(o && o->type == MOUNT_OP_BIND && streq_ptr(o->target, "/mnt/e") &&
                      o->flags == (MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE),
              "--bind-ro=...:rbind: read-only recursive, last");
        mount_plan_done(&p);

        /* User mounts also follow the volatile layout and the API file systems. */
        if (build(&p, ARGS("--volatile=yes", "--tmpfs=/usr/local"), false)) {
                int api2 = last_api_op(&p);
                int user = find_op(&p, MOUNT_OP_FS, "/usr/local");
                check(api2 > 0 && user == api2 + 1 && (size_t) user + 1 == p.n_ops,
                      "--volatile=yes --tmpfs=/usr/local: the user's tmpfs is last");
        }
        mount_plan_done(&p);
}

static void test_overlay_mounts(void) {
        MountPlan p;

        if (!build(&p,
                   ARGS("--overlay=/l1:/l2:/up:/mnt/o", "--overlay=/l1:/l2::/mnt/tmp",
                        "--overlay-ro=/l1:/l2:/l3:/mnt/r", "--overlay-ro=/l1:/mnt/two", "--overlay=/lo:/mnt/w"),
                   false)) {
                mount_plan_done(&p);
                return;
        }

        int api = last_api_op(&p);
        check(api >= 0 && (size_t) api + 6 == p.n_ops, "5 overlays follow the API file systems");

        const MountOp *o = op_at(&p, api + 1);
        check(o && o->type == MOUNT_OP_FS && streq_ptr(o->fstype, "overlay") && streq_ptr(o->source, "overlay") &&
                      streq_ptr(o->target, "/mnt/o") && o->flags == 0,
              "--overlay=/l1:/l2:/up:/mnt/o: a writable overlay file system");
        check_streq(o ? o->options : NULL, "lowerdir=/l2:/l1,upperdir=/up,workdir=/up.berth-work",
                    "--overlay with an upper: the work directory beside it, uppermost lower first");

        o = op_at(&p, api + 2);
        check(o && streq_ptr(o->target, "/mnt/tmp") && o->flags == 0, "--overlay=/l1:/l2::/mnt/tmp is writable");
        check_streq(o ? o->options : NULL,
                    "lowerdir=/l2:/l1,upperdir=" PLAN_RUNTIME_DIR "/overlay-1/upper,"
                    "workdir=" PLAN_RUNTIME_DIR "/overlay-1/work",
                    "--overlay with an empty upper: upper and work in the runtime directory, by mount index");

        o = op_at(&p, api + 3);
        check(o && streq_ptr(o->target, "/mnt/r") && o->flags == MOUNT_OP_READ_ONLY,
              "--overlay-ro=/l1:/l2:/l3:/mnt/r is read-only");
        check_streq(o ? o->options : NULL, "lowerdir=/l3:/l2:/l1", "--overlay-ro: only lowerdir, uppermost first");

        o = op_at(&p, api + 4);
        check_streq(o ? o->options : NULL, "lowerdir=/mnt/two:/l1",
                    "--overlay-ro with two paths: the destination is a layer too");

        o = op_at(&p, api + 5);
        check(o && streq_ptr(o->target, "/mnt/w") && o->flags == 0, "--overlay=/lo:/mnt/w is writable");
        check_streq(o ? o->options : NULL, "lowerdir=/lo,upperdir=/mnt/w,workdir=/mnt/w.berth-work",
                    "--overlay with two paths: the destination is the upper");
        mount_plan_done(&p);
}

static void test_build_invalid(void) {
        Settings s;
        MountPlan p = {};

        settings_init(&s);
        CustomMount *m = calloc(1, sizeof(CustomMount));
        if (!m)
                abort();
        m->type = _CUSTOM_MOUNT_TYPE_MAX;
        m->destination = strdup("/x");
        s.custom_mounts = m;
        s.n_custom_mounts = 1;
        MountPlanContext c = {
                .settings = &s,
                .directory = PLAN_DIRECTORY,
                .runtime_dir = PLAN_RUNTIME_DIR,
                .inaccessible_dir = PLAN_INACCESSIBLE_DIR,
        };
        check_int_eq(mount_plan_build(&p, &c), -EINVAL, "an unknown custom mount type is -EINVAL");
        mount_plan_done(&p);
        settings_done(&s);
}

static void test_overlay_options(void) {
        const struct {
                const char *const *lower;
                const char *upper, *work, *expected;
        } cases[] = {
                { (const char *const[]) { "/a", NULL }, NULL, NULL, "lowerdir=/a" },
                { (const char *const[]) { "/a", "/b", "/c", NULL }, NULL, NULL, "lowerdir=/c:/b:/a" },
                { (const char *const[]) { "/a", "/b", NULL }, "/u", "/w", "lowerdir=/b:/a,upperdir=/u,workdir=/w" },
                { (const char *const[]) { "/a,b", "/c:d", "/e\\f", NULL }, "/u,1:2", "/w\\x",
                  "lowerdir=/e\\\\f:/c\\:d:/a\\,b,upperdir=/u\\,1\\:2,workdir=/w\\\\x" },
                { (const char *const[]) { ",:\\", NULL }, NULL, NULL, "lowerdir=\\,\\:\\\\" },
                /* An upper without a work directory (or the reverse) is a read-only overlay. */
                { (const char *const[]) { "/a", NULL }, "/u", NULL, "lowerdir=/a" },
                { (const char *const[]) { "/a", NULL }, NULL, "/w", "lowerdir=/a" },
                { (const char *const[]) { NULL }, NULL, NULL, "lowerdir=" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *o = NULL;
                int r = overlay_options((char *const *) cases[i].lower, cases[i].upper, cases[i].work, &o);
                check_int_eq(r, 0, "overlay_options case %zu succeeds", i);
                check_streq(o, cases[i].expected, "overlay_options case %zu", i);
        }

        _cleanup_free_ char *o = NULL;
        check_int_eq(overlay_options(NULL, NULL, NULL, &o), 0, "overlay_options with a NULL lower list");
        check_streq(o, "lowerdir=", "overlay_options with a NULL lower list gives an empty lowerdir");

        /* Long paths, every character escaped: the buffer must be sized for the worst case. */
        char lower[3][300];
        char expected[4096];
        size_t n = (size_t) snprintf(expected, sizeof expected, "lowerdir=");
        for (size_t i = 0; i < 3; i++) {
                memset(lower[i], i == 1 ? ':' : ',', sizeof lower[i] - 1);
                lower[i][sizeof lower[i] - 1] = 0;
        }
        for (size_t i = 3; i > 0; i--) {
                for (size_t k = 0; k < sizeof lower[i - 1] - 1; k++)
                        n += (size_t) snprintf(expected + n, sizeof expected - n, "\\%c", lower[i - 1][k]);
                if (i > 1)
                        n += (size_t) snprintf(expected + n, sizeof expected - n, ":");
        }
        n += (size_t) snprintf(expected + n, sizeof expected - n, ",upperdir=");
        for (size_t k = 0; k < 200; k++)
                n += (size_t) snprintf(expected + n, sizeof expected - n, "\\\\");
        n += (size_t) snprintf(expected + n, sizeof expected - n, ",workdir=");
        for (size_t k = 0; k < 200; k++)
                n += (size_t) snprintf(expected + n, sizeof expected - n, "\\:");

        char upper[201], work[201];
        memset(upper, '\\', 200);
        upper[200] = 0;
        memset(work, ':', 200);
        work[200] = 0;
        const char *const lowers[] = { lower[0], lower[1], lower[2], NULL };
        _cleanup_free_ char *big = NULL;
        check_int_eq(overlay_options((char *const *) lowers, upper, work, &big), 0,
                     "overlay_options with long, fully escaped paths");
        check(n < sizeof expected - 1, "expected string fits");
        check_streq(big, expected, "overlay_options with long, fully escaped paths");
}

static void test_dump(void) {
        MountPlan p = {};
        char *buf = NULL;
        size_t size = 0;

        check_int_eq(mount_plan_add(&p, MOUNT_OP_FS, 0, "tmpfs", "/tmp", "tmpfs", "mode=1777", 0, 0), 0, "add fs");
        check_int_eq(mount_plan_add(&p, MOUNT_OP_MKDIR, 0, NULL, "/run/host", NULL, NULL, 0, 0755), 0, "add mkdir");
        check_int_eq(mount_plan_add(&p, MOUNT_OP_BIND, 0, "/srv", "/mnt", NULL, NULL, 0, 0), 0, "add bind");

        FILE *f = open_memstream(&buf, &size);
        if (!f)
                abort();
        mount_plan_dump(&p, f);
        fclose(f);

        check_streq(buf,
                    "fs           /tmp                     from tmpfs type tmpfs (mode=1777)\n"
                    "mkdir        /run/host                \n"
                    "bind         /mnt                     from /srv\n",
                    "mount_plan_dump: one line per op");
        free(buf);
        mount_plan_done(&p);

        /* A whole plan: as many lines as ops, each naming its op's type and target. */
        if (build(&p, ARGS("--volatile=yes", "--bind=/a:/b", "--overlay=/l::/o"), true)) {
                buf = NULL;
                size = 0;
                f = open_memstream(&buf, &size);
                if (!f)
                        abort();
                mount_plan_dump(&p, f);
                fclose(f);

                size_t lines = 0;
                bool all_match = true;
                for (char *line = buf, *nl; line && *line; line = nl + 1, lines++) {
                        nl = strchr(line, '\n');
                        if (!nl) {
                                all_match = false;
                                break;
                        }
                        const MountOp *o = op_at(&p, (int) lines);
                        if (!o || !startswith(line, mount_op_type_to_string(o->type)) || !strstr(line, o->target) ||
                            strstr(line, o->target) > nl)
                                all_match = false;
                }
                check_int_eq(lines, p.n_ops, "mount_plan_dump of a built plan: one line per op");
                check(all_match, "mount_plan_dump of a built plan: each line names its op's type and target");
                free(buf);
        }
        mount_plan_done(&p);

        buf = NULL;
        size = 0;
        f = open_memstream(&buf, &size);
        if (!f)
                abort();
        mount_plan_dump(&p, f);
        fclose(f);
        check_streq(buf, "", "mount_plan_dump of an empty plan prints nothing");
        free(buf);
}

int main(void) {
        test_type_to_string();
        test_add_and_done();
        test_api_file_systems();
        test_private_network();
        test_userns();
        test_credentials();
        test_volatile();
        test_custom_mounts();
        test_overlay_mounts();
        test_build_invalid();
        test_overlay_options();
        test_dump();
        return tap_finish();
}
