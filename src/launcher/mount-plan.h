/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "settings.h"

/* A machine's mount tree as data: built in the launcher before the clone,
 * applied in the child below the staging directory, printable and testable. */

typedef enum MountOpType {
        MOUNT_OP_BIND,          /* bind source (host path, or inside the root) onto target */
        MOUNT_OP_FS,            /* mount a file system of fstype onto target */
        MOUNT_OP_MKDIR,
        MOUNT_OP_SYMLINK,       /* target -> source */
        MOUNT_OP_MKNOD,         /* a character device, like the host's node at source */
        MOUNT_OP_INACCESSIBLE,  /* an inaccessible node of the target's type over the target */
        _MOUNT_OP_TYPE_MAX,
        _MOUNT_OP_TYPE_INVALID = -EINVAL,
} MountOpType;

typedef enum MountOpFlags {
        MOUNT_OP_READ_ONLY      = 1 << 0,
        MOUNT_OP_RECURSIVE      = 1 << 1,  /* bind: rbind */
        MOUNT_OP_SOURCE_IN_ROOT = 1 << 2,  /* bind: the source is a path inside the machine */
        MOUNT_OP_OPTIONAL       = 1 << 3,  /* skip silently if the source or target is missing */
        MOUNT_OP_MAKE_WRITABLE  = 1 << 4,  /* bind: clear a read-only flag inherited from the source */
        MOUNT_OP_TARGET_MUST_EXIST = 1 << 5,
        MOUNT_OP_IN_USERNS      = 1 << 6,  /* with a user namespace: made from inside it (proc, sysfs, devpts, ...) */
        MOUNT_OP_IDMAP          = 1 << 7,  /* bind: through an idmapped mount (MountPlan.idmap_fd) */
        MOUNT_OP_BY_HOST        = 1 << 8,  /* with a user namespace: made by the host, wherever it lies */
        MOUNT_OP_AFTER_PIVOT    = 1 << 9,  /* in the machine's root, once it has its cgroup namespace */
} MountOpFlags;

/* With a user namespace the plan is applied in two parts: what only the host can mount (the
 * image, binds of host paths, idmapped mounts), before the machine's namespaces exist, so that
 * they come to the machine locked; then what has to be mounted from inside the namespace. */
typedef enum MountPlanPhase {
        MOUNT_PLAN_ALL,
        MOUNT_PLAN_HOST,
        MOUNT_PLAN_USERNS,
        MOUNT_PLAN_AFTER_PIVOT,         /* the cgroup2 hierarchy, in the machine's cgroup namespace */
} MountPlanPhase;

typedef struct MountOp {
        MountOpType type;
        MountOpFlags flags;
        char *source;
        char *target;           /* absolute, inside the machine */
        char *fstype;
        char *options;
        unsigned long mount_flags; /* MS_NOSUID, ... for MOUNT_OP_FS */
        mode_t mode;
} MountOp;

typedef struct MountPlan {
        MountOp *ops;
        size_t n_ops;
        int idmap_fd;           /* a user namespace whose mapping MOUNT_OP_IDMAP binds get; not owned */
} MountPlan;

typedef struct MountPlanContext {
        const Settings *settings;
        const char *directory;          /* the image, resolved */
        const char *runtime_dir;        /* /run/berth/machines/NAME */
        const char *inaccessible_dir;   /* holds "reg" and "dir", mode 0000 */
        bool cgroup_unified;            /* mount cgroup2 at /sys/fs/cgroup */
        const char *journal_directory;  /* bind this host /var/log/journal/ID to the same path inside */
        bool userns;                    /* the machine has a user namespace */
        bool idmap_image;               /* binds from the image go through an idmapped mount */
} MountPlanContext;

void mount_plan_done(MountPlan *p);
int mount_plan_add(MountPlan *p, MountOpType type, MountOpFlags flags, const char *source, const char *target,
                   const char *fstype, const char *options, unsigned long mount_flags, mode_t mode);

/* The API file systems and the user's mounts, in order. Pure. */
int mount_plan_build(MountPlan *p, const MountPlanContext *c);

/* Applies the plan below root_fd; targets are resolved inside the root (openat2
 * RESOLVE_IN_ROOT) so that no symlink in the image makes a mount land outside.
 * On error, *ret_failed points at the failing operation. */
int mount_plan_apply(const MountPlan *p, int root_fd, MountPlanPhase phase, const MountOp **ret_failed);

void mount_plan_dump(const MountPlan *p, FILE *f);
const char *mount_op_type_to_string(MountOpType t);

/* Opens (creating missing directories, and with create_file the last component
 * as an empty file) a path inside the root, never leaving it. Returns an O_PATH fd. */
int open_in_root(int root_fd, const char *path, bool create, bool create_file, mode_t mode);

/* openat2(RESOLVE_IN_ROOT) of a path inside the root, with O_CLOEXEC added. */
int openat_in_root(int root_fd, const char *path, int flags);

/* Builds "lowerdir=...,upperdir=...,workdir=..." with the needed escaping.
 * lower is lowest first; upper and work may be NULL for a read-only overlay. */
int overlay_options(char *const *lower, const char *upper, const char *work, char **ret);
