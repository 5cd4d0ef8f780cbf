/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* A machine's runtime state. Its lock, /run/berth/locks/NAME, is held for as long as the
 * machine runs and records the launcher's PID and the machine's cgroup. Its directory,
 * /run/berth/machines/NAME, is made only for a machine that keeps something there (the layer of
 * -x, temporary overlay layers, an idmapped image below an overlay): with /run on a disk file
 * system, making and removing a directory at every start costs a synchronous discard. What a
 * killed launcher leaves (layers, its cgroup) is removed by the next start. */
#define RUNTIME_LOCKS_DIR RUNTIME_DIR "/locks"

/* Where a machine's root is put together, in a mount namespace of the machine's own (or of its
 * supervisor's): one directory for all, never mounted on in the host's namespace. */
#define RUNTIME_STAGING_DIR RUNTIME_DIR "/staging"

/* The nodes masked paths are covered with (bound read-only): an empty directory "dir" and an
 * empty file "reg", both mode 0 and root's, shared by all machines as systemd's
 * /run/systemd/inaccessible is by all services. Made by runtime_acquire(). */
#define RUNTIME_INACCESSIBLE_DIR RUNTIME_DIR "/inaccessible"
typedef struct Runtime {
        char *path;     /* the machine's directory, made by runtime_dir() */
        int dir_fd;     /* -EBADF until then */
        int lock_fd;
} Runtime;

/* Removes the runtime state whose launcher is gone. Returns how many machines'. */
int runtime_clean_stale(void);

/* Takes NAME's lock; -EBUSY (and the running launcher's PID, if known) if it is held. */
int runtime_acquire(const char *machine, Runtime **ret, pid_t *ret_holder);

/* The machine's directory, made on first use: its descriptor, or a negative errno. */
int runtime_dir(Runtime *rt);

/* Removes the directory and the lock, and releases it. NULL-safe. */
Runtime *runtime_release(Runtime *rt);

/* Records the launcher's PID and the machine's cgroup (NULL: none yet) in the lock file, for
 * berth run's "already running (berth PID N)" and for the cleanup of a killed launcher. */
int runtime_record_cgroup(Runtime *rt, const char *cgroup);

/* Writes a small file of state into the directory, making it (for the cleanup of a crashed run). */
int runtime_record(Runtime *rt, const char *name, const char *value);

/* Removes a directory tree below dirfd without crossing into other file systems. */
int rm_rf_at(int dirfd, const char *name);
