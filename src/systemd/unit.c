/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "macro.h"
#include "unit.h"

typedef struct JobWait {
        const char *job;
        char *result;
        bool done;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (!streq(path, w->job))
                return 0;
        w->result = strdup(result);
        w->done = true;
        return 0;
}

/* Sends a method call that returns a job, and waits for the job to finish. */
int unit_call_job_and_wait(sd_bus *bus, sd_bus_message *call, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        JobWait w = {};
        const char *job;
        int r;

        /* Subscribe first, so that the JobRemoved signal cannot be missed. */
        r = sd_bus_match_signal(bus, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, 0, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = job;

        while (!w.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0)
                        return r;
        }
        if (!w.result)
                return -ENOMEM;
        r = streq(w.result, "done") ? 0 : -EIO;
        if (ret_result)
                *ret_result = w.result;
        else
                free(w.result);
        return r;
}

static int unit_job_and_wait(sd_bus *bus, const char *method, const char *unit, char **ret_result, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                               "org.freedesktop.systemd1.Manager", method);
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", unit, "replace");
        if (r < 0)
                return r;
        return unit_call_job_and_wait(bus, call, ret_result, error);
}

int unit_start_and_wait(sd_bus *bus, const char *unit, char **ret_result, sd_bus_error *error) {
        return unit_job_and_wait(bus, "StartUnit", unit, ret_result, error);
}

int unit_stop_and_wait(sd_bus *bus, const char *unit, char **ret_result, sd_bus_error *error) {
        return unit_job_and_wait(bus, "StopUnit", unit, ret_result, error);
}

int unit_show_journal(const char *unit, unsigned n) {
        sd_journal *j = NULL;
        char match[256];
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;
        snprintf(match, sizeof(match), "_SYSTEMD_UNIT=%s", unit);
        r = sd_journal_add_match(j, match, 0);
        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        snprintf(match, sizeof(match), "UNIT=%s", unit);
        if (r >= 0)
                r = sd_journal_add_match(j, match, 0);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        if (r >= 0)
                r = sd_journal_previous_skip(j, n);
        for (; r > 0; r = sd_journal_next(j)) {
                const void *data;
                size_t l;
                if (sd_journal_get_data(j, "MESSAGE", &data, &l) < 0)
                        continue;
                printf("    %.*s\n", (int) (l - 8), (const char *) data + 8);
        }
        sd_journal_close(j);
        return r < 0 ? r : 0;
}

int unit_name_for_machine(const char *machine, char **ret) {
        return asprintf(ret, "berth@%s.service", machine) < 0 ? -ENOMEM : 0;
}

int systemd_version(sd_bus *bus, unsigned *ret) {
        _cleanup_free_ char *version = NULL;
        int r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "Version", NULL, &version);
        if (r < 0)
                return r;
        /* Distributions prefix it at times ("v252", "systemd 252"). */
        const char *p = version + strcspn(version, "0123456789");
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > 100000)
                return -EBADMSG;
        *ret = (unsigned) v;
        return 0;
}

int unit_get_active_state(sd_bus *bus, const char *unit, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0)
                return sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit") ? -ENOENT : r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        return sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                          "ActiveState", NULL, ret);
}

int unit_get_main_pid(sd_bus *bus, const char *unit, pid_t *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        uint32_t pid = 0;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", NULL, &reply, "s", unit);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service", "MainPID",
                                        NULL, 'u', &pid);
        if (r < 0)
                return r;
        *ret = (pid_t) pid;
        return 0;
}

int unit_get_exec_context(sd_bus *bus, const char *unit, char **ret_root, Id128 *ret_uuid) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char **env = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service",
                                       "RootDirectory", &error, ret_root);
        if (r < 0)
                return r;
        if (sd_bus_get_property_strv(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Service",
                                     "Environment", &error, &env) >= 0) {
                for (char **e = env; e && *e; e++) {
                        const char *v = startswith(*e, "container_uuid=");
                        if (v)
                                (void) id128_from_string(v, ret_uuid);
                }
                for (char **e = env; e && *e; e++)
                        free(*e);
                free(env);
        }
        return 0;
}
