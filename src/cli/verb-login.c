/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* login: a login prompt of a booted machine on the user's terminal, through machined. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-util.h"
#include "fd-util.h"
#include "log.h"
#include "machined.h"
#include "macro.h"
#include "pty-forward.h"
#include "verbs.h"

typedef struct Login {
        const char *name;
        sd_event *event;
        int rcode;
        bool removed;
} Login;

static int on_forward_end(PtyForward *f, int rcode, void *userdata) {
        Login *l = userdata;
        l->rcode = rcode;
        return sd_event_exit(l->event, 0);
}

static int on_machine_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Login *l = userdata;
        const char *name = NULL, *path = NULL;

        if (sd_bus_message_read(m, "so", &name, &path) < 0 || !streq_ptr(name, l->name))
                return 0;
        l->removed = true;
        return sd_event_exit(l->event, 0);
}

int verb_login(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(pty_forward_freep) PtyForward *forward = NULL;
        _cleanup_close_ int master = -EBADF;
        const char *pty = NULL;
        int fd, r;

        if (argc >= 2 && STR_IN_SET(argv[1], "-h", "--help")) {
                printf("berth login NAME\n\n"
                       "Open a login prompt of the booted machine NAME on this terminal, through\n"
                       "systemd-machined (the machine needs systemd and D-Bus inside; berth shell does not).\n"
                       "Press ^] three times within 1s to leave.\n");
                return 0;
        }
        if (require_name(argc, argv, 1, "login") < 0)
                return 1;
        Login l = { .name = argv[1] };
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
                return log_error("berth login needs a terminal; for a command without one, use 'berth shell %s COMMAND'.",
                                 l.name), 1;
        if (open_system_bus(&bus) < 0)
                return 1;

        r = sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "OpenMachineLogin", &error, &reply,
                               "s", l.name);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.machine1.NoSuchMachine"))
                        return log_error("Machine %s is not running.", l.name), 1;
                return log_error("Cannot log into machine %s: %s. A login needs systemd and D-Bus inside the machine; "
                                 "use 'berth shell %s' instead.",
                                 l.name, error.message ?: strerror(-r), l.name),
                       1;
        }
        r = sd_bus_message_read(reply, "hs", &fd, &pty);
        if (r < 0)
                return log_error_errno(r, "Failed to read systemd-machined's answer: %m"), 1;
        master = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (master < 0)
                return log_error_errno(errno, "Failed to take the machine's terminal: %m"), 1;

        (void) signal(SIGPIPE, SIG_IGN);
        r = sd_event_default(&event);
        l.event = event;
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "MachineRemoved",
                                        on_machine_removed, &l);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the machine: %m"), 1;

        /* The getty opens the terminal only now, and hangs it up on every logout: neither ends this. */
        r = pty_forward_new(event, master, PTY_FORWARD_IGNORE_VHANGUP, &forward);
        if (r < 0)
                return log_error_errno(r, "Failed to forward the terminal: %m"), 1;
        pty_forward_set_handler(forward, on_forward_end, &l);

        log_info("Connected to machine %s. Press ^] three times within 1s to exit session.", l.name);
        r = sd_event_loop(event);
        forward = pty_forward_free(forward);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), 1;

        if (l.removed) {
                log_info("\nMachine %s terminated.", l.name);
                return 0;
        }
        if (l.rcode == -ECANCELED || l.rcode == 0) {
                log_info("\nConnection to machine %s terminated.", l.name);
                return 0;
        }
        return log_error_errno(l.rcode, "Forwarding the terminal failed: %m"), 1;
}
