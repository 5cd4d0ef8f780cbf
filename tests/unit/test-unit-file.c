/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit files generate-unit writes, and the command line of a launcher unit. */
#include <errno.h>
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

        check_int_eq(launcher_run_argv("/usr/bin/berth", "m", false, NULL, 0, opts, &argv), 0, "launcher_run_argv(single)");
        char *joined = join(argv);
        check_streq(joined, "/usr/bin/berth run --quiet --keep-unit -U --machine=m --settings=no --no-new-privileges "
                            "--drop-capability=CAP_SYS_ADMIN,CAP_SYS_PTRACE -D /srv/m -- /bin/true",
                    "a single-process launcher unit runs berth run confined as the sandbox, with the user's options last");
        free(joined);
        strv_free(argv);
        argv = NULL;

        check_int_eq(launcher_run_argv("/usr/bin/berth", "m", true, NULL, 0, NULL, &argv), 0, "launcher_run_argv(boot)");
        joined = join(argv);
        check_streq(joined,
                    "/usr/bin/berth run --quiet --keep-unit -U --machine=m --boot --private-network --link-journal=try-guest --settings=override",
                    "a booted launcher unit runs berth run as berth@.service does");
        free(joined);
        strv_free(argv);
}

static void test_launcher_unit(void) {
        char *text = NULL;
        size_t size = 0;
        char *opts[] = { (char *) "--", (char *) "/bin/true", NULL };
        FILE *f = open_memstream(&text, &size);

        check_int_eq(unit_file_launcher(f, "/usr/bin/berth", "m", false, opts, NULL, 0), 0, "unit_file_launcher()");
        fclose(f);
        check(strstr(text, "\nType=notify\n") && strstr(text, "\nDelegate=yes\n") && strstr(text, "\nKillMode=mixed\n"),
              "a launcher unit is Type=notify, delegated, KillMode=mixed");
        check(strstr(text, "\nExecStart=\"/usr/bin/berth\" \"run\" ") && strstr(text, "\"--\" \"/bin/true\"\n"),
              "its ExecStart= quotes every word");
        free(text);
}

/* Settings with the credentials of a "berth run" command line. */
static void credentials_settings(Settings *s, const char *const *args) {
        char *error = NULL;
        int argc = 0;

        while (args[argc])
                argc++;
        char **argv = strv_copy((char *const *) args);
        settings_init(s);
        if (!argv || settings_parse_run_argv(s, argc, argv, &error) < 0)
                abort();
        strv_free(argv);
}

static void test_credentials(void) {
        static const char *const args[] = { "run", "--set-credential=pw:x y%\\n\\\\\"'\\u00e9\\x00",
                                            "--load-credential=key:/etc/ssl/100%.pem", "--load-credential=up:up",
                                            "--set-credential=p%c:1", NULL };
        char *opts[] = { (char *) "-D", (char *) "/srv/m", NULL };
        char **argv = NULL, *text = NULL, *joined;
        size_t size = 0;
        Settings s;

        credentials_settings(&s, args);
        check_int_eq(launcher_run_argv("/usr/bin/berth", "m", true, s.credentials, s.n_credentials, opts, &argv), 0,
                     "launcher_run_argv() with credentials");
        joined = join(argv);
        check_streq(joined,
                    "/usr/bin/berth run --quiet --keep-unit -U --machine=m --boot --private-network --link-journal=try-guest "
                    "--settings=override --load-credential=pw:pw --load-credential=key:key --load-credential=up:up "
                    "--load-credential=p%c:p%c -D /srv/m",
                    "berth run takes each credential from the unit's, by its ID; no value on the command line");
        free(joined);
        strv_free(argv);

        FILE *f = open_memstream(&text, &size);
        check_int_eq(unit_file_launcher(f, "/usr/bin/berth", "m", true, opts, s.credentials, s.n_credentials), 0,
                     "unit_file_launcher() with credentials");
        fclose(f);
        check(strstr(text, "\nSetCredential=pw:x\\x20y\\x25\\x0a\\x5c\\x22\\x27\\xc3\\xa9\\x00\n"),
              "SetCredential=: bytes that a unit file would change, as \\xHH");
        check(strstr(text, "\nLoadCredential=key:/etc/ssl/100%%.pem\n") && strstr(text, "\nLoadCredential=up:up\n") &&
                      strstr(text, "\nSetCredential=p%%c:1\n"),
              "LoadCredential=: the path (or the manager's credential), '%%' doubled as for specifiers");
        check(strstr(text, "\"--load-credential=p%%c:p%%c\""), "ExecStart=: quoted, '%%' doubled");
        check(!strstr(text, "x y"), "the value is nowhere else in the unit");
        free(text);
        text = NULL;

        /* The same lines in a single-process unit. */
        char *params[] = { (char *) "/bin/sleep", (char *) "100", NULL };
        Id128 uuid = {};
        s.parameters = strv_copy(params);
        f = open_memstream(&text, &size);
        check_int_eq(unit_file_single_process(f, "/usr/bin/berth", "m", "/var/lib/machines/m", "/bin/sleep", &uuid, &s, NULL, 252),
                     0, "unit_file_single_process() with credentials");
        fclose(f);
        check(strstr(text, "\nSetCredential=pw:x\\x20y") && strstr(text, "\nLoadCredential=key:/etc/ssl/100%%.pem\n"),
              "a single-process unit has them as its own");
        check(!strstr(text, "--load-credential"), "and no berth run to pass them on");
        free(text);
        text = NULL;
        settings_done(&s);

        /* What a unit file line would lose: refused. */
        static const char *const blank_id[] = { "run", "--set-credential= id:1", NULL };
        static const char *const blank_path[] = { "run", "--load-credential=id:/etc/x ", NULL };
        const char *const *bad[] = { blank_id, blank_path };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                credentials_settings(&s, bad[i]);
                f = open_memstream(&text, &size);
                check_int_eq(unit_file_launcher(f, "/usr/bin/berth", "m", true, NULL, s.credentials, s.n_credentials),
                             -EOPNOTSUPP, "'%s' cannot be written to a unit file", bad[i][1]);
                fclose(f);
                free(text);
                text = NULL;
                settings_done(&s);
        }
}

int main(void) {
        test_private_pids();
        test_launcher_argv();
        test_launcher_unit();
        test_credentials();
        return tap_finish();
}
