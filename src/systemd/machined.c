/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "machined.h"
#include "macro.h"
#include "unit-property.h"


/* The devices every machine needs; nothing else of the host's is reachable (DevicePolicy=closed). */
static const char *const device_allow[][2] = {
        { "/dev/null", "rwm" },   { "/dev/zero", "rwm" },    { "/dev/full", "rwm" },
        { "/dev/random", "rwm" }, { "/dev/urandom", "rwm" }, { "/dev/tty", "rwm" },
        { "/dev/net/tun", "rwm" }, { "char-pts", "rw" },
};

static int append_property(sd_bus_message *msg, const UnitProperty *p) {
        switch (p->type) {
        case UNIT_PROPERTY_BOOLEAN:
                return sd_bus_message_append(msg, "(sv)", p->name, "b", p->boolean);
        case UNIT_PROPERTY_UINT64:
                return sd_bus_message_append(msg, "(sv)", p->name, "t", p->u64);
        case UNIT_PROPERTY_STRING:
                return sd_bus_message_append(msg, "(sv)", p->name, "s", p->string);
        case UNIT_PROPERTY_SIGNAL:
                return sd_bus_message_append(msg, "(sv)", p->name, "i", (int32_t) p->signal);
        case UNIT_PROPERTY_DEVICE_ALLOW:
                return sd_bus_message_append(msg, "(sv)", p->name, "a(ss)", 1, p->string, p->string2);
        default:
                return -EINVAL;
        }
}

static int append_scope_properties(sd_bus_message *msg, const MachineRegistration *m) {
        char description[128];
        int r;

        snprintf(description, sizeof(description), "Container %s", m->name);
        r = sd_bus_message_append(msg, "(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Slice", "s",
                                  m->slice ?: "machine.slice", "Delegate", "b", 1, "DevicePolicy", "s", "closed", "KillMode",
                                  "s", "mixed", "KillSignal", "i", (int32_t) m->kill_signal);
        if (r < 0)
                return r;
        /* A scope has no main process for KillMode=mixed to signal: with a controller, systemd
         * asks it to stop the scope instead (RequestStop) and waits for the scope to empty. */
        if (m->controller) {
                r = sd_bus_message_append(msg, "(sv)", "Controller", "s", m->controller);
                if (r < 0)
                        return r;
        }

        r = sd_bus_message_open_container(msg, 'r', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "s", "DeviceAllow");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(msg, 'v', "a(ss)");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(msg, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(device_allow); i++) {
                r = sd_bus_message_append(msg, "(ss)", device_allow[i][0], device_allow[i][1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r < 0)
                return r;

        /* The user's own, after ours: systemd applies them in order, so they win. */
        for (char **a = m->properties; a && *a; a++) {
                UnitProperty p;
                r = unit_property_parse(*a, &p);
                if (r < 0)
                        return r;
                r = append_property(msg, &p);
                unit_property_done(&p);
                if (r < 0)
                        return r;
        }
        return 0;
}

int machine_register_message(sd_bus *bus, const MachineRegistration *m, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &msg, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER,
                                           m->keep_unit ? "RegisterMachine" : "CreateMachine");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "s", m->name);
        if (r >= 0)
                r = sd_bus_message_append_array(msg, 'y', m->id.bytes, sizeof(m->id.bytes));
        if (r >= 0)
                r = sd_bus_message_append(msg, "ssus", "berth", "container", (uint32_t) m->leader, m->root_directory);
        if (r < 0)
                return r;

        if (!m->keep_unit) {
                r = sd_bus_message_open_container(msg, 'a', "(sv)");
                if (r < 0)
                        return r;
                r = append_scope_properties(msg, m);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(msg);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(msg);
        return 0;
}

int machine_register(sd_bus *bus, const MachineRegistration *m, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r = machine_register_message(bus, m, &msg);
        if (r < 0)
                return r;
        return sd_bus_call(bus, msg, 0, error, NULL);
}

int machine_unregister_async(sd_bus *bus, const char *name, sd_bus_slot **ret_slot, sd_bus_message_handler_t callback,
                             void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r = sd_bus_message_new_method_call(bus, &msg, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER,
                                               "UnregisterMachine");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", name);
        if (r >= 0)
                r = sd_bus_call_async(bus, ret_slot, msg, callback, userdata, 0);
        return r;
}

bool machined_error_is_absent(const sd_bus_error *error, int r) {
        /* Not installed, not running, or masked (bus activation through systemd fails). */
        return sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      SD_BUS_ERROR_NO_SERVER, SD_BUS_ERROR_DISCONNECTED,
                                      "org.freedesktop.systemd1.UnitMasked", "org.freedesktop.systemd1.NoSuchUnit",
                                      "org.freedesktop.DBus.Error.Spawn.ServiceNotFound") ||
               IN_SET(r, -ENOENT, -ECONNREFUSED, -ECONNRESET, -ENOTCONN);
}

