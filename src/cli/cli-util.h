/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

/* Connects to the system bus; logs why not. */
int open_system_bus(sd_bus **ret);

/* Returns 1 and the machine's object path, 0 if machined does not know it; logs errors. */
int machine_path(sd_bus *bus, const char *name, char **ret);

bool pid_is_gone(pid_t pid);

/* The option getopt_long() just refused ('?' or ':'), as the user wrote it, for the error. */
const char *getopt_refused_option(char **argv, const char *optstring, char buf[static 3]);

/* Checks that argv[i] is the one and only argument, a valid machine name; logs why not. */
int require_name(int argc, char **argv, int i, const char *verb);

/* Writes the unit file of machine NAME for run options (options[0] stands in for the verb),
 * as generate-unit does: atomically to output, or to stdout. Logs; < 0 on failure. */
int machine_unit_file_write(const char *name, char **options, const char *output);
