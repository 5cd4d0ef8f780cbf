/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Host limits that every booted machine draws on together. The kernel counts inotify instances
 * and watches per user, and charges those made in a user namespace to the user who owns it at
 * each level above: every machine berth starts, with or without -U, counts against the host's
 * root (fs.inotify.max_user_instances is 128 by default, and a booted Debian holds about 8). */

/* What a booted machine takes at least: the host OS booted volatile (systemd, journald, logind,
 * D-Bus, getty) holds 8 instances with 25 watches; a fuller OS holds more watches. */
#define BOOT_INOTIFY_INSTANCES 8U
#define BOOT_INOTIFY_WATCHES 256U

typedef struct InotifyUse {
        unsigned instances;
        unsigned watches;
} InotifyUse;

/* Counts the inotify instances and watches held by the processes under PROC (a procfs mount)
 * that count against the host's root: those whose effective UID is 0, and those in a user
 * namespace other than the caller's (berth makes them as root). */
int inotify_use_of_root(const char *proc, InotifyUse *ret);

/* Reads a sysctl file under PROC ("sys/fs/inotify/max_user_instances"). */
int read_limit(const char *proc, const char *name, unsigned *ret);

/* The one-line warning for a machine about to boot, or NULL if the limits leave room for it
 * (free with free()). USE and the two limits as read from the host. */
char *inotify_warning(const InotifyUse *use, unsigned max_instances, unsigned max_watches);

/* Warns (on stderr, one line each) when the host's limits will not let one more booted machine
 * start its services. */
void warn_about_boot_limits(void);