int machine_get_path(sd_bus *bus, const char *name, char **ret_path, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "GetMachine", error, &reply, "s",
                               name);
        if (r < 0)
                return sd_bus_error_has_name(error, "org.freedesktop.machine1.NoSuchMachine") ? 0 : r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        *ret_path = strdup(path);
        return *ret_path ? 1 : -ENOMEM;
}

int machine_get_service(sd_bus *bus, const char *name, char **ret_service, pid_t *ret_leader) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = machine_get_path(bus, name, &path, &error);
        if (r <= 0)
                return r;
        r = sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Service", &error,
                                       ret_service);
        if (r < 0)
                return sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) ? 0 : r;
        if (ret_leader) {
                uint32_t leader = 0;
                (void) sd_bus_get_property_trivial(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Leader",
                                                   NULL, 'u', &leader);
                *ret_leader = (pid_t) leader;
        }
        return 1;
}

/* A string property, NULL when empty or unreadable. */
static int machine_get_string(sd_bus *bus, const char *path, const char *property, char **ret) {
        char *v = NULL;
        int r = sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, property, NULL, &v);
        if (r == -ENOMEM)
                return r;
        if (v && !*v) {
                free(v);
                v = NULL;
        }
        *ret = v;
        return 0;
}

int machine_get_leader(sd_bus *bus, const char *name, pid_t *ret_leader, char **ret_unit, char **ret_service,
                       sd_bus_error *error) {
        _cleanup_free_ char *path = NULL, *unit = NULL, *service = NULL;
        uint32_t leader = 0;
        int r;

        r = machine_get_path(bus, name, &path, error);
        if (r <= 0)
                return r;
        r = sd_bus_get_property_trivial(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Leader", error, 'u', &leader);
        if (r < 0)
                /* Gone between the two calls. */
                return sd_bus_error_has_names(error, SD_BUS_ERROR_UNKNOWN_OBJECT, "org.freedesktop.machine1.NoSuchMachine") ? 0 : r;
        if (leader == 0)
                return 0;
        /* Not every registration has them. */
        if ((ret_unit && (r = machine_get_string(bus, path, "Unit", &unit)) < 0) ||
            (ret_service && (r = machine_get_string(bus, path, "Service", &service)) < 0))
                return r;
        *ret_leader = (pid_t) leader;
        if (ret_unit)
                *ret_unit = TAKE_PTR(unit);
        if (ret_service)
                *ret_service = TAKE_PTR(service);
        return 1;
}

int machine_terminate_and_wait(sd_bus *bus, const char *name, uint64_t timeout_usec) {
        int r = sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "TerminateMachine", NULL, NULL,
                                   "s", name);
        if (r < 0)
                return r;
        for (uint64_t waited = 0; waited < timeout_usec; waited += 20000) {
                _cleanup_free_ char *service = NULL;
                r = machine_get_service(bus, name, &service, NULL);
                if (r <= 0)
                        return r;
                struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        return -ETIMEDOUT;
}
