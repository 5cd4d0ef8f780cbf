/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* UID ranges for machines with a user namespace: picked, locked while the machine runs, mapped. */

/* Where --private-users=pick looks: 64K ranges from 0x00080000 below 0x70000000, as nspawn. */
#define UID_PICK_FIRST UINT32_C(0x00080000)
#define UID_PICK_END   UINT32_C(0x70000000)

/* The lock files of the ranges in use, one per range: "BASE", holding "BASE COUNT MACHINE". */
#define UID_RANGES_DIR RUNTIME_DIR "/uid-ranges"

/* The n-th candidate for a machine's range: the same name gives the same sequence. Pure. */
uint32_t uid_range_candidate(const char *machine, unsigned n);

/* Whether [a, a + na) and [b, b + nb) overlap. Pure. */
bool uid_ranges_overlap(uint32_t a, uint32_t na, uint32_t b, uint32_t nb);

/* Whether a line of /etc/subuid or /etc/subgid ("NAME:FIRST:COUNT") overlaps the range. Pure. */
bool subid_line_overlaps(const char *line, uint32_t base, uint32_t range);

/* Chooses a free range for the machine, and locks it: not held by a running machine (berth's
 * or nspawn's), not holding a host user or group or a subordinate range of /etc/subuid or
 * /etc/subgid. Returns the lock's fd (keep it for as long as the machine runs). */
int uid_range_pick(const char *machine, uint32_t range, uint32_t *ret_shift);

/* Locks a given range for the machine; -EBUSY if a running machine holds one that overlaps
 * (*ret_holder then names it, to be freed). Returns the lock's fd. */
int uid_range_lock(const char *machine, uint32_t shift, uint32_t range, char **ret_holder);

/* Removes the lock files of ranges whose machine is gone (its berth was killed). */
int uid_ranges_clean_stale(void);

/* Releases a range taken by uid_range_pick() or uid_range_lock(). Returns -EBADF. */
int uid_range_release(int lock_fd);

/* Writes "0 SHIFT RANGE" as the uid and gid map of the process's user namespace. */
int userns_write_maps(pid_t pid, uint32_t shift, uint32_t range);

/* A user namespace with that mapping, for idmapped mounts before the machine's own exists.
 * Returns its fd. */
int userns_acquire(uint32_t shift, uint32_t range);

/* Reads the first line of /proc/PID/uid_map: the machine's range on the host. -ENXIO if the
 * process has no user namespace of its own (the identity map of the host). */
int userns_read_range(pid_t pid, uint32_t *ret_shift, uint32_t *ret_range);

/* Shifts the owners of every file below dir (not crossing into other file systems) from the
 * 64K range its root is owned by into [shift, shift + range), keeping setuid/setgid bits. The
 * root goes last, so that an interrupted run is finished by the next. */
int image_shift_ownership(const char *dir, uint32_t shift, uint32_t range);
