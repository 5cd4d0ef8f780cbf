/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "parse-util.h"

/* Starts or stops a unit through systemd's D-Bus API and waits until its job is done.
 * Returns 0 when the job's result is "done"; -EIO with *ret_result (e.g. "failed",
 * "timeout", "dependency") otherwise; a negative errno with *error on D-Bus failures. */
int unit_start_and_wait(sd_bus *bus, const char *unit, char **ret_result, sd_bus_error *error);
int unit_stop_and_wait(sd_bus *bus, const char *unit, char **ret_result, sd_bus_error *error);

/* Prints the unit's last n journal lines, indented. */
int unit_show_journal(const char *unit, unsigned n);

/* "berth@NAME.service" */
int unit_name_for_machine(const char *machine, char **ret);

/* Sends a call that returns a job (StartUnit, StartTransientUnit, ...) and waits as above. */
int unit_call_job_and_wait(sd_bus *bus, sd_bus_message *call, char **ret_result, sd_bus_error *error);

/* The major version of the running systemd (252 for "252.39-1~deb12u1"). */
int systemd_version(sd_bus *bus, unsigned *ret);

/* A loaded unit's ActiveState ("active", "activating", ...); -ENOENT if systemd has not loaded it. */
int unit_get_active_state(sd_bus *bus, const char *unit, char **ret);

/* The main process of a service unit; 0 when it has none (any more). */
int unit_get_main_pid(sd_bus *bus, const char *unit, pid_t *ret);

/* A service's RootDirectory= and the container_uuid= of its Environment= (left as is if absent). */
int unit_get_exec_context(sd_bus *bus, const char *unit, char **ret_root, Id128 *ret_uuid);
