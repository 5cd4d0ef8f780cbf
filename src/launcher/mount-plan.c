/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "fd-util.h"
#include "mount-plan.h"
#include "strv.h"

static const char *const mount_op_type_table[_MOUNT_OP_TYPE_MAX] = {
        [MOUNT_OP_BIND] = "bind",
        [MOUNT_OP_FS] = "fs",
        [MOUNT_OP_MKDIR] = "mkdir",
        [MOUNT_OP_SYMLINK] = "symlink",
        [MOUNT_OP_MKNOD] = "mknod",
        [MOUNT_OP_INACCESSIBLE] = "inaccessible",
};

const char *mount_op_type_to_string(MountOpType t) {
        return t >= 0 && t < _MOUNT_OP_TYPE_MAX ? mount_op_type_table[t] : NULL;
}

void mount_plan_done(MountPlan *p) {
        for (size_t i = 0; i < p->n_ops; i++) {
                free(p->ops[i].source);
                free(p->ops[i].target);
                free(p->ops[i].fstype);
                free(p->ops[i].options);
        }
        free(p->ops);
        *p = (MountPlan) { .idmap_fd = -EBADF };
}

static char *strdup_or_null(const char *s, bool *oom) {
        if (!s)
                return NULL;
        char *c = strdup(s);
        if (!c)
                *oom = true;
        return c;
}

int mount_plan_add(MountPlan *p, MountOpType type, MountOpFlags flags, const char *source, const char *target,
                   const char *fstype, const char *options, unsigned long mount_flags, mode_t mode) {
        bool oom = false;
        MountOp *n = realloc(p->ops, (p->n_ops + 1) * sizeof(MountOp));
        if (!n)
                return -ENOMEM;
        p->ops = n;
        MountOp op = {
                .type = type,
                .flags = flags,
                .source = strdup_or_null(source, &oom),
                .target = strdup_or_null(target, &oom),
                .fstype = strdup_or_null(fstype, &oom),
                .options = strdup_or_null(options, &oom),
                .mount_flags = mount_flags,
                .mode = mode,
        };
        if (oom) {
                free(op.source);
                free(op.target);
                free(op.fstype);
                free(op.options);
                return -ENOMEM;
        }
        p->ops[p->n_ops++] = op;
        return 0;
}

#define ADD(...)                                                \
        do {                                                    \
                int _r = mount_plan_add(p, __VA_ARGS__);        \
                if (_r < 0)                                     \
                        return _r;                              \
        } while (0)

static int escape_overlay_path(const char *s, char **ret) {
        char *e = malloc(strlen(s) * 2 + 1), *o = e;
        if (!e)
                return -ENOMEM;
        for (; *s; s++) {
                if (strchr(",:\\", *s))
                        *o++ = '\\';
                *o++ = *s;
        }
        *o = 0;
        *ret = e;
        return 0;
}

