/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* poweroff, reboot, terminate and kill: machinectl's verbs, but poweroff, reboot and
 * terminate wait until they are done. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli-util.h"
#include "fd-util.h"
#include "log.h"
#include "machined.h"
#include "macro.h"
#include "parse-util.h"
#include "unit.h"
#include "verbs.h"

typedef enum ControlAction {
        CONTROL_POWEROFF,
        CONTROL_REBOOT,
        CONTROL_TERMINATE,
        CONTROL_KILL,
} ControlAction;

typedef struct ControlOptions {
        uint64_t timeout_usec;
        bool block;
        const char *whom;
        int signal;
} ControlOptions;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = { .tv_sec = (time_t) (usec / 1000000), .tv_nsec = (long) (usec % 1000000) * 1000 };
        nanosleep(&ts, NULL);
}

/* The leader machined reports for NAME: 1 and the PID, 0 if it does not know NAME. */
static int machine_leader(sd_bus *bus, const char *name, pid_t *ret) {
        _cleanup_free_ char *service = NULL;
        return machine_get_service(bus, name, &service, ret);
}

/* Waits until the process behind pidfd has exited, or the deadline. */
static int wait_exit(int pidfd, uint64_t deadline) {
        for (;;) {
                uint64_t n = now_usec();
                if (n >= deadline)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                uint64_t left = (deadline - n) / 1000 + 1;
                int ms = left > INT32_MAX ? INT32_MAX : (int) left;
                int k = poll(&p, 1, ms);
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k > 0)
                        return 0;
        }
}

/* After the leader is gone: until machined forgets the machine or knows a new leader (a
 * unit that restarts it). 1 if it came back, 0 if it is gone. */
static int wait_settled(sd_bus *bus, const char *name, pid_t old, uint64_t deadline) {
        for (;;) {
                pid_t leader = 0;
                int r = machine_leader(bus, name, &leader);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 0;
                if (leader > 0 && leader != old)
                        return 1;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                sleep_usec(20 * 1000);
        }
}

/* A machine that reboots under a unit comes back: machined knows its new leader, and the
 * unit is active again (the machine's init said READY=1). */
static int wait_back_up(sd_bus *bus, const char *name, pid_t old, uint64_t deadline) {
        _cleanup_free_ char *path = NULL, *unit = NULL;
        int r;

        /* A unit of berth's restarts the machine; the gap between the two runs is short. */
        for (;;) {
                r = wait_settled(bus, name, old, deadline);
                if (r != 0)
                        break;
                _cleanup_free_ char *template = NULL, *transient = NULL, *s1 = NULL, *s2 = NULL;
                if (unit_name_for_machine(name, &template) < 0 || asprintf(&transient, "berth-%s.service", name) < 0)
                        return -ENOMEM;
                (void) unit_get_active_state(bus, template, &s1);
                (void) unit_get_active_state(bus, transient, &s2);
                if (!STR_IN_SET(s1 ?: "", "activating", "active") && !STR_IN_SET(s2 ?: "", "activating", "active"))
                        return 0; /* nothing brings it back: a berth run in the foreground ends with 133 */
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                sleep_usec(20 * 1000);
        }
        if (r < 0)
                return r;

        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        if (machine_get_path(bus, name, &path, &error) <= 0 ||
            sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Unit", NULL, &unit) < 0)
                return 1;
        for (;;) {
                _cleanup_free_ char *state = NULL;
                if (unit_get_active_state(bus, unit, &state) < 0 || !streq(state, "activating"))
                        return 1;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                sleep_usec(20 * 1000);
        }
}

/* After the machine is gone from machined: until its unit has stopped too (berth, its main
 * process, exits a moment after the machine). 1 if the unit starts it anew instead. */
static int wait_unit_down(sd_bus *bus, const char *unit, uint64_t deadline) {
        for (;;) {
                _cleanup_free_ char *state = NULL;
                int r = unit_get_active_state(bus, unit, &state);
                if (r == -ENOENT || (r >= 0 && STR_IN_SET(state, "inactive", "failed")))
                        return 0;
                if (r < 0)
                        return r;
                if (streq(state, "activating"))
                        return 1;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                sleep_usec(20 * 1000);
        }
}

static int control(sd_bus *bus, const char *name, ControlAction action, const ControlOptions *o) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_close_ int pidfd = -EBADF;
        static const char *const done[] = {
                [CONTROL_POWEROFF] = "power off",
                [CONTROL_REBOOT] = "reboot",
                [CONTROL_TERMINATE] = "terminate",
        };
        _cleanup_free_ char *path = NULL, *unit = NULL;
        pid_t leader = 0;
        int r;

        r = machine_leader(bus, name, &leader);
        if (r < 0)
                return log_error_errno(r, "Failed to ask systemd-machined about %s: %m", name);
        if (r == 0)
                return log_error_errno(ESRCH, "Machine %s is not running.", name);
        if (machine_get_path(bus, name, &path, &error) > 0)
                (void) sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Unit", NULL, &unit);
        sd_bus_error_free(&error);

        /* Held before asking, so that the leader's exit cannot be missed. */
        if (o->block && action != CONTROL_KILL && leader > 0)
                pidfd = (int) syscall(SYS_pidfd_open, leader, 0);

        if (action == CONTROL_TERMINATE)
                r = sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "TerminateMachine", &error,
                                       NULL, "s", name);
        else {
                int sig = action == CONTROL_POWEROFF ? SIGRTMIN + 4 : action == CONTROL_REBOOT ? SIGINT : o->signal;
                const char *whom = action == CONTROL_KILL ? o->whom : "leader";
                r = sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "KillMachine", &error, NULL,
                                       "ssi", name, whom, (int32_t) sig);
        }
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.machine1.NoSuchMachine"))
                        return log_error_errno(r, "Machine %s is not running.", name);
                return log_error_errno(r, "Failed to %s machine %s: %s", action == CONTROL_KILL ? "signal" : done[action], name,
                                       error.message ?: strerror(-r));
        }
        if (!o->block || action == CONTROL_KILL)
                return 0;

        uint64_t deadline = now_usec() + o->timeout_usec;
        if (pidfd >= 0)
                r = wait_exit(pidfd, deadline);
        if (r >= 0)
                r = action == CONTROL_REBOOT ? wait_back_up(bus, name, leader, deadline) : wait_settled(bus, name, leader, deadline);
        if (r == 0 && action != CONTROL_REBOOT && unit)
                r = wait_unit_down(bus, unit, deadline);
        if (r == -ETIMEDOUT)
                return log_error_errno(r, "Machine %s did not %s within %" PRIu64 "s.", name, done[action],
                                       o->timeout_usec / 1000000);
        if (r < 0)
                return log_error_errno(r, "Failed to wait for machine %s: %m", name);
        if (action != CONTROL_REBOOT && r > 0)
                return log_error_errno(EBUSY, "Machine %s is running again (its unit started it anew).", name);
        return 0;
}

