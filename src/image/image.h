/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Looks for a directory image NAME in /var/lib/machines, /usr/local/lib/machines
 * and /usr/lib/machines. Returns 0 and its path, or -ENOENT. Never logs. */
int image_find(const char *name, char **ret_path);

/* True if the directory has an os-release file (/etc/os-release or /usr/lib/os-release). */
int directory_has_os_release(const char *path);

/* The machine name berth picks for a directory: its basename (the host's name for "/"),
 * with characters a hostname may not hold dropped; -EINVAL if nothing valid remains. Pure. */
int machine_name_from_directory(const char *directory, const char *hostname, char **ret);
