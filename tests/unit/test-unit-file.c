/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit files generate-unit writes, and the command line of a launcher unit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "settings.h"
#include "strv.h"
#include "tap.h"
#include "transient.h"
#include "unit-file.h"

static char *join(char **l) {
        size_t n = 1;
        for (char **p = l; p && *p; p++)
                n += strlen(*p) + 1;
        char *j = calloc(n, 1);
        for (char **p = l; j && p && *p; p++) {
                if (p != l)
                        strcat(j, " ");
                strcat(j, *p);
        }
        return j;
}

static char *single_process_unit(unsigned systemd_version) {
        Settings s;
        char *text = NULL;
        size_t size = 0;
        Id128 uuid = {};
        char *params[] = { (char *) "/bin/sleep", (char *) "100", NULL };

        settings_init(&s);
        s.parameters = strv_copy(params);
        FILE *f = open_memstream(&text, &size);
        int r = f ? unit_file_single_process(f, "/usr/bin/berth", "m", "/var/lib/machines/m", "/bin/sleep", &uuid, &s,
                                             NULL, systemd_version)
                  : -1;
        if (f)
                fclose(f);
        settings_done(&s);
        check_int_eq(r, 0, "unit_file_single_process() for systemd %u", systemd_version);
        return text;
}

static void test_private_pids(void) {
        char *old = single_process_unit(252), *new = single_process_unit(257);
        check(old && !strstr(old, "PrivatePIDs="), "systemd 252: no PrivatePIDs= (it would be ignored)");
        check(new && strstr(new, "\nPrivatePIDs=yes\n"), "systemd 257: PrivatePIDs=yes");
        check(new && strstr(new, "\nPrivateUsers=yes\n") && strstr(new, "\nProtectProc=invisible\n"),
              "the unit is hardened");
        free(old);
        free(new);
}

static void test_launcher_argv(void) {
        char *opts[] = { (char *) "-D", (char *) "/srv/m", (char *) "--", (char *) "/bin/true", NULL };
        char **argv = NULL;

        check_int_eq(launcher_run_argv("/usr/bin/berth", "m", false, opts, &argv), 0, "launcher_run_argv(single)");
        char *joined = join(argv);
        check_streq(joined, "/usr/bin/berth run --quiet --keep-unit --machine=m --settings=no -D /srv/m -- /bin/true",
                    "a single-process launcher unit runs berth run with the user's options last");
        free(joined);
        strv_free(argv);
        argv = NULL;

        check_int_eq(launcher_run_argv("/usr/bin/berth", "m", true, NULL, &argv), 0, "launcher_run_argv(boot)");
        joined = join(argv);
        check_streq(joined,
                    "/usr/bin/berth run --quiet --keep-unit --machine=m --boot --private-network --link-journal=try-guest --settings=override",
                    "a booted launcher unit runs berth run as berth@.service does");
        free(joined);
        strv_free(argv);
}

static void test_launcher_unit(void) {
        char *text = NULL;
        size_t size = 0;
        char *opts[] = { (char *) "--", (char *) "/bin/true", NULL };
        FILE *f = open_memstream(&text, &size);

        check_int_eq(unit_file_launcher(f, "/usr/bin/berth", "m", false, opts), 0, "unit_file_launcher()");
        fclose(f);
        check(strstr(text, "\nType=notify\n") && strstr(text, "\nDelegate=yes\n") && strstr(text, "\nKillMode=mixed\n"),
              "a launcher unit is Type=notify, delegated, KillMode=mixed");
        check(strstr(text, "\nExecStart=\"/usr/bin/berth\" \"run\" ") && strstr(text, "\"--\" \"/bin/true\"\n"),
              "its ExecStart= quotes every word");
        free(text);
}

int main(void) {
        test_private_pids();
        test_launcher_argv();
        test_launcher_unit();
        return tap_finish();
}