static const char *const control_help[] = {
        [CONTROL_POWEROFF] = "berth poweroff NAME [--timeout=SEC] [--no-block]\n\n"
                             "Power a booted machine off cleanly (SIGRTMIN+4 to its init) and wait until it is down.",
        [CONTROL_REBOOT] = "berth reboot NAME [--timeout=SEC] [--no-block]\n\n"
                           "Reboot a booted machine (SIGINT to its init) and wait until it is down, and, in a unit\n"
                           "that starts it again, until it is back up.",
        [CONTROL_TERMINATE] = "berth terminate NAME [--timeout=SEC] [--no-block]\n\n"
                              "Stop the machine's unit or scope (systemd-machined's TerminateMachine) and wait until it\n"
                              "is gone.",
        [CONTROL_KILL] = "berth kill NAME [--kill-whom=leader|all] [--signal=SIG]\n\n"
                         "Send a signal to the machine's leader, or to all its processes (the default), SIGTERM\n"
                         "unless --signal= says otherwise.",
};

static int control_verb(int argc, char **argv, ControlAction action) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        enum { ARG_TIMEOUT = 0x100, ARG_NO_BLOCK, ARG_KILL_WHOM, ARG_SIGNAL };
        static const struct option block_options[] = {
                { "help",     no_argument,       NULL, 'h'          },
                { "timeout",  required_argument, NULL, ARG_TIMEOUT  },
                { "no-block", no_argument,       NULL, ARG_NO_BLOCK },
                {}
        };
        static const struct option kill_options[] = {
                { "help",      no_argument,       NULL, 'h'           },
                { "kill-whom", required_argument, NULL, ARG_KILL_WHOM },
                { "signal",    required_argument, NULL, ARG_SIGNAL    },
                {}
        };
        ControlOptions o = { .timeout_usec = 90 * UINT64_C(1000000), .block = true, .whom = "all", .signal = SIGTERM };
        char buf[3];
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, action == CONTROL_KILL ? "hs:" : "h",
                                action == CONTROL_KILL ? kill_options : block_options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n", control_help[action]);
                        return 0;
                case ARG_TIMEOUT: {
                        char *end;
                        errno = 0;
                        double sec = strtod(optarg, &end);
                        if (errno != 0 || end == optarg || (*end && !streq(end, "s")) || sec <= 0 || sec > 86400)
                                return log_error("Invalid --timeout= '%s': give seconds, e.g. 30 or 2.5.", optarg), 1;
                        o.timeout_usec = (uint64_t) (sec * 1e6);
                        break;
                }
                case ARG_NO_BLOCK:
                        o.block = false;
                        break;
                case ARG_KILL_WHOM:
                        if (!STR_IN_SET(optarg, "leader", "all"))
                                return log_error("Invalid --kill-whom= '%s': use leader or all.", optarg), 1;
                        o.whom = optarg;
                        break;
                case 's':
                case ARG_SIGNAL:
                        o.signal = signal_from_string(optarg);
                        if (o.signal < 0)
                                return log_error("Invalid --signal= '%s': use a name such as SIGTERM or a number.", optarg), 1;
                        break;
                default:
                        return log_error("Option '%s' is not known; see 'berth %s --help'.",
                                         getopt_refused_option(argv, action == CONTROL_KILL ? "hs:" : "h", buf), argv[0]), 1;
                }

        if (require_name(argc, argv, optind, argv[0]) < 0 || open_system_bus(&bus) < 0)
                return 1;
        return control(bus, argv[optind], action, &o) < 0 ? 1 : 0;
}

int verb_poweroff(int argc, char **argv) {
        return control_verb(argc, argv, CONTROL_POWEROFF);
}

int verb_reboot(int argc, char **argv) {
        return control_verb(argc, argv, CONTROL_REBOOT);
}

int verb_terminate(int argc, char **argv) {
        return control_verb(argc, argv, CONTROL_TERMINATE);
}

int verb_kill(int argc, char **argv) {
        return control_verb(argc, argv, CONTROL_KILL);
}
