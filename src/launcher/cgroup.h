/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones; -ENOMEDIUM if nowhere. */
int cgroup_unified_mount(const char **ret);

/* Creates the machine's own cgroup below berth's, berth-MACHINE, and returns its full path.
 * With in_unit (berth runs as the main process of a delegated unit, --keep-unit), the
 * unit's cgroup is split as systemd-nspawn does it: berth moves itself to "supervisor" and
 * the machine gets "payload", so that the unit's cgroup holds no process and can pass its
 * controllers on to the machine (cgroup_delegate_controllers). */
int cgroup_create_machine(const char *machine, bool in_unit, char **ret_path);

/* Enables in the parent of the machine's cgroup every controller it has, so that the
 * machine's init can use them. */
int cgroup_delegate_controllers(const char *machine_path);

int cgroup_attach(const char *path, pid_t pid);

/* Gives uid the cgroup of the process, and the files in it that an init there writes to
 * (cgroup.procs, cgroup.threads, cgroup.subtree_control), as for a delegated unit. */
int cgroup_chown_of(pid_t pid, uid_t uid);

/* Kills what is left in the cgroup and removes it. */
int cgroup_remove(const char *path);