int overlay_options(char *const *lower, const char *upper, const char *work, char **ret) {
        size_t n = strv_length(lower), size = 64;
        for (size_t i = 0; i < n; i++)
                size += strlen(lower[i]) * 2 + 1;
        size += (upper ? strlen(upper) * 2 : 0) + (work ? strlen(work) * 2 : 0);

        _cleanup_free_ char *o = malloc(size);
        if (!o)
                return -ENOMEM;
        strcpy(o, "lowerdir=");
        /* overlayfs lists the uppermost lower layer first */
        for (size_t i = n; i > 0; i--) {
                _cleanup_free_ char *e = NULL;
                if (escape_overlay_path(lower[i - 1], &e) < 0)
                        return -ENOMEM;
                strcat(o, e);
                if (i > 1)
                        strcat(o, ":");
        }
        if (upper && work) {
                _cleanup_free_ char *eu = NULL, *ew = NULL;
                if (escape_overlay_path(upper, &eu) < 0 || escape_overlay_path(work, &ew) < 0)
                        return -ENOMEM;
                strcat(o, ",upperdir=");
                strcat(o, eu);
                strcat(o, ",workdir=");
                strcat(o, ew);
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* What has to be mounted from inside a user namespace: the file systems that belong to one of
 * the machine's namespaces, and everything below them. */
static bool target_in_userns(const char *target) {
        static const char *const api[] = { "/proc", "/sys", "/dev/pts", "/dev/mqueue", CREDENTIALS_MACHINE_DIR };
        for (size_t i = 0; i < ELEMENTSOF(api); i++) {
                const char *e = startswith(target, api[i]);
                if (e && (*e == 0 || *e == '/'))
                        return true;
        }
        return false;
}

static int plan_build(MountPlan *p, const MountPlanContext *c) {
        const Settings *s = c->settings;
        const unsigned long nosuid_nodev_noexec = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        const MountOpFlags image_idmap = c->idmap_image ? MOUNT_OP_IDMAP : 0;

        /* Volatile layouts whose parts are mounts inside the root. */
        if (s->volatile_mode == VOLATILE_YES) {
                _cleanup_free_ char *usr = NULL;
                if (asprintf(&usr, "%s/usr", c->directory) < 0)
                        return -ENOMEM;
                ADD(MOUNT_OP_BIND, MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE | image_idmap, usr, "/usr", NULL, NULL, 0, 0);
                /* An empty /etc and /var, so that first-boot services find where to write. */
                ADD(MOUNT_OP_MKDIR, 0, NULL, "/etc", NULL, NULL, 0, 0755);
                ADD(MOUNT_OP_MKDIR, 0, NULL, "/var", NULL, NULL, 0, 0755);
                static const char *const links[] = { "bin", "sbin", "lib", "lib64", "lib32", "libx32" };
                for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                        char src[32], dst[32];
                        snprintf(src, sizeof(src), "usr/%s", links[i]);
                        snprintf(dst, sizeof(dst), "/%s", links[i]);
                        ADD(MOUNT_OP_SYMLINK, MOUNT_OP_OPTIONAL, src, dst, NULL, NULL, 0, 0);
                }
        } else if (s->volatile_mode == VOLATILE_STATE)
                ADD(MOUNT_OP_FS, 0, "tmpfs", "/var", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV, 0);

        /* /proc: fresh, with the kernel's knobs read-only and its secrets masked. */
        ADD(MOUNT_OP_FS, 0, "proc", "/proc", "proc", NULL, nosuid_nodev_noexec, 0);
        ADD(MOUNT_OP_BIND, MOUNT_OP_SOURCE_IN_ROOT | MOUNT_OP_READ_ONLY, "/proc/sys", "/proc/sys", NULL, NULL, 0, 0);
        if (s->private_network)
                ADD(MOUNT_OP_BIND, MOUNT_OP_SOURCE_IN_ROOT | MOUNT_OP_MAKE_WRITABLE, "/proc/sys/net", "/proc/sys/net",
                    NULL, NULL, 0, 0);
        static const char *const proc_read_only[] = { "/proc/bus", "/proc/fs", "/proc/irq" };
        for (size_t i = 0; i < ELEMENTSOF(proc_read_only); i++)
                ADD(MOUNT_OP_BIND, MOUNT_OP_SOURCE_IN_ROOT | MOUNT_OP_READ_ONLY | MOUNT_OP_OPTIONAL, proc_read_only[i],
                    proc_read_only[i], NULL, NULL, 0, 0);
        static const char *const proc_masked[] = {
                "/proc/kcore",       "/proc/kmsg",          "/proc/keys",  "/proc/key-users",
                "/proc/timer_list",  "/proc/sched_debug",   "/proc/latency_stats", "/proc/sysrq-trigger",
                "/proc/acpi",        "/proc/scsi",          "/proc/asound", "/proc/kallsyms",
        };
        for (size_t i = 0; i < ELEMENTSOF(proc_masked); i++)
                ADD(MOUNT_OP_INACCESSIBLE, MOUNT_OP_OPTIONAL, c->inaccessible_dir, proc_masked[i], NULL, NULL, 0, 0);

        /* /sys read-only, the machine's own cgroup subtree writable below it. In a user namespace
         * sysfs can only be mounted with a network namespace of the machine's own: otherwise the
         * host's, read-only, as nspawn does. */
        bool host_sys = c->userns && !s->private_network;
        if (host_sys)
                ADD(MOUNT_OP_BIND, MOUNT_OP_READ_ONLY | MOUNT_OP_RECURSIVE | MOUNT_OP_BY_HOST, "/sys", "/sys", NULL, NULL, 0, 0);
        else
                ADD(MOUNT_OP_FS, 0, "sysfs", "/sys", "sysfs", NULL, MS_RDONLY | nosuid_nodev_noexec, 0);
        ADD(MOUNT_OP_INACCESSIBLE, MOUNT_OP_OPTIONAL, c->inaccessible_dir, "/sys/firmware", NULL, NULL, 0, 0);
        if (c->cgroup_unified) {
                /* The host's cgroup hierarchies are covered: the kernel refuses to mount cgroup2 right
                 * on top of the root of the host's own cgroup2 mount. */
                if (host_sys)
                        ADD(MOUNT_OP_FS, MOUNT_OP_BY_HOST, "tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=0755",
                            MS_RDONLY | nosuid_nodev_noexec, 0);
                ADD(MOUNT_OP_FS, MOUNT_OP_AFTER_PIVOT, "cgroup2", "/sys/fs/cgroup", "cgroup2", NULL, nosuid_nodev_noexec, 0);
        }

        /* A private /dev with the standard nodes and a new devpts instance. */
        ADD(MOUNT_OP_FS, 0, "tmpfs", "/dev", "tmpfs", "mode=0755,size=4m", MS_NOSUID | MS_STRICTATIME, 0);
        static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                char src[32];
                snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
                ADD(MOUNT_OP_MKNOD, 0, src, src, NULL, NULL, 0, 0666);
        }
        ADD(MOUNT_OP_FS, 0, "devpts", "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=620,gid=5", MS_NOSUID | MS_NOEXEC,
            0);
        ADD(MOUNT_OP_SYMLINK, 0, "pts/ptmx", "/dev/ptmx", NULL, NULL, 0, 0);
        ADD(MOUNT_OP_FS, 0, "tmpfs", "/dev/shm", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV | MS_STRICTATIME, 0);
        ADD(MOUNT_OP_FS, MOUNT_OP_OPTIONAL, "mqueue", "/dev/mqueue", "mqueue", NULL, nosuid_nodev_noexec, 0);
        ADD(MOUNT_OP_SYMLINK, 0, "/proc/self/fd", "/dev/fd", NULL, NULL, 0, 0);
        ADD(MOUNT_OP_SYMLINK, 0, "/proc/self/fd/0", "/dev/stdin", NULL, NULL, 0, 0);
        ADD(MOUNT_OP_SYMLINK, 0, "/proc/self/fd/1", "/dev/stdout", NULL, NULL, 0, 0);
        ADD(MOUNT_OP_SYMLINK, 0, "/proc/self/fd/2", "/dev/stderr", NULL, NULL, 0, 0);

        /* /run and /tmp start empty, as on a booted host. */
        ADD(MOUNT_OP_FS, 0, "tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV | MS_STRICTATIME, 0);
        ADD(MOUNT_OP_MKDIR, 0, NULL, "/run/host", NULL, NULL, 0, 0755);
        /* The credentials: in ramfs, as systemd keeps them, so that they are never swapped out;
         * filled and made read-only by the launcher. */
        if (s->n_credentials > 0)
                ADD(MOUNT_OP_FS, 0, "ramfs", CREDENTIALS_MACHINE_DIR, "ramfs", "mode=0500", nosuid_nodev_noexec, 0);
        ADD(MOUNT_OP_FS, 0, "tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV | MS_STRICTATIME, 0);

        /* --link-journal=host: the machine writes its journal into the host's directory. */
        if (c->journal_directory)
                ADD(MOUNT_OP_BIND, 0, c->journal_directory, c->journal_directory, NULL, NULL, 0, 0);

        /* The user's mounts, in the order given. */
        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                const CustomMount *m = &s->custom_mounts[i];

                switch (m->type) {
                case CUSTOM_MOUNT_BIND:
                        ADD(MOUNT_OP_BIND,
                            (m->read_only ? MOUNT_OP_READ_ONLY : 0) | (m->recursive ? MOUNT_OP_RECURSIVE : 0) |
                                    (m->source_in_root ? MOUNT_OP_SOURCE_IN_ROOT : 0) | (m->idmap ? MOUNT_OP_IDMAP : 0),
                            m->source, m->destination, NULL, NULL, 0, 0);
                        break;

                case CUSTOM_MOUNT_TMPFS:
                        ADD(MOUNT_OP_FS, 0, "tmpfs", m->destination, "tmpfs", m->options, MS_NOSUID | MS_NODEV, 0);
                        break;

                case CUSTOM_MOUNT_INACCESSIBLE:
                        ADD(MOUNT_OP_INACCESSIBLE, MOUNT_OP_TARGET_MUST_EXIST, c->inaccessible_dir, m->destination, NULL,
                            NULL, 0, 0);
                        break;

                case CUSTOM_MOUNT_OVERLAY: {
                        _cleanup_free_ char *opts = NULL, *upper = NULL, *work = NULL;
                        if (m->upper) {
                                /* An empty upper means a temporary layer in the runtime directory; a given
                                 * upper gets its work directory beside it, on the same file system. */
                                if (isempty(m->upper)) {
                                        if (asprintf(&upper, "%s/overlay-%zu/upper", c->runtime_dir, i) < 0 ||
                                            asprintf(&work, "%s/overlay-%zu/work", c->runtime_dir, i) < 0)
                                                return -ENOMEM;
                                } else {
                                        upper = strdup(m->upper);
                                        if (!upper || asprintf(&work, "%s.berth-work", m->upper) < 0)
                                                return -ENOMEM;
                                }
                        }
                        if (overlay_options(m->lower, upper, work, &opts) < 0)
                                return -ENOMEM;
                        ADD(MOUNT_OP_FS, m->read_only ? MOUNT_OP_READ_ONLY : 0, "overlay", m->destination, "overlay", opts,
                            0, 0);
                        break;
                }

                default:
                        return -EINVAL;
                }
        }
        return 0;
}

int mount_plan_build(MountPlan *p, const MountPlanContext *c) {
        size_t first = p->n_ops;
        int r = plan_build(p, c);
        if (r < 0)
                return r;
        for (size_t i = first; c->userns && i < p->n_ops; i++) {
                MountOp *o = &p->ops[i];
                if (target_in_userns(o->target) && !(o->flags & MOUNT_OP_BY_HOST))
                        o->flags |= MOUNT_OP_IN_USERNS;
        }
        return 0;
}

void mount_plan_dump(const MountPlan *p, FILE *f) {
        for (size_t i = 0; i < p->n_ops; i++) {
                const MountOp *o = &p->ops[i];
                fprintf(f, "%-12s %-24s %s%s%s%s%s%s%s\n", mount_op_type_to_string(o->type), o->target,
                        o->source ? "from " : "", o->source ?: "", o->fstype ? " type " : "", o->fstype ?: "",
                        o->options ? " (" : "", o->options ?: "", o->options ? ")" : "");
        }
}

int openat_in_root(int root_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        /* Paths are relative to the root; a leading '/' would work too, but say it plainly. */
        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        /* The kernel gives up on a ".." with EAGAIN when anything was renamed or mounted on the
         * system in the meantime, since it cannot tell then that ".." stayed inside: on a busy
         * host, or while a process of a machine sharing the image renames there. Retrying is
         * safe (each attempt is checked again); a steady stream of renames still ends in EAGAIN. */
        for (unsigned attempt = 0;; attempt++) {
                int fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN || attempt >= 64)
                        return -errno;
        }
}

