/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "log.h"
#include "process-util.h"
#include "verbs.h"

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} Verb;

static const Verb verbs[] = {
        { "run",    verb_run,    "Run a machine in the foreground (nspawn options)"    },
        { "start",  verb_start,  "Start a machine as a unit (booted, or one process)"   },
        { "stop",   verb_stop,   "Stop a machine's unit and wait until it is down"      },
        { "login",     verb_login,     "A login prompt of a booted machine on this terminal" },
        { "poweroff",  verb_poweroff,  "Power a booted machine off cleanly and wait"    },
        { "reboot",    verb_reboot,    "Reboot a booted machine and wait until it is back" },
        { "terminate", verb_terminate, "Stop a machine's unit or scope and wait"        },
        { "kill",      verb_kill,      "Send a signal to a machine's processes"         },
        { "list",   verb_list,   "List the machines systemd-machined knows"             },
        { "status", verb_status, "Show a machine's unit, leader, root and last log lines" },
        { "show",   verb_show,   "Print systemd-machined's properties of a machine"     },
        { "enable",    verb_enable,    "Start a machine at boot (machines.target)"     },
        { "disable",   verb_disable,   "No longer start a machine at boot"             },
        { "shell",  verb_shell,  "Run a shell or a command inside a running machine"    },
        { "generate-unit", verb_generate_unit, "Print a unit file for a machine, to enable it at boot" },
        { "register", verb_register, "Register a running process with systemd-machined"  },
};

static void help(void) {
        printf("berth [--help|--version] VERB [OPTIONS...]\n\n"
               "Machines on systemd hosts: boot an OS tree or run one process in namespaces.\n\n"
               "Verbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-14s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nSee 'berth VERB --help' and berth(1).\n");
}

int main(int argc, char **argv) {
        process_save_argv(argc, argv);

        const char *debug = getenv("BERTH_LOG_LEVEL");
        if (debug && streq(debug, "debug"))
                log_set_max_level(LOG_DEBUG);

        if (argc < 2) {
                help();
                return 1;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                help();
                return 0;
        }
        if (streq(argv[1], "--version")) {
                printf("berth %s\n", BERTH_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[1], verbs[i].name))
                        return verbs[i].run(argc - 1, argv + 1);

        log_error("Unknown verb '%s'; see 'berth --help'.", argv[1]);
        return 1;
}
