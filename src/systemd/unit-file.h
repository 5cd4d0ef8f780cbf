/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "parse-util.h"
#include "settings.h"
#include "user.h"

/* Writes a unit file for /etc/systemd/system equivalent to what "berth start" starts:
 * a single-process machine (exec_path set; registered by an ExecStartPost= of berth's),
 * or a booted machine running berth's launcher with the given run options. */
int unit_file_single_process(FILE *f, const char *berth_path, const char *machine, const char *root,
                             const char *exec_path, const Id128 *uuid, const Settings *s, const UserRecord *user,
                             unsigned systemd_version);
/* A machine under berth's launcher: booted, or a single process that needs it (see
 * SYSTEMD_VERSION_PRIVATE_PIDS); run_options are the user's, without credential options: the
 * credentials are the unit's, which berth run passes on (launcher_run_argv()).
 * Both write the credentials as the unit's own SetCredential= (C-escaped) and LoadCredential=
 * (a host path, or the name of a credential of the service manager's). -EOPNOTSUPP for one a
 * unit file cannot hold (an ID that starts with a blank, a path with control characters or
 * ending in a blank). */
int unit_file_launcher(FILE *f, const char *berth_path, const char *machine, bool boot, char **run_options,
                       const Credential *credentials, size_t n_credentials);

/* The first line of every unit file berth writes, followed by the machine's name. */
#define UNIT_FILE_HEADER "# Written by berth for the machine "

/* Quotes one word for an Exec*= line: "..." with \, " escaped, $ and % doubled. */
int unit_file_quote(const char *word, char **ret);
