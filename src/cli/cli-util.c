/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the verbs that talk to systemd and machined share. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cli-util.h"
#include "log.h"
#include "machined.h"
#include "parse-util.h"

const char *getopt_refused_option(char **argv, const char *optstring, char buf[static 3]) {
        /* Inside a cluster ("-Zq") getopt leaves optind on the cluster until its end, so that
         * argv[optind - 1] may be the argument before: an unknown short option is named by itself.
         * Any other refusal (a long option, a missing value) has moved optind past it. getopt
         * gives a byte past ASCII as a negative char. */
        if (optopt != 0 && optopt < 0x80 && !strchr("+-:", optopt) && !strchr(optstring, optopt)) {
                buf[0] = '-';
                buf[1] = (char) optopt;
                buf[2] = 0;
                return buf;
        }
        return argv[optind - 1];
}

int open_system_bus(sd_bus **ret) {
        int r = sd_bus_open_system(ret);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m (is this a systemd host?)");
        return 0;
}

/* Returns 1 and the machine's object path, 0 if machined does not know it. */
int machine_path(sd_bus *bus, const char *name, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = machine_get_path(bus, name, ret, &error);
        if (r < 0)
                return log_error_errno(r, "Failed to ask systemd-machined about %s: %s", name, error.message ?: strerror(-r));
        return r;
}

bool pid_is_gone(pid_t pid) {
        return kill(pid, 0) < 0 && errno == ESRCH;
}

int require_name(int argc, char **argv, int i, const char *verb) {
        if (i >= argc)
                return log_error_errno(EINVAL, "berth %s needs a machine name.", verb);
        if (i + 1 < argc)
                return log_error_errno(EINVAL, "berth %s takes one machine name, not '%s'.", verb, argv[i + 1]);
        if (!machine_name_is_valid(argv[i]))
                return log_error_errno(EINVAL, "Invalid machine name '%s'.", argv[i]);
        return 0;
}
