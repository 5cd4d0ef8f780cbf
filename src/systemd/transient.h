/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "settings.h"
#include "user.h"

/* What run's seccomp filter refuses, by name, NULL-terminated: SystemCallFilter=~ of single-process units. */
extern const char *const refused_syscalls[];

/* The capabilities a single-process machine keeps: nspawn's default set without
 * CAP_SYS_ADMIN and CAP_SYS_PTRACE, then --capability= and --drop-capability=. */
uint64_t single_process_capabilities(const Settings *s);

/* Builds the StartTransientUnit call for a single-process machine: the image as
 * RootDirectory=, the run options as the unit's own sandboxing, hardened by default.
 * user, if not NULL, is --user= as the image's own /etc/passwd has it. */
int transient_single_process_call(sd_bus *bus, const char *unit, const char *machine, const char *root,
                                  const char *exec_path, const Id128 *uuid, const Settings *s, const UserRecord *user,
                                  sd_bus_message **ret);

/* Builds the StartTransientUnit call for a booted machine with options the template does
 * not carry: "berth run --boot --keep-unit" with them, as berth@.service would. */
int transient_booted_call(sd_bus *bus, const char *unit, const char *machine, const char *slice, const char *berth_path,
                          char **run_argv, sd_bus_message **ret);
