/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* A machine's runtime directory, /run/berth/machines/NAME, held by a lock for as
 * long as the machine runs. What a killed launcher leaves there (overlay upper
 * layers, its cgroup) is removed by the next start. */

/* Where a machine's root is put together, in a mount namespace of the machine's own (or of its
 * supervisor's): one directory for all, never mounted on in the host's namespace. */
#define RUNTIME_STAGING_DIR RUNTIME_DIR "/staging"

/* The nodes masked paths are covered with (bound read-only): an empty directory "dir" and an
 * empty file "reg", both mode 0 and root's, shared by all machines as systemd's
 * /run/systemd/inaccessible is by all services. Made by runtime_acquire(). */
#define RUNTIME_INACCESSIBLE_DIR RUNTIME_DIR "/inaccessible"
typedef struct Runtime {
        char *path;
        int dir_fd;
        int lock_fd;
} Runtime;

/* Removes the runtime directories whose launcher is gone. Returns how many. */
int runtime_clean_stale(void);

/* Takes NAME's runtime directory; -EBUSY (and the running launcher's PID, if known) if it is held. */
int runtime_acquire(const char *machine, Runtime **ret, pid_t *ret_holder);

/* Removes the directory and releases the lock. NULL-safe. */
Runtime *runtime_release(Runtime *rt);

/* Records the launcher's PID and the machine's cgroup (NULL: none yet) in the lock file, for
 * berth run's "already running (berth PID N)" and for the cleanup of a killed launcher. */
int runtime_record_cgroup(Runtime *rt, const char *cgroup);

/* Writes a small file of state into the directory (for the cleanup of a crashed run). */
int runtime_record(Runtime *rt, const char *name, const char *value);

/* Removes a directory tree below dirfd without crossing into other file systems. */
int rm_rf_at(int dirfd, const char *name);
