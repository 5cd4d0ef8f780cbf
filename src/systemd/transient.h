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

/* PrivatePIDs= came with systemd 257. Without it a unit's root process shares the host's PID
 * namespace with the host's root processes, and may signal them (kill(-1, SIGKILL) included):
 * a single-process machine running as root then needs berth's launcher. */
#define SYSTEMD_VERSION_PRIVATE_PIDS 257U

/* Builds the StartTransientUnit call for a single-process machine: the image as
 * RootDirectory=, the run options as the unit's own sandboxing, hardened by default
 * (PrivatePIDs= too when systemd_version has it).
 * user, if not NULL, is --user= as the image's own /etc/passwd has it. */
int transient_single_process_call(sd_bus *bus, const char *unit, const char *machine, const char *root,
                                  const char *exec_path, const Id128 *uuid, const Settings *s, const UserRecord *user,
                                  unsigned systemd_version, sd_bus_message **ret);

/* "berth run --quiet --keep-unit --machine=NAME" and what a unit of berth's adds, then options:
 * booted as berth@.service runs it (--boot --private-network --link-journal=try-guest
 * --settings=override), or a single process (--settings=no, as its launcher-less unit).
 * The credentials are the unit's own (see transient_append_credentials()): berth run takes each
 * from the unit's $CREDENTIALS_DIRECTORY, --load-credential=ID:ID, and options must hold no
 * credential option of its own (settings_run_argv_strip_credentials()). */
int launcher_run_argv(const char *berth_path, const char *machine, bool boot, const Credential *credentials,
                      size_t n_credentials, char **options, char ***ret);

/* Appends a unit's SetCredential= (the values) and LoadCredential= (the credentials loaded from
 * absolute host paths, which systemd reads at each start; the values of those are not sent) to
 * a StartTransientUnit property array. Only non-empty lists. */
int transient_append_credentials(sd_bus_message *m, const Credential *credentials, size_t n_credentials);

/* Builds the StartTransientUnit call for a machine under berth's launcher, run_argv being
 * "berth run --keep-unit ...": a booted machine with options the template does not carry,
 * as berth@.service would run it, or a single-process one that needs the launcher. */
int transient_launcher_call(sd_bus *bus, const char *unit, const char *description, const char *slice,
                            const char *berth_path, char **run_argv, const Credential *credentials,
                            size_t n_credentials, sd_bus_message **ret);
