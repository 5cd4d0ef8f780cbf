/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones; -ENOMEDIUM if nowhere. */
int cgroup_unified_mount(const char **ret);

/* Creates the machine's own cgroup below berth's, returns its full path. */
int cgroup_create_machine(const char *machine, char **ret_path);

int cgroup_attach(const char *path, pid_t pid);

/* Kills what is left in the cgroup and removes it. */
int cgroup_remove(const char *path);
