/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "parse-util.h"

#define MACHINED_SERVICE "org.freedesktop.machine1"
#define MACHINED_PATH "/org/freedesktop/machine1"
#define MACHINED_MANAGER "org.freedesktop.machine1.Manager"
#define MACHINED_MACHINE "org.freedesktop.machine1.Machine"

typedef struct MachineRegistration {
        const char *name;
        Id128 id;
        const char *root_directory;
        pid_t leader;
        bool keep_unit;         /* RegisterMachine: the caller's unit is the machine's */
        const char *slice;      /* CreateMachine: the scope's slice */
        int kill_signal;
        char **properties;      /* CreateMachine: NAME=VALUE for the scope */
        const char *controller; /* CreateMachine: the bus name systemd asks to stop the scope (RequestStop) */
} MachineRegistration;

/* Registers the machine with systemd-machined: RegisterMachine with keep_unit, else
 * CreateMachine, which starts machine-NAME.scope with the leader in it. On failure the
 * D-Bus error is in *error. Never logs. */
int machine_register(sd_bus *bus, const MachineRegistration *m, sd_bus_error *error);

/* The Create/RegisterMachine call machine_register() makes, for callers that wait on their own. */
int machine_register_message(sd_bus *bus, const MachineRegistration *m, sd_bus_message **ret);

/* Sends UnregisterMachine and returns: CALLBACK gets machined's answer (or the timeout's error)
 * when the caller processes the bus; *ret_slot is the pending call. */
int machine_unregister_async(sd_bus *bus, const char *name, sd_bus_slot **ret_slot, sd_bus_message_handler_t callback,
                             void *userdata);

/* machined's object path of NAME: 1 and the path, 0 if it does not know it, or a negative errno with *error. */
int machine_get_path(sd_bus *bus, const char *name, char **ret_path, sd_bus_error *error);

/* Whether machined knows NAME, which service registered it and its leader: 1 and those, or 0. */
int machine_get_service(sd_bus *bus, const char *name, char **ret_service, pid_t *ret_leader);

/* The leader (the host's PID of the machine's PID 1), the unit and the service that registered
 * a running machine: 1 and those (*ret_unit, *ret_service NULL if machined names none), 0 if
 * machined does not know NAME, or a negative errno with *error. */
int machine_get_leader(sd_bus *bus, const char *name, pid_t *ret_leader, char **ret_unit, char **ret_service,
                       sd_bus_error *error);

/* Stops a registered machine (its unit) and waits, at most timeout_usec, until machined forgets it. */
int machine_terminate_and_wait(sd_bus *bus, const char *name, uint64_t timeout_usec);

/* True for the errors that mean "no machined here" (not running, not installed). */
bool machined_error_is_absent(const sd_bus_error *error, int r);
