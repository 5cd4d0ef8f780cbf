/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* enable and disable: a machine that starts at boot, like machinectl enable. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-util.h"
#include "fd-util.h"
#include "image.h"
#include "log.h"
#include "macro.h"
#include "strv.h"
#include "unit-file.h"
#include "unit.h"
#include "verbs.h"

#define UNIT_DIR "/etc/systemd/system"

static int manager_call(sd_bus *bus, const char *method, char **units, bool enable) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", method);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, units);
        if (r >= 0)
                r = enable ? sd_bus_message_append(m, "bb", 0, 0) : sd_bus_message_append(m, "b", 0);
        if (r < 0)
                return log_oom();
        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to %s %s: %s", enable ? "enable" : "disable", units[0],
                                       error.message ?: strerror(-r));
        return 0;
}

static int daemon_reload(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "Reload", &error, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to reload systemd: %s", error.message ?: strerror(-r));
        return 0;
}

/* Whether PATH is a unit file berth wrote for the machine NAME. */
static bool unit_file_is_ours(const char *path, const char *name) {
        _cleanup_free_ char *text = NULL, *header = NULL;
        if (read_full_file_at(AT_FDCWD, path, &text, NULL) < 0 || asprintf(&header, UNIT_FILE_HEADER "%s.\n", name) < 0)
                return false;
        return startswith(text, header) != NULL;
}

/* Splits [--now] from the run options; returns the index of the name, or -1 after help. */
static int parse_now(int argc, char **argv, bool *now, const char *usage) {
        int i = 1;
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (streq(argv[i], "--now"))
                        *now = true;
                else if (STR_IN_SET(argv[i], "-h", "--help")) {
                        printf("%s", usage);
                        return -1;
                } else
                        return log_error_errno(EINVAL, "Option '%s' is not known before the name; see 'berth %s --help'.",
                                               argv[i], argv[0]);
        }
        if (i >= argc)
                return log_error_errno(EINVAL, "berth %s needs a machine name.", argv[0]);
        if (!machine_name_is_valid(argv[i]))
                return log_error_errno(EINVAL, "Invalid machine name '%s'.", argv[i]);
        return i;
}

int verb_enable(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **options = NULL;
        _cleanup_free_ char *unit = NULL, *path = NULL, *image = NULL;
        bool now = false;
        int r;

        int i = parse_now(argc, argv, &now,
                          "berth enable [--now] NAME [RUN OPTIONS...] [-- COMMAND [ARGS...]]\n\n"
                          "Start the machine NAME at boot, in machines.target. Without options the image NAME boots\n"
                          "as berth@NAME.service; with run options, or a COMMAND for a single-process machine, berth\n"
                          "writes the unit berth-NAME.service to " UNIT_DIR " (as generate-unit) and enables it.\n"
                          "--now also starts it.\n");
        if (i < 0)
                return i == -1 ? 0 : 1;
        const char *name = argv[i];
        if (open_system_bus(&bus) < 0)
                return 1;

        bool own = i + 1 < argc;
        if (own) {
                if (strv_extend(&options, "enable") < 0)
                        return log_oom(), 1;
                for (int k = i + 1; k < argc; k++)
                        if (strv_extend(&options, argv[k]) < 0)
                                return log_oom(), 1;
                if (asprintf(&unit, "berth-%s.service", name) < 0 || asprintf(&path, UNIT_DIR "/%s", unit) < 0)
                        return log_oom(), 1;
                if (access(path, F_OK) >= 0 && !unit_file_is_ours(path, name))
                        return log_error("%s exists and berth did not write it; not replacing it.", path), 1;
                if (machine_unit_file_write(name, options, path) < 0 || daemon_reload(bus) < 0)
                        return 1;
        } else {
                r = image_find(name, &image);
                if (r == -ENOENT)
                        return log_error("No image '%s' in /var/lib/machines, /usr/local/lib/machines or /usr/lib/machines.", name), 1;
                if (r < 0)
                        return log_error_errno(r, "Failed to look up image '%s': %m", name), 1;
                if (unit_name_for_machine(name, &unit) < 0)
                        return log_oom(), 1;
        }

        char *units[] = { unit, NULL };
        char *target[] = { (char *) "machines.target", NULL };
        if (manager_call(bus, "EnableUnitFiles", units, true) < 0 || manager_call(bus, "EnableUnitFiles", target, true) < 0 ||
            daemon_reload(bus) < 0)
                return 1;

        if (now) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *result = NULL;
                r = unit_start_and_wait(bus, unit, &result, &error);
                if (r == -EIO) {
                        log_error("Failed to start %s: the job ended with '%s'. Its last log lines:", unit, result);
                        (void) unit_show_journal(unit, 10);
                        return 1;
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to start %s: %s", unit, error.message ?: strerror(-r)), 1;
        }
        return 0;
}

int verb_disable(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *template = NULL, *own = NULL, *path = NULL;
        bool now = false;

        int i = parse_now(argc, argv, &now,
                          "berth disable [--now] NAME\n\n"
                          "No longer start the machine NAME at boot: disable berth@NAME.service, and disable and\n"
                          "remove the unit berth-NAME.service that berth enable wrote. --now also stops it.\n");
        if (i < 0)
                return i == -1 ? 0 : 1;
        if (i + 1 < argc)
                return log_error("berth disable takes one machine name, not '%s'.", argv[i + 1]), 1;
        const char *name = argv[i];
        if (open_system_bus(&bus) < 0)
                return 1;
        if (unit_name_for_machine(name, &template) < 0 || asprintf(&own, "berth-%s.service", name) < 0 ||
            asprintf(&path, UNIT_DIR "/%s", own) < 0)
                return log_oom(), 1;

        if (now) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                char *units[] = { template, own };
                for (size_t k = 0; k < ELEMENTSOF(units); k++) {
                        _cleanup_free_ char *state = NULL;
                        if (unit_get_active_state(bus, units[k], &state) < 0 || STR_IN_SET(state, "inactive", "failed"))
                                continue;
                        int r = unit_stop_and_wait(bus, units[k], NULL, &error);
                        if (r < 0)
                                return log_error_errno(r, "Failed to stop %s: %s", units[k], error.message ?: strerror(-r)), 1;
                }
        }

        char *units[] = { template, NULL };
        if (manager_call(bus, "DisableUnitFiles", units, false) < 0)
                return 1;
        if (access(path, F_OK) >= 0) {
                if (!unit_file_is_ours(path, name))
                        return log_error("%s was not written by berth; disable it with systemctl.", path), 1;
                units[0] = own;
                if (manager_call(bus, "DisableUnitFiles", units, false) < 0)
                        return 1;
                if (unlink(path) < 0)
                        return log_error_errno(errno, "Failed to remove %s: %m", path), 1;
        }
        return daemon_reload(bus) < 0 ? 1 : 0;
}