int open_in_root(int root_fd, const char *path, bool create, bool create_file, mode_t mode) {
        int fd = openat_in_root(root_fd, path, O_PATH);
        if (fd >= 0 || fd != -ENOENT || !create)
                return fd;

        _cleanup_free_ char *parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        char *slash = strrchr(parent, '/');
        if (!slash)
                return -EINVAL;
        const char *base = path + (slash - parent) + 1;
        *slash = 0;

        _cleanup_close_ int pfd = open_in_root(root_fd, isempty(parent) ? "/" : parent, true, false, 0755);
        if (pfd < 0)
                return pfd;
        if (create_file) {
                int f = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode ?: 0644);
                if (f < 0 && errno != EEXIST)
                        return -errno;
                safe_close(f);
        } else if (mkdirat(pfd, base, mode ?: 0755) < 0 && errno != EEXIST)
                return -errno;

        return openat_in_root(root_fd, path, O_PATH);
}

static int open_parent_in_root(int root_fd, const char *path, const char **ret_base) {
        const char *slash = strrchr(path, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        _cleanup_free_ char *parent = strndup(path, (size_t) (slash - path));
        if (!parent)
                return -ENOMEM;
        *ret_base = slash + 1;
        return open_in_root(root_fd, isempty(parent) ? "/" : parent, true, false, 0755);
}

static int bind_fd_onto(int source_fd, int target_fd, MountOpFlags flags, int idmap_fd) {
        unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
        if (flags & MOUNT_OP_RECURSIVE)
                tree_flags |= AT_RECURSIVE;

        _cleanup_close_ int tree = (int) syscall(SYS_open_tree, source_fd, "", tree_flags);
        if (tree < 0)
                return -errno;

        struct mount_attr attr = {};
        if (flags & MOUNT_OP_READ_ONLY)
                attr.attr_set |= MOUNT_ATTR_RDONLY;
        if (flags & MOUNT_OP_MAKE_WRITABLE)
                attr.attr_clr |= MOUNT_ATTR_RDONLY;
        if (flags & MOUNT_OP_IDMAP) {
                if (idmap_fd < 0)
                        return -EINVAL;
                attr.attr_set |= MOUNT_ATTR_IDMAP;
                attr.userns_fd = (uint64_t) idmap_fd;
        }
        if (attr.attr_set || attr.attr_clr) {
                unsigned at = AT_EMPTY_PATH | ((flags & MOUNT_OP_RECURSIVE) ? AT_RECURSIVE : 0);
                if (syscall(SYS_mount_setattr, tree, "", at, &attr, sizeof(attr)) < 0)
                        return -errno;
        }

        if (syscall(SYS_move_mount, tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

static int apply_bind(const MountOp *o, int root_fd, int idmap_fd) {
        _cleanup_close_ int src = -EBADF, dst = -EBADF;
        struct stat st;

        if (o->flags & MOUNT_OP_SOURCE_IN_ROOT)
                src = openat_in_root(root_fd, o->source, O_PATH);
        else {
                src = open(o->source, O_PATH | O_CLOEXEC);
                if (src < 0)
                        src = -errno;
        }
        if (src < 0)
                return src;
        if (fstat(src, &st) < 0)
                return -errno;

        dst = open_in_root(root_fd, o->target, !(o->flags & MOUNT_OP_TARGET_MUST_EXIST), !S_ISDIR(st.st_mode), 0);
        if (dst < 0)
                return dst;
        return bind_fd_onto(src, dst, o->flags, idmap_fd);
}

static int apply_fs(const MountOp *o, int root_fd) {
        _cleanup_close_ int dst = open_in_root(root_fd, o->target, true, false, 0755);
        char path[64];

        if (dst < 0)
                return dst;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", dst);
        unsigned long flags = o->mount_flags | ((o->flags & MOUNT_OP_READ_ONLY) ? MS_RDONLY : 0);
        if (mount(o->source, path, o->fstype, flags, o->options) < 0)
                return -errno;
        return 0;
}

static int apply_inaccessible(const MountOp *o, int root_fd) {
        _cleanup_close_ int dst = openat_in_root(root_fd, o->target, O_PATH);
        _cleanup_free_ char *node = NULL;
        struct stat st;

        if (dst < 0)
                return dst;
        if (fstat(dst, &st) < 0)
                return -errno;
        if (asprintf(&node, "%s/%s", o->source, S_ISDIR(st.st_mode) ? "dir" : "reg") < 0)
                return -ENOMEM;
        _cleanup_close_ int src = open(node, O_PATH | O_CLOEXEC);
        if (src < 0)
                return -errno;
        return bind_fd_onto(src, dst, MOUNT_OP_READ_ONLY, -EBADF);
}

static int apply_symlink(const MountOp *o, int root_fd) {
        const char *base;

        if (o->flags & MOUNT_OP_OPTIONAL) {
                /* Only where the link would lead somewhere. */
                int t = openat_in_root(root_fd, o->source, O_PATH);
                if (t < 0)
                        return 0;
                safe_close(t);
        }
        _cleanup_close_ int pfd = open_parent_in_root(root_fd, o->target, &base);
        if (pfd < 0)
                return pfd;
        if (symlinkat(o->source, pfd, base) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int apply_mknod(const MountOp *o, int root_fd) {
        struct stat st;
        const char *base;

        if (stat(o->source, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode))
                return -ENODEV;
        _cleanup_close_ int pfd = open_parent_in_root(root_fd, o->target, &base);
        if (pfd < 0)
                return pfd;
        if (mknodat(pfd, base, S_IFCHR | (o->mode & 07777), st.st_rdev) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int mount_plan_apply(const MountPlan *p, int root_fd, MountPlanPhase phase, const MountOp **ret_failed) {
        for (size_t i = 0; i < p->n_ops; i++) {
                const MountOp *o = &p->ops[i];
                int r;

                if ((phase == MOUNT_PLAN_AFTER_PIVOT) != !!(o->flags & MOUNT_OP_AFTER_PIVOT))
                        continue;
                if (phase == MOUNT_PLAN_HOST && (o->flags & MOUNT_OP_IN_USERNS)) {
                        /* Its mount point, while the root may still be written to: an API file
                         * system's own, not what lies inside another one. */
                        bool inside = false;
                        for (size_t j = 0; j < i && !inside; j++) {
                                const MountOp *q = &p->ops[j];
                                const char *e = q->type == MOUNT_OP_FS && (q->flags & MOUNT_OP_IN_USERNS) ?
                                                        startswith(o->target, q->target) : NULL;
                                inside = e && (*e == 0 || *e == '/');
                        }
                        if (o->type == MOUNT_OP_FS && !inside) {
                                int fd = open_in_root(root_fd, o->target, true, false, 0755);
                                if (fd < 0 && !(o->flags & MOUNT_OP_OPTIONAL)) {
                                        if (ret_failed)
                                                *ret_failed = o;
                                        return fd;
                                }
                                safe_close(fd);
                        }
                        continue;
                }
                if (phase == MOUNT_PLAN_USERNS && !(o->flags & MOUNT_OP_IN_USERNS))
                        continue;

                switch (o->type) {
                case MOUNT_OP_BIND:
                        r = apply_bind(o, root_fd, p->idmap_fd);
                        break;
                case MOUNT_OP_FS:
                        r = apply_fs(o, root_fd);
                        break;
                case MOUNT_OP_MKDIR: {
                        int fd = open_in_root(root_fd, o->target, true, false, o->mode);
                        r = fd < 0 ? fd : 0;
                        safe_close(fd);
                        break;
                }
                case MOUNT_OP_SYMLINK:
                        r = apply_symlink(o, root_fd);
                        break;
                case MOUNT_OP_MKNOD:
                        r = apply_mknod(o, root_fd);
                        break;
                case MOUNT_OP_INACCESSIBLE:
                        r = apply_inaccessible(o, root_fd);
                        break;
                default:
                        r = -EINVAL;
                }

                if (r == -ENOENT && (o->flags & MOUNT_OP_OPTIONAL))
                        continue;
                if (r == -ENODEV && o->type == MOUNT_OP_FS && (o->flags & MOUNT_OP_OPTIONAL))
                        continue;
                if (r < 0) {
                        if (ret_failed)
                                *ret_failed = o;
                        return r;
                }
        }
        return 0;
}
