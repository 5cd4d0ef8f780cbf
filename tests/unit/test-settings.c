/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "strv.h"
#include "tap.h"

/* An argv for "berth run": the verb, then the given arguments. */
#define ARGS(...) ((const char *const[]) { "run", __VA_ARGS__, NULL })

static const char *strnull(const char *s) {
        return s ?: "(null)";
}

/* The arguments as one line, for test descriptions. */
static char *args_join(const char *const *args) {
        size_t n = 1;
        for (const char *const *a = args; *a; a++)
                n += strlen(*a) + 1;
        char *s = calloc(n, 1);
        if (!s)
                abort();
        for (const char *const *a = args; *a; a++) {
                if (a != args)
                        strcat(s, " ");
                strcat(s, *a);
        }
        return s;
}

/* Initialises s and parses a private copy of args into it, so nothing may keep pointers into argv. */
static int parse(Settings *s, char **error, const char *const *args) {
        int argc = 0;
        while (args[argc])
                argc++;
        char **argv = calloc((size_t) argc + 1, sizeof(char *));
        if (!argv)
                abort();
        for (int i = 0; i < argc; i++)
                if (!(argv[i] = strdup(args[i])))
                        abort();

        settings_init(s);
        int r = settings_parse_run_argv(s, argc, argv, error);
        strv_free(argv);
        return r;
}

/* One test point: args parse without error. Leaves the result in *s for further checks. */
static bool parse_ok_at(int line, Settings *s, const char *const *args) {
        char *error = NULL, *cmd = args_join(args);
        int r = parse(s, &error, args);
        bool ok = tap_result(r == 0 && !error, __FILE__, line, "'%s' is accepted", cmd);
        if (!ok)
                tap_diag("returned %d, error %s", r, strnull(error));
        free(error);
        free(cmd);
        return ok;
}
#define parse_ok(s, ...) parse_ok_at(__LINE__, (s), ARGS(__VA_ARGS__))

/* Test points: args are refused with -EINVAL and a one-line error that mentions needle (if given). */
static void refused_at(int line, const char *needle, const char *const *args) {
        Settings s;
        char *error = NULL, *cmd = args_join(args);
        int r = parse(&s, &error, args);

        if (!tap_result(r == -EINVAL && error, __FILE__, line, "'%s' is refused with an error", cmd))
                tap_diag("returned %d, error %s", r, strnull(error));
        bool one_line = error && *error;
        for (const char *p = error; p && *p; p++)
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        one_line = false;
        tap_result(one_line, __FILE__, line, "'%s': the error is one line of printable text: %s", cmd, strnull(error));
        if (needle)
                tap_result(error && strstr(error, needle), __FILE__, line, "'%s': the error mentions '%s'", cmd, needle);
        settings_done(&s);
        free(error);
        free(cmd);
}
#define check_refused(needle, ...) refused_at(__LINE__, (needle), ARGS(__VA_ARGS__))

static const char *strv_show(char *const *l) {
        static char buf[512];
        size_t n = 0;

        if (!l)
                return "(null)";
        buf[0] = 0;
        for (char *const *p = l; *p && n < sizeof buf; p++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", p == l ? "" : "|", *p);
        return buf;
}

#define CAP(c) (UINT64_C(1) << (c))

static void test_defaults(void) {
        Settings s;
        char *error = (char *) "unset";
        int r = parse(&s, &error, (const char *const[]) { "run", NULL });

        check_int_eq(r, 0, "'run' alone is accepted");
        check(!error, "'run' alone sets no error");
        check_int_eq(s.mask, 0, "'run' alone sets no mask bit");
        check_int_eq(s.start_mode, START_PID1, "default start mode is pid1");
        check_int_eq(s.volatile_mode, VOLATILE_NO, "default volatile mode is no");
        check_int_eq(s.console_mode, _CONSOLE_MODE_INVALID, "default console mode is decided later");
        check_int_eq(s.register_mode, REGISTER_AUTO, "default register mode is auto");
        check(!s.directory && !s.machine && !s.hostname && !s.parameters && !s.environment && !s.user &&
                      !s.working_directory && s.n_custom_mounts == 0 && !s.custom_mounts,
              "'run' alone sets no string or list");
        check(!s.read_only && !s.ephemeral && !s.quiet && !s.keep_unit && !s.private_network &&
                      !s.no_new_privileges && s.kill_signal == 0 && id128_is_null(&s.uuid),
              "'run' alone sets no flag");
        settings_done(&s);

        parse_ok(&s, "--");
        check(!s.parameters && !(s.mask & SETTING_PARAMETERS), "'run --' gives no parameters");
        settings_done(&s);
}

static void test_simple_options(void) {
        Settings s;

        if (parse_ok(&s, "-D", "/srv/root")) {
                check_streq(s.directory, "/srv/root", "-D sets the directory");
                check_int_eq(s.mask, SETTING_DIRECTORY, "-D sets only SETTING_DIRECTORY");
        }
        settings_done(&s);
        if (parse_ok(&s, "--directory=/a", "--directory=relative/b"))
                check_streq(s.directory, "relative/b", "the last --directory= wins (relative allowed)");
        settings_done(&s);

        if (parse_ok(&s, "-M", "debian-12.test")) {
                check_streq(s.machine, "debian-12.test", "-M sets the machine name");
                check_int_eq(s.mask, 0, "-M sets no mask bit (not a settings-file setting)");
        }
        settings_done(&s);
        if (parse_ok(&s, "--machine=foo"))
                check_streq(s.machine, "foo", "--machine= sets the machine name");
        settings_done(&s);

        if (parse_ok(&s, "-b")) {
                check_int_eq(s.start_mode, START_BOOT, "-b sets boot mode");
                check_int_eq(s.mask, SETTING_START_MODE, "-b sets only SETTING_START_MODE");
        }
        settings_done(&s);
        if (parse_ok(&s, "--boot"))
                check_int_eq(s.start_mode, START_BOOT, "--boot sets boot mode");
        settings_done(&s);
        if (parse_ok(&s, "-a")) {
                check_int_eq(s.start_mode, START_PID2, "-a sets pid2 mode");
                check_int_eq(s.mask, SETTING_START_MODE, "-a sets only SETTING_START_MODE");
        }
        settings_done(&s);
        if (parse_ok(&s, "--as-pid2"))
                check_int_eq(s.start_mode, START_PID2, "--as-pid2 sets pid2 mode");
        settings_done(&s);
        if (parse_ok(&s, "-b", "--boot"))
                check_int_eq(s.start_mode, START_BOOT, "-b twice is fine");
        settings_done(&s);

        if (parse_ok(&s, "--chdir=/var/tmp")) {
                check_streq(s.working_directory, "/var/tmp", "--chdir= sets the working directory");
                check_int_eq(s.mask, SETTING_WORKING_DIRECTORY, "--chdir= sets only SETTING_WORKING_DIRECTORY");
        }
        settings_done(&s);

        if (parse_ok(&s, "-u", "daemon")) {
                check_streq(s.user, "daemon", "-u sets the user");
                check_int_eq(s.mask, SETTING_USER, "-u sets only SETTING_USER");
        }
        settings_done(&s);
        static const char *const users[] = { "root", "0", "1000", "user.name", "u-1", "_apt", "sys$", "Admin" };
        for (size_t i = 0; i < ELEMENTSOF(users); i++) {
                char opt[64];
                snprintf(opt, sizeof opt, "--user=%s", users[i]);
                if (parse_ok(&s, opt))
                        check_streq(s.user, users[i], "--user=%s", users[i]);
                settings_done(&s);
        }

        if (parse_ok(&s, "--hostname=web-1.example")) {
                check_streq(s.hostname, "web-1.example", "--hostname= sets the hostname");
                check_int_eq(s.mask, SETTING_HOSTNAME, "--hostname= sets only SETTING_HOSTNAME");
        }
        settings_done(&s);

        if (parse_ok(&s, "--read-only")) {
                check(s.read_only, "--read-only sets read_only");
                check_int_eq(s.mask, SETTING_READ_ONLY, "--read-only sets only SETTING_READ_ONLY");
        }
        settings_done(&s);

        if (parse_ok(&s, "-x")) {
                check(s.ephemeral, "-x sets ephemeral");
                check_int_eq(s.mask, SETTING_EPHEMERAL, "-x sets only SETTING_EPHEMERAL");
        }
        settings_done(&s);
        if (parse_ok(&s, "--ephemeral"))
                check(s.ephemeral, "--ephemeral sets ephemeral");
        settings_done(&s);

        if (parse_ok(&s, "--private-network")) {
                check(s.private_network, "--private-network sets private_network");
                check_int_eq(s.mask, SETTING_NETWORK, "--private-network sets only SETTING_NETWORK");
        }
        settings_done(&s);

        if (parse_ok(&s, "--no-new-privileges")) {
                check(s.no_new_privileges, "--no-new-privileges without a value is yes");
                check_int_eq(s.mask, SETTING_NO_NEW_PRIVILEGES,
                             "--no-new-privileges sets only SETTING_NO_NEW_PRIVILEGES");
        }
        settings_done(&s);
        if (parse_ok(&s, "--no-new-privileges=yes", "--no-new-privileges=no")) {
                check(!s.no_new_privileges, "--no-new-privileges=no after =yes is no");
                check_int_eq(s.mask, SETTING_NO_NEW_PRIVILEGES, "--no-new-privileges=no still sets the mask bit");
        }
        settings_done(&s);
        check_refused("--no-new-privileges=maybe", "--no-new-privileges=maybe");

        if (parse_ok(&s, "-q")) {
                check(s.quiet, "-q sets quiet");
                check_int_eq(s.mask, 0, "-q sets no mask bit");
        }
        settings_done(&s);
        if (parse_ok(&s, "--quiet"))
                check(s.quiet, "--quiet sets quiet");
        settings_done(&s);

        if (parse_ok(&s, "--keep-unit")) {
                check(s.keep_unit, "--keep-unit sets keep_unit");
                check_int_eq(s.mask, 0, "--keep-unit sets no mask bit");
        }
        settings_done(&s);

        /* Clustered short options. */
        if (parse_ok(&s, "-bqD/r")) {
                check(s.start_mode == START_BOOT && s.quiet && streq_ptr(s.directory, "/r"), "-bqD/r");
                check_int_eq(s.mask, SETTING_START_MODE | SETTING_DIRECTORY, "-bqD/r sets two mask bits");
        }
        settings_done(&s);

        /* The mask collects one bit per option given. */
        if (parse_ok(&s, "-D", "/r", "-b", "-E", "A=1", "--bind=/a", "--hostname=h", "--uuid=0123456789abcdef0123456789abcdef",
                     "--kill-signal=INT", "--capability=CAP_NET_ADMIN", "--chdir=/", "--console=pipe", "/sbin/init"))
                check_int_eq(s.mask,
                             SETTING_DIRECTORY | SETTING_START_MODE | SETTING_ENVIRONMENT | SETTING_CUSTOM_MOUNTS |
                                     SETTING_HOSTNAME | SETTING_MACHINE_ID | SETTING_KILL_SIGNAL | SETTING_CAPABILITY |
                                     SETTING_WORKING_DIRECTORY | SETTING_CONSOLE_MODE | SETTING_PARAMETERS,
                             "many options: the mask is the union of their bits");
        settings_done(&s);
}

static void test_parameters(void) {
        Settings a, b;

        if (parse_ok(&a, "-D", "R", "/bin/true") && parse_ok(&b, "-D", "R", "--", "/bin/true")) {
                check_streq(strv_show(a.parameters), "/bin/true", "'-D R /bin/true' parameters");
                check_streq(strv_show(b.parameters), "/bin/true", "'-D R -- /bin/true' parameters");
                check_streq(a.directory, "R", "the directory before the command");
                check(a.mask == b.mask && a.mask == (SETTING_DIRECTORY | SETTING_PARAMETERS),
                      "with and without '--' the masks are the same");
        }
        settings_done(&a);
        settings_done(&b);

        if (parse_ok(&a, "-D", "R", "/bin/sh", "-c", "exit 7")) {
                check_streq(strv_show(a.parameters), "/bin/sh|-c|exit 7", "'-c' after the command is a parameter");
                check_int_eq(strv_length(a.parameters), 3, "three parameters");
        }
        settings_done(&a);

        if (parse_ok(&a, "/bin/true", "-b", "--boot", "-D", "/x")) {
                check_streq(strv_show(a.parameters), "/bin/true|-b|--boot|-D|/x", "options after the command are parameters");
                check(a.start_mode == START_PID1 && !a.directory, "options after the command are not parsed");
                check_int_eq(a.mask, SETTING_PARAMETERS, "only SETTING_PARAMETERS");
        }
        settings_done(&a);

        if (parse_ok(&a, "-b", "--", "-b", "--", "x"))
                check_streq(strv_show(a.parameters), "-b|--|x", "after '--', '-b' and '--' are parameters");
        settings_done(&a);

        if (parse_ok(&a, "-b", "systemd.unit=rescue.target", ""))
                check_streq(strv_show(a.parameters), "systemd.unit=rescue.target|", "init arguments, an empty one kept");
        settings_done(&a);

        if (parse_ok(&a, "-"))
                check_streq(strv_show(a.parameters), "-", "a lone '-' is a parameter");
        settings_done(&a);
}

static void test_conflicts(void) {
        Settings s;

        check_refused("--as-pid2", "-b", "-a");
        check_refused("--as-pid2", "-a", "-b");
        check_refused("--as-pid2", "--as-pid2", "--boot");
        check_refused("--as-pid2", "-ab");

        check_refused("--ephemeral", "-x", "--volatile");
        check_refused("--ephemeral", "--volatile=state", "-x");
        check_refused("--ephemeral", "--volatile=overlay", "--ephemeral");
        check_refused("--read-only", "-x", "--read-only");
        check_refused("--read-only", "--read-only", "--ephemeral");
        check_refused("--read-only", "--volatile=yes", "--read-only");

        if (parse_ok(&s, "-x", "--volatile=no"))
                check(s.ephemeral && s.volatile_mode == VOLATILE_NO, "-x with --volatile=no is fine");
        settings_done(&s);

        check_refused("--user", "-b", "-u", "daemon");
        if (parse_ok(&s, "-b", "-u", "root"))
                check_streq(s.user, "root", "-b with -u root is fine");
        settings_done(&s);
}

static void test_volatile(void) {
        static const struct {
                const char *arg;
                VolatileMode mode;
        } cases[] = {
                { "--volatile", VOLATILE_YES },        { "--volatile=yes", VOLATILE_YES },
                { "--volatile=no", VOLATILE_NO },      { "--volatile=state", VOLATILE_STATE },
                { "--volatile=overlay", VOLATILE_OVERLAY }, { "--volatile=1", VOLATILE_YES },
                { "--volatile=false", VOLATILE_NO },
        };
        Settings s;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                if (parse_ok(&s, cases[i].arg)) {
                        check_int_eq(s.volatile_mode, cases[i].mode, "%s gives %s", cases[i].arg,
                                     volatile_mode_to_string(cases[i].mode));
                        check_int_eq(s.mask, SETTING_VOLATILE_MODE, "%s sets only SETTING_VOLATILE_MODE", cases[i].arg);
                }
                settings_done(&s);
        }
        check_refused("garbage", "--volatile=garbage");
        check_refused("--volatile", "--volatile=");

        /* An optional argument only attaches with '='. */
        if (parse_ok(&s, "--volatile", "state"))
                check(s.volatile_mode == VOLATILE_YES && streq(strv_show(s.parameters), "state"),
                      "'--volatile state': yes, and 'state' is the command");
        settings_done(&s);
}

static void test_console_register(void) {
        static const struct {
                const char *arg;
                ConsoleMode mode;
        } consoles[] = {
                { "--console=interactive", CONSOLE_INTERACTIVE }, { "--console=read-only", CONSOLE_READ_ONLY },
                { "--console=passive", CONSOLE_PASSIVE },         { "--console=pipe", CONSOLE_PIPE },
                { "--console=autopipe", CONSOLE_AUTOPIPE },       { "-P", CONSOLE_PIPE },
                { "--pipe", CONSOLE_PIPE },
        };
        static const struct {
                const char *arg;
                RegisterMode mode;
        } registers[] = {
                { "--register=no", REGISTER_NO },     { "--register=yes", REGISTER_YES },
                { "--register=auto", REGISTER_AUTO }, { "--register=false", REGISTER_NO },
                { "--register=1", REGISTER_YES },
        };
        Settings s;

        for (size_t i = 0; i < ELEMENTSOF(consoles); i++) {
                if (parse_ok(&s, consoles[i].arg)) {
                        check_int_eq(s.console_mode, consoles[i].mode, "%s gives %s", consoles[i].arg,
                                     console_mode_to_string(consoles[i].mode));
                        check_int_eq(s.mask, SETTING_CONSOLE_MODE, "%s sets only SETTING_CONSOLE_MODE", consoles[i].arg);
                }
                settings_done(&s);
        }
        if (parse_ok(&s, "--console=passive", "-P"))
                check_int_eq(s.console_mode, CONSOLE_PIPE, "-P after --console=passive wins");
        settings_done(&s);
        check_refused("tty", "--console=tty");
        check_refused("--console", "--console=");

        for (size_t i = 0; i < ELEMENTSOF(registers); i++) {
                if (parse_ok(&s, registers[i].arg)) {
                        check_int_eq(s.register_mode, registers[i].mode, "%s gives %s", registers[i].arg,
                                     register_mode_to_string(registers[i].mode));
                        check_int_eq(s.mask, 0, "%s sets no mask bit", registers[i].arg);
                }
                settings_done(&s);
        }
        check_refused("sometimes", "--register=sometimes");
        check_refused("--register", "--register=");
}

static void test_bind(void) {
        Settings s;
        CustomMount *m;

        if (parse_ok(&s, "--bind=/a")) {
                m = s.custom_mounts;
                check(s.n_custom_mounts == 1 && m->type == CUSTOM_MOUNT_BIND, "--bind=/a adds one bind mount");
                check_streq(m->source, "/a", "--bind=/a source");
                check_streq(m->destination, "/a", "--bind=/a destination is the source");
                check(m->recursive && !m->read_only && !m->source_in_root, "--bind=/a is recursive and writable");
                check_int_eq(s.mask, SETTING_CUSTOM_MOUNTS, "--bind sets only SETTING_CUSTOM_MOUNTS");
        }
        settings_done(&s);

        if (parse_ok(&s, "--bind=/a:/b")) {
                m = s.custom_mounts;
                check(streq_ptr(m->source, "/a") && streq_ptr(m->destination, "/b") && m->recursive,
                      "--bind=/a:/b: source /a, destination /b, recursive");
        }
        settings_done(&s);

        if (parse_ok(&s, "--bind=/a:/b:norbind")) {
                m = s.custom_mounts;
                check(streq_ptr(m->source, "/a") && streq_ptr(m->destination, "/b") && !m->recursive,
                      "--bind=/a:/b:norbind is not recursive");
        }
        settings_done(&s);

        if (parse_ok(&s, "--bind=/a:/b:rbind"))
                check(s.custom_mounts[0].recursive, "--bind=/a:/b:rbind is recursive");
        settings_done(&s);

        if (parse_ok(&s, "--bind=+rel:/b")) {
                m = s.custom_mounts;
                check(m->source_in_root, "--bind=+rel:/b has its source in the machine's root");
                check_streq(m->source, "/rel", "--bind=+rel:/b source inside the root");
                check_streq(m->destination, "/b", "--bind=+rel:/b destination");
        }
        settings_done(&s);

        if (parse_ok(&s, "--bind=+/usr/share"))
                check(s.custom_mounts[0].source_in_root && streq_ptr(s.custom_mounts[0].source, "/usr/share") &&
                              streq_ptr(s.custom_mounts[0].destination, "/usr/share"),
                      "--bind=+/usr/share: in-root source, same destination");
        settings_done(&s);

        if (parse_ok(&s, "--bind=/a\\:x:/b")) {
                m = s.custom_mounts;
                check_streq(m->source, "/a:x", "an escaped colon stays in the source");
                check_streq(m->destination, "/b", "... and the destination is still /b");
        }
        settings_done(&s);

        if (parse_ok(&s, "--bind=/a:/b\\:c"))
                check_streq(s.custom_mounts[0].destination, "/b:c", "an escaped colon in the destination");
        settings_done(&s);

        if (parse_ok(&s, "--bind=//a/./b/:/c//d/"))
                check(streq_ptr(s.custom_mounts[0].source, "/a/b") && streq_ptr(s.custom_mounts[0].destination, "/c/d"),
                      "bind paths are normalized");
        settings_done(&s);

        if (parse_ok(&s, "--bind-ro=/a:/b")) {
                m = s.custom_mounts;
                check(m->type == CUSTOM_MOUNT_BIND && m->read_only && streq_ptr(m->destination, "/b"),
                      "--bind-ro sets read_only");
        }
        settings_done(&s);

        if (parse_ok(&s, "--bind=/1", "--bind-ro=/2:/two", "--bind=/3")) {
                check_int_eq(s.n_custom_mounts, 3, "three binds give three mounts");
                check(s.n_custom_mounts == 3 && streq_ptr(s.custom_mounts[0].source, "/1") &&
                              streq_ptr(s.custom_mounts[1].source, "/2") && s.custom_mounts[1].read_only &&
                              streq_ptr(s.custom_mounts[2].source, "/3") && !s.custom_mounts[2].read_only,
                      "mounts are kept in order");
        }
        settings_done(&s);

        check_refused("a:/b", "--bind=a:/b");
        check_refused("/a:b", "--bind=/a:b");
        check_refused("bogus", "--bind=/a:/b:bogus");
        check_refused("--bind-ro", "--bind-ro=/a:/b:bogus");
        check_refused(NULL, "--bind=/a:/b:rbind:x");
        check_refused(NULL, "--bind=/a/../b");
        check_refused(NULL, "--bind=/a:/b/..");
        check_refused(NULL, "--bind=:/b");
        check_refused(NULL, "--bind=/a:/b:");
        check_refused(NULL, "--bind=/a\n:/b");
        check_refused("--bind", "--bind=");
        check_refused("--bind-ro", "--bind-ro=");
}

static void test_tmpfs_inaccessible(void) {
        Settings s;
        CustomMount *m;

        if (parse_ok(&s, "--tmpfs=/t")) {
                m = s.custom_mounts;
                check(s.n_custom_mounts == 1 && m->type == CUSTOM_MOUNT_TMPFS, "--tmpfs adds a tmpfs mount");
                check_streq(m->destination, "/t", "--tmpfs=/t destination");
                check_streq(m->options, "mode=0755", "--tmpfs=/t default options");
                check_int_eq(s.mask, SETTING_CUSTOM_MOUNTS, "--tmpfs sets only SETTING_CUSTOM_MOUNTS");
        }
        settings_done(&s);

        if (parse_ok(&s, "--tmpfs=/t:size=1M,mode=0700")) {
                check_streq(s.custom_mounts[0].destination, "/t", "--tmpfs=/t:OPTIONS destination");
                check_streq(s.custom_mounts[0].options, "size=1M,mode=0700", "--tmpfs=/t:OPTIONS options");
        }
        settings_done(&s);

        if (parse_ok(&s, "--tmpfs=/var//tmp/"))
                check_streq(s.custom_mounts[0].destination, "/var/tmp", "tmpfs destination is normalized");
        settings_done(&s);

        check_refused("rel", "--tmpfs=rel");
        check_refused(NULL, "--tmpfs=:size=1M");
        check_refused(NULL, "--tmpfs=/a/../b");
        check_refused("--tmpfs", "--tmpfs=");

        if (parse_ok(&s, "--inaccessible=/proc/kcore")) {
                m = s.custom_mounts;
                check(s.n_custom_mounts == 1 && m->type == CUSTOM_MOUNT_INACCESSIBLE, "--inaccessible adds a mount");
                check_streq(m->destination, "/proc/kcore", "--inaccessible destination");
                check_int_eq(s.mask, SETTING_CUSTOM_MOUNTS, "--inaccessible sets only SETTING_CUSTOM_MOUNTS");
        }
        settings_done(&s);
        check_refused("proc", "--inaccessible=proc");
        check_refused("--inaccessible", "--inaccessible=");
}

static void test_overlay(void) {
        Settings s;
        CustomMount *m;

        /* nspawn: with two paths, the second is both the upper layer and the destination. */
        if (parse_ok(&s, "--overlay=/lower:/dest")) {
                m = s.custom_mounts;
                check(s.n_custom_mounts == 1 && m->type == CUSTOM_MOUNT_OVERLAY && !m->read_only,
                      "--overlay adds a writable overlay");
                check_streq(strv_show(m->lower), "/lower", "2 paths: lower is the first");
                check_streq(m->upper, "/dest", "2 paths: upper is the second");
                check_streq(m->destination, "/dest", "2 paths: destination is the second");
                check_int_eq(s.mask, SETTING_CUSTOM_MOUNTS, "--overlay sets only SETTING_CUSTOM_MOUNTS");
        }
        settings_done(&s);

        /* With three or more: the last is the destination, the second-to-last the upper, the rest lower. */
        if (parse_ok(&s, "--overlay=/l:/u:/d")) {
                m = s.custom_mounts;
                check_streq(strv_show(m->lower), "/l", "3 paths: one lower");
                check_streq(m->upper, "/u", "3 paths: upper is the second-to-last");
                check_streq(m->destination, "/d", "3 paths: destination is the last");
        }
        settings_done(&s);

        if (parse_ok(&s, "--overlay=/l:/u//x/:/d"))
                check_streq(s.custom_mounts[0].upper, "/u/x", "the upper is normalized (its work dir goes beside it)");
        settings_done(&s);

        if (parse_ok(&s, "--overlay=/l:/mnt/w/"))
                check_streq(s.custom_mounts[0].upper, "/mnt/w", "the two-path upper is normalized");
        settings_done(&s);

        if (parse_ok(&s, "--overlay=/l1:/l2:/l3:/u:/d")) {
                m = s.custom_mounts;
                check_streq(strv_show(m->lower), "/l1|/l2|/l3", "5 paths: three lower, lowest first");
                check_streq(m->upper, "/u", "5 paths: upper");
                check_streq(m->destination, "/d", "5 paths: destination");
        }
        settings_done(&s);

        if (parse_ok(&s, "--overlay=/l::/d")) {
                m = s.custom_mounts;
                check_streq(m->upper, "", "an empty upper means a temporary one");
                check_streq(strv_show(m->lower), "/l", "... with the lower");
                check_streq(m->destination, "/d", "... and the destination");
        }
        settings_done(&s);

        if (parse_ok(&s, "--overlay=/l\\:1:/u:/d"))
                check_streq(strv_show(s.custom_mounts[0].lower), "/l:1", "an escaped colon in a lower path");
        settings_done(&s);

        /* Read-only: the same layers as nspawn (--overlay-ro=A:B mounts lowerdir=B:A on B), no upper. */
        if (parse_ok(&s, "--overlay-ro=/l1:/l2:/d")) {
                m = s.custom_mounts;
                check(m->type == CUSTOM_MOUNT_OVERLAY && m->read_only, "--overlay-ro adds a read-only overlay");
                check_streq(strv_show(m->lower), "/l1|/l2", "--overlay-ro 3 paths: all but the last are layers");
                check_streq(m->upper, NULL, "--overlay-ro has no upper");
                check_streq(m->destination, "/d", "--overlay-ro destination is the last");
        }
        settings_done(&s);

        if (parse_ok(&s, "--overlay-ro=/a:/b")) {
                m = s.custom_mounts;
                check_streq(strv_show(m->lower), "/a|/b", "--overlay-ro 2 paths: both are layers, /b on top");
                check_streq(m->upper, NULL, "--overlay-ro 2 paths: no upper");
                check_streq(m->destination, "/b", "--overlay-ro 2 paths: destination is the second");
        }
        settings_done(&s);

        check_refused("--overlay", "--overlay=/only");
        check_refused("--overlay", "--overlay=/l:rel");
        check_refused("--overlay", "--overlay=rel:/d");
        check_refused("--overlay", "--overlay=/l:/u:rel");
        check_refused("--overlay", "--overlay=/l:");
        check_refused("--overlay", "--overlay=:/d");
        check_refused("--overlay", "--overlay=");
        check_refused("--overlay-ro", "--overlay-ro=/only");
        check_refused("--overlay-ro", "--overlay-ro=/l::/d");
        check_refused("--overlay-ro", "--overlay-ro=");
}

/* nspawn's default capability set, written out independently of settings.c. */
static uint64_t nspawn_default_caps(void) {
        return CAP(CAP_AUDIT_CONTROL) | CAP(CAP_AUDIT_WRITE) | CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) |
               CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_FOWNER) | CAP(CAP_FSETID) | CAP(CAP_IPC_OWNER) | CAP(CAP_KILL) |
               CAP(CAP_LEASE) | CAP(CAP_LINUX_IMMUTABLE) | CAP(CAP_MKNOD) | CAP(CAP_NET_BIND_SERVICE) |
               CAP(CAP_NET_BROADCAST) | CAP(CAP_NET_RAW) | CAP(CAP_SETFCAP) | CAP(CAP_SETGID) | CAP(CAP_SETPCAP) |
               CAP(CAP_SETUID) | CAP(CAP_SYS_ADMIN) | CAP(CAP_SYS_BOOT) | CAP(CAP_SYS_CHROOT) | CAP(CAP_SYS_NICE) |
               CAP(CAP_SYS_PTRACE) | CAP(CAP_SYS_RESOURCE) | CAP(CAP_SYS_TTY_CONFIG);
}

static void test_capabilities(void) {
        Settings s;
        uint64_t def = nspawn_default_caps();

        check_int_eq(capability_default_set(), def, "the default set is nspawn's");
        check(!(def & CAP(CAP_NET_ADMIN)) && !(def & CAP(CAP_SYS_TIME)) && !(def & CAP(CAP_SYS_MODULE)),
              "the default set lacks CAP_NET_ADMIN, CAP_SYS_TIME, CAP_SYS_MODULE");

        if (parse_ok(&s, "-D", "/r"))
                check_int_eq(settings_effective_capabilities(&s), def, "without options: the default set");
        settings_done(&s);

        if (parse_ok(&s, "--private-network"))
                check_int_eq(settings_effective_capabilities(&s), def | CAP(CAP_NET_ADMIN),
                             "--private-network adds CAP_NET_ADMIN");
        settings_done(&s);

        if (parse_ok(&s, "--capability=CAP_NET_ADMIN,cap_sys_time")) {
                check_int_eq(s.capability_add, CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_TIME), "--capability= sets the add set");
                check_int_eq(s.capability_drop, 0, "--capability= leaves the drop set");
                check_int_eq(s.mask, SETTING_CAPABILITY, "--capability= sets only SETTING_CAPABILITY");
                check_int_eq(settings_effective_capabilities(&s), def | CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_TIME),
                             "--capability= adds to the default set");
        }
        settings_done(&s);

        if (parse_ok(&s, "--drop-capability=CAP_SYS_ADMIN,CAP_MKNOD")) {
                check_int_eq(s.capability_drop, CAP(CAP_SYS_ADMIN) | CAP(CAP_MKNOD), "--drop-capability= sets the drop set");
                check_int_eq(s.mask, SETTING_CAPABILITY, "--drop-capability= sets only SETTING_CAPABILITY");
                check_int_eq(settings_effective_capabilities(&s), def & ~(CAP(CAP_SYS_ADMIN) | CAP(CAP_MKNOD)),
                             "--drop-capability= removes from the default set");
        }
        settings_done(&s);

        if (parse_ok(&s, "--private-network", "--drop-capability=CAP_NET_ADMIN"))
                check_int_eq(settings_effective_capabilities(&s), def,
                             "--drop-capability=CAP_NET_ADMIN beats --private-network");
        settings_done(&s);

        if (parse_ok(&s, "--capability=CAP_SYS_TIME", "--drop-capability=CAP_SYS_TIME"))
                check(!(settings_effective_capabilities(&s) & CAP(CAP_SYS_TIME)), "a later drop wins over an add");
        settings_done(&s);

        if (parse_ok(&s, "--drop-capability=CAP_SYS_TIME,CAP_CHOWN", "--capability=CAP_SYS_TIME")) {
                uint64_t e = settings_effective_capabilities(&s);
                check((e & CAP(CAP_SYS_TIME)) && !(e & CAP(CAP_CHOWN)), "a later add wins over a drop, the rest stays");
        }
        settings_done(&s);

        if (parse_ok(&s, "--capability=all"))
                check_int_eq(settings_effective_capabilities(&s), (CAP(CAP_LAST_CAP) << 1) - 1,
                             "--capability=all keeps every capability");
        settings_done(&s);

        if (parse_ok(&s, "--private-network", "--drop-capability=all"))
                check_int_eq(settings_effective_capabilities(&s), 0, "--drop-capability=all keeps none");
        settings_done(&s);

        check_refused("CAP_FROBNICATE", "--capability=CAP_FROBNICATE");
        check_refused("--drop-capability", "--drop-capability=CAP_CHOWN,,CAP_KILL");
        check_refused("--capability", "--capability=");
        check_refused("--drop-capability", "--drop-capability=");
}

static void test_environment(void) {
        Settings s;

        if (parse_ok(&s, "-E", "FOO=bar")) {
                check_streq(strv_show(s.environment), "FOO=bar", "-E FOO=bar");
                check_int_eq(s.mask, SETTING_ENVIRONMENT, "-E sets only SETTING_ENVIRONMENT");
        }
        settings_done(&s);

        if (parse_ok(&s, "-E", "A=1", "--setenv=B=2", "-E", "A=3", "-E", "C="))
                check_streq(strv_show(s.environment), "A=3|B=2|C=", "a later -E replaces the same NAME in place");
        settings_done(&s);

        if (parse_ok(&s, "-E", "X=a=b c"))
                check_streq(strv_env_get(s.environment, "X"), "a=b c", "values keep '=' and blanks");
        settings_done(&s);

        setenv("BERTH_TEST_FROM_ENV", "from the environment", 1);
        if (parse_ok(&s, "-E", "BERTH_TEST_FROM_ENV"))
                check_streq(strv_show(s.environment), "BERTH_TEST_FROM_ENV=from the environment",
                            "-E NAME takes the value from the environment");
        settings_done(&s);
        unsetenv("BERTH_TEST_FROM_ENV");
        check_refused("BERTH_TEST_FROM_ENV", "-E", "BERTH_TEST_FROM_ENV");

        check_refused("=x", "-E", "=x");
        check_refused("1A=b", "-E", "1A=b");
        check_refused(NULL, "-E", "A-B=c");
        check_refused(NULL, "-E", "A=b\001");
        check_refused(NULL, "--setenv=");
        check_refused(NULL, "-E", "");
}

static void test_invalid_values(void) {
        char name[80];
        Settings s;

        check_refused("-foo", "-u", "-foo");
        check_refused("a b", "-u", "a b");
        check_refused("a:b", "--user=a:b");
        check_refused("a/b", "--user=a/b");
        check_refused(NULL, "--user=");
        check_refused(NULL, "-u", "");

        check_refused("foo_bar", "--hostname=foo_bar");
        check_refused("-x", "--hostname=-x");
        check_refused("a..b", "--hostname=a..b");
        check_refused(NULL, "--hostname=");

        if (parse_ok(&s, "--uuid=0123456789abcdef0123456789ABCDEF")) {
                char buf[33];
                check_streq(id128_to_string(&s.uuid, buf), "0123456789abcdef0123456789abcdef", "--uuid= 32 hex digits");
                check_int_eq(s.mask, SETTING_MACHINE_ID, "--uuid= sets only SETTING_MACHINE_ID");
        }
        settings_done(&s);
        if (parse_ok(&s, "--uuid=01234567-89ab-cdef-0123-456789abcdef")) {
                char buf[37];
                check_streq(id128_to_uuid_string(&s.uuid, buf), "01234567-89ab-cdef-0123-456789abcdef",
                            "--uuid= 8-4-4-4-12 form");
        }
        settings_done(&s);
        check_refused("garbage", "--uuid=garbage");
        check_refused(NULL, "--uuid=00000000-0000-0000-0000-000000000000");
        check_refused(NULL, "--uuid=0123456789abcdef0123456789abcde");
        check_refused("UUID", "--uuid=");

        if (parse_ok(&s, "--kill-signal=SIGRTMIN+3")) {
                check_int_eq(s.kill_signal, SIGRTMIN + 3, "--kill-signal=SIGRTMIN+3");
                check_int_eq(s.mask, SETTING_KILL_SIGNAL, "--kill-signal= sets only SETTING_KILL_SIGNAL");
        }
        settings_done(&s);
        if (parse_ok(&s, "--kill-signal=TERM"))
                check_int_eq(s.kill_signal, SIGTERM, "--kill-signal=TERM");
        settings_done(&s);
        if (parse_ok(&s, "--kill-signal=9"))
                check_int_eq(s.kill_signal, SIGKILL, "--kill-signal=9");
        settings_done(&s);
        check_refused("garbage", "--kill-signal=garbage");
        check_refused(NULL, "--kill-signal=0");
        check_refused("signal", "--kill-signal=");

        memset(name, 'm', 65);
        name[65] = 0;
        check_refused(name, "-M", name);
        name[32] = '.';
        name[64] = 0;
        if (parse_ok(&s, "-M", name))
                check_streq(s.machine, name, "-M with 64 characters");
        settings_done(&s);
        check_refused("foo_bar", "-M", "foo_bar");
        check_refused(NULL, "-M", "foo-");
        check_refused(NULL, "--machine=");

        check_refused("relative", "--chdir=relative");
        check_refused(NULL, "--chdir=");
        check_refused(NULL, "--directory=");
}

static void test_bad_options(void) {
        Settings s;
        char *error = (char *) "unset";

        check_refused("--frobnicate", "--frobnicate");
        check_refused("--frobnicate", "--frobnicate=1");
        check_refused("-Z", "-Z");
        check_refused("-Z", "-bZ");
        check_refused("-D", "-D");
        check_refused("-M", "-M");
        check_refused("-E", "-E");
        check_refused("-u", "-u");
        check_refused("--directory", "--directory");
        check_refused("--bind", "--bind");
        check_refused("--kill-signal", "--kill-signal");
        check_refused("--boot", "--boot=yes");
        check_refused("--private-network", "--private-network=1");
        check_refused("--help", "--help=x");
        check_refused("--b", "--b");

        /* The option at fault is named, never a credential's value: not the argument before an
         * unknown short option in a cluster, not the value of a mistyped --set-credential=. */
        check_refused("-Z", "--set-credential=pw:s3cret", "-qZb");
        check_refused("--set-credentail'", "--set-credentail=pw:s3cret");
        check_refused("--set'", "--set=pw:s3cret");
        check_refused("--read-only'", "--set-credential=pw:s3cret", "--read-only=s3cret");
        const char *const *const secret_args[] = {
                ARGS("--set-credential=pw:s3cret", "-Zq"),
                ARGS("--set-credential", "pw:s3cret", "-bZq"),
                ARGS("--set-credentail=pw:s3cret"),
                ARGS("--set=pw:s3cret"),
        };
        for (size_t i = 0; i < ELEMENTSOF(secret_args); i++) {
                _cleanup_free_ char *cmd = args_join(secret_args[i]);
                error = NULL;
                check(parse(&s, &error, secret_args[i]) == -EINVAL && error && !strstr(error, "s3cret"),
                      "'%s': the error does not quote the value", cmd);
                free(error);
                settings_done(&s);
        }

        check_int_eq(parse(&s, &error, ARGS("-h")), 1, "-h returns 1");
        check(!error, "-h sets no error");
        settings_done(&s);
        check_int_eq(parse(&s, &error, ARGS("-D", "/r", "--help", "--frobnicate")), 1, "--help returns 1");
        settings_done(&s);

        /* Values that would break the error line are not copied into it raw. */
        check_refused(NULL, "--hostname=a\nb");
        check_refused(NULL, "--uuid=\n");
        check_refused(NULL, "--frobnicate=\n");
        check_refused(NULL, "--kill-signal=TERM\r\n");
        check_refused(NULL, "--bind=/a:/b:\n");
        check_refused(NULL, "-E", "1\n=2");
}

static void test_parse_twice(void) {
        Settings a, b;
        char *error = NULL;

        if (parse_ok(&a, "-b", "-D", "/one", "/sbin/init") && parse_ok(&b, "-a", "-D", "/two", "/bin/sh")) {
                check(a.start_mode == START_BOOT && streq_ptr(a.directory, "/one") &&
                              streq(strv_show(a.parameters), "/sbin/init"),
                      "first parse");
                check(b.start_mode == START_PID2 && streq_ptr(b.directory, "/two") &&
                              streq(strv_show(b.parameters), "/bin/sh"),
                      "second parse starts afresh");
        }
        settings_done(&a);
        settings_done(&b);

        /* Stop inside a cluster of short options, then parse again. */
        check(parse(&a, &error, ARGS("-bZq", "x")) < 0, "an error inside a cluster of short options");
        settings_done(&a);
        free(error);
        if (parse_ok(&a, "-q", "/bin/true"))
                check(a.quiet && a.start_mode == START_PID1 && streq(strv_show(a.parameters), "/bin/true"),
                      "the parse after an error starts afresh");
        settings_done(&a);

        /* Parsing into settings that already hold values replaces and adds. */
        settings_init(&a);
        char *argv1[] = { (char *) "run", (char *) "-D", (char *) "/one", (char *) "--bind=/x", NULL };
        char *argv2[] = { (char *) "run", (char *) "-D", (char *) "/two", (char *) "--bind=/y", (char *) "cmd", NULL };
        check_int_eq(settings_parse_run_argv(&a, 4, argv1, &error), 0, "parse into fresh settings");
        check_int_eq(settings_parse_run_argv(&a, 5, argv2, &error), 0, "parse again into the same settings");
        check(streq_ptr(a.directory, "/two") && a.n_custom_mounts == 2 && streq(strv_show(a.parameters), "cmd"),
              "the second parse replaces the directory and adds a mount");
        settings_done(&a);
        check(!a.directory && a.n_custom_mounts == 0 && a.mask == 0, "settings_done resets the settings");
        settings_done(&a);
}

/* Test point: args are refused, and the error does not quote secret. */
static void refused_quietly_at(int line, const char *needle, const char *secret, const char *const *args) {
        Settings s;
        char *error = NULL, *cmd = args_join(args);
        int r = parse(&s, &error, args);

        if (!tap_result(r == -EINVAL && error && (!needle || strstr(error, needle)), __FILE__, line,
                        "'%.80s' is refused, the error mentioning '%s'", cmd, strnull(needle)))
                tap_diag("returned %d, error %s", r, strnull(error));
        tap_result(error && !strstr(error, secret), __FILE__, line, "'%.80s': the error does not show '%s'", cmd, secret);
        settings_done(&s);
        free(error);
        free(cmd);
}
#define check_refused_quietly(needle, secret, ...) refused_quietly_at(__LINE__, (needle), (secret), ARGS(__VA_ARGS__))

/* Test point: --set-credential=SPEC gives the value expected (size bytes). */
static void set_credential_at(int line, const char *spec, const char *expected, size_t size) {
        Settings s;
        char *error = NULL, *arg = NULL;

        if (asprintf(&arg, "--set-credential=%s", spec) < 0)
                abort();
        int r = parse(&s, &error, ARGS(arg));
        bool ok = r == 0 && s.n_credentials == 1 && s.credentials[0].size == size && !s.credentials[0].path &&
                  memcmp(s.credentials[0].data, expected, size) == 0 && s.credentials[0].data[size] == 0;
        if (!tap_result(ok, __FILE__, line, "--set-credential=%s gives %zu bytes as expected", spec, size))
                tap_diag("returned %d, error %s, %zu credentials, size %zu", r, strnull(error), s.n_credentials,
                         s.n_credentials ? s.credentials[0].size : 0);
        settings_done(&s);
        free(error);
        free(arg);
}
#define check_set_credential(spec, expected) set_credential_at(__LINE__, (spec), (expected), sizeof(expected) - 1)

static void test_credential_names(void) {
        char name[300];

        check(credential_name_is_valid("a"), "'a' is a credential name");
        check(credential_name_is_valid("passwd.hashed-password.root"), "passwd.hashed-password.root is one");
        check(credential_name_is_valid("with space~!@#$%^&*()"), "printable ASCII is allowed");
        check(credential_name_is_valid("..."), "'...' is one");
        check(!credential_name_is_valid(""), "'' is not");
        check(!credential_name_is_valid(NULL), "NULL is not");
        check(!credential_name_is_valid("."), "'.' is not");
        check(!credential_name_is_valid(".."), "'..' is not");
        check(!credential_name_is_valid("a/b"), "'a/b' is not");
        check(!credential_name_is_valid("a:b"), "'a:b' is not");
        check(!credential_name_is_valid("a\tb"), "a control character is not allowed");
        check(!credential_name_is_valid("a\177"), "DEL is not allowed");
        check(!credential_name_is_valid("caf\303\251"), "non-ASCII is not allowed");
        memset(name, 'n', 255);
        name[255] = 0;
        check(credential_name_is_valid(name), "255 bytes are allowed");
        name[255] = 'n';
        name[256] = 0;
        check(!credential_name_is_valid(name), "256 bytes are not");
}

static void test_credentials(void) {
        Settings s;
        char *big;

        if (parse_ok(&s, "--set-credential=a:b", "--load-credential=c:/etc//x/./", "--load-credential", "d:d",
                     "--set-credential", "e:f:g:")) {
                check_int_eq(s.mask, SETTING_CREDENTIALS, "the credential options set only SETTING_CREDENTIALS");
                check_int_eq(s.n_credentials, 4, "four credentials");
                if (s.n_credentials == 4) {
                        check(streq(s.credentials[0].id, "a") && !s.credentials[0].path && s.credentials[0].size == 1 &&
                                      streq(s.credentials[0].data, "b"),
                              "a:b is a value");
                        check(streq(s.credentials[1].id, "c") && streq_ptr(s.credentials[1].path, "/etc/x") &&
                                      !s.credentials[1].data,
                              "c: a host path, normalized, not read by the parser");
                        check(streq(s.credentials[2].id, "d") && streq_ptr(s.credentials[2].path, "d"),
                              "d:d names one of berth's own credentials");
                        check(streq(s.credentials[3].id, "e") && streq(s.credentials[3].data, "f:g:"),
                              "the value runs from the first ':' on");
                }
        }
        settings_done(&s);
        check(!s.credentials && s.n_credentials == 0, "settings_done frees the credentials");

        /* C escapes, as nspawn and SetCredential= take them. */
        check_set_credential("a:", "");
        check_set_credential("a:line\\nnext\\n", "line\nnext\n");
        check_set_credential("a:back\\\\slash", "back\\slash");
        check_set_credential("a:\\x00\\x41\\xfF", "\0A\xff");
        check_set_credential("a:\\101\\000\\377", "A\0\377");
        check_set_credential("a:\\a\\b\\f\\r\\t\\v\\s\\\"\\'", "\a\b\f\r\t\v \"'");
        check_set_credential("a:\\u00e9\\u20AC\\U0001F600", "\303\251\342\202\254\360\237\230\200");
        check_set_credential("a:plain text, no escapes", "plain text, no escapes");

        /* Errors name the option and the ID, never the value. */
        check_refused_quietly("\\n", "SECRET", "--set-credential=k:SECRET\\q");
        check_refused_quietly("=k:...", "SECRET", "--set-credential=k:SECRET\\");
        check_refused_quietly("escape", "SECRET", "--set-credential=k:SECRET\\x4");
        check_refused_quietly("escape", "SECRET", "--set-credential=k:SECRET\\xzz");
        check_refused_quietly("escape", "SECRET", "--set-credential=k:SECRET\\08");
        check_refused_quietly("escape", "SECRET", "--set-credential=k:SECRET\\400");
        check_refused_quietly("escape", "SECRET", "--set-credential=k:SECRET\\uD800");
        check_refused_quietly("escape", "SECRET", "--set-credential=k:SECRET\\U00110000");
        check_refused_quietly("ID:VALUE", "SECRET", "--set-credential=SECRET");
        check_refused_quietly("ID:VALUE", "SECRET", "--set-credential=:SECRET");
        check_refused_quietly("'a/b'", "SECRET", "--set-credential=a/b:SECRET");
        check_refused_quietly("'..'", "SECRET", "--set-credential=..:SECRET");
        check_refused_quietly("'x\?y'", "SECRET", "--set-credential=x\ny:SECRET");
        check_refused_quietly("ID:PATH", "/SECRET", "--load-credential=/SECRET");
        check_refused_quietly("absolute path", "SECRET", "--load-credential=a:dir/SECRET");
        check_refused_quietly("absolute path", "SECRET", "--load-credential=a:/etc/../SECRET");
        check_refused_quietly("absolute path", "SECRET", "--load-credential=a:");
        check_refused(NULL, "--set-credential");
        check_refused(NULL, "--load-credential=");

        /* The same ID twice is an error, as in nspawn, whichever options give it. */
        check_refused_quietly("Credential 'a' is given twice", "SECOND", "--set-credential=a:1", "--set-credential=a:SECOND");
        check_refused_quietly("Credential 'a' is given twice", "SECOND", "--load-credential=a:/x", "--set-credential=a:SECOND");
        check_refused("given twice", "--set-credential=a:1", "--load-credential=a:/x");

        /* Size limits: 1 MiB each, and 1 MiB together. */
        big = malloc(CREDENTIAL_SIZE_MAX + 32);
        if (!big)
                abort();
        strcpy(big, "--set-credential=big:");
        memset(big + strlen(big), 'x', CREDENTIAL_SIZE_MAX);
        big[strlen("--set-credential=big:") + CREDENTIAL_SIZE_MAX] = 0;
        if (parse_ok(&s, big))
                check_int_eq(s.credentials[0].size, CREDENTIAL_SIZE_MAX, "a value of 1 MiB is taken");
        settings_done(&s);
        check_refused(NULL, "--set-credential=small:1", big);
        strcat(big, "x");
        check_refused_quietly("larger than 1 MiB", "xxx", big);
        /* Two halves and one byte more. */
        big[strlen("--set-credential=big:") + CREDENTIAL_SIZE_MAX / 2] = 0;
        char *other = strdup(big);
        if (!other)
                abort();
        memcpy(other + strlen("--set-credential="), "two", 3);
        if (parse_ok(&s, big, other))
                check_int_eq(credentials_size(s.credentials, s.n_credentials), CREDENTIAL_SIZE_MAX, "1 MiB together is taken");
        settings_done(&s);
        check_refused_quietly("together", "xxx", big, other, "--set-credential=three:\\x00");
        free(other);
        free(big);
}

static void test_strip_credentials(void) {
        char **l = NULL;
        const char *const args[] = { "run", "-D", "/r", "--set-credential=a:1", "-bq", "--load-credential", "b:/x",
                                     "--set-cred=c:3", "-E", "X=1", "--load-credential=d:d", "/bin/sh",
                                     "--set-credential=e:4", NULL };

        check_int_eq(settings_run_argv_strip_credentials((int) ELEMENTSOF(args) - 1, (char **) args, &l), 0,
                     "stripping the credential options");
        check_streq(strv_show(l), "-D|/r|-bq|-E|X=1|/bin/sh|--set-credential=e:4",
                    "every credential option goes (a separate value, an abbreviation too), the command stays");
        strv_free(l);

        const char *const none[] = { "run", "--set-credential=a:1", NULL };
        check_int_eq(settings_run_argv_strip_credentials(2, (char **) none, &l), 0, "stripping the only option");
        check(l && !l[0], "leaves an empty list");
        strv_free(l);
}

static void test_mode_strings(void) {
        for (int i = 0; i < _VOLATILE_MODE_MAX; i++)
                check_int_eq(volatile_mode_from_string(volatile_mode_to_string(i)), i, "volatile mode %d round-trips", i);
        for (int i = 0; i < _CONSOLE_MODE_MAX; i++)
                check_int_eq(console_mode_from_string(console_mode_to_string(i)), i, "console mode %d round-trips", i);
        for (int i = 0; i < _REGISTER_MODE_MAX; i++)
                check_int_eq(register_mode_from_string(register_mode_to_string(i)), i, "register mode %d round-trips", i);
        check_streq(start_mode_to_string(START_BOOT), "boot", "start mode boot");
        check_streq(volatile_mode_to_string(_VOLATILE_MODE_INVALID), NULL, "invalid volatile mode has no name");
        check_int_eq(console_mode_from_string(NULL), -EINVAL, "console mode NULL is invalid");
}

static void test_private_users(void) {
        Settings s;
        UserNamespaceMode m;
        uint32_t shift, range;

        if (parse_ok(&s, "-D", "/x"))
                check(s.userns_mode == USERNS_NO && s.userns_ownership == USERNS_OWNERSHIP_AUTO && !(s.mask & SETTING_USERNS),
                      "run: no user namespace by default, ownership auto");
        settings_done(&s);
        if (parse_ok(&s, "-U"))
                check(s.userns_mode == USERNS_PICK && s.uid_range == 65536 && (s.mask & SETTING_USERNS), "-U is pick");
        settings_done(&s);
        if (parse_ok(&s, "--private-users"))
                check(s.userns_mode == USERNS_FIXED && s.uid_shift == UID_SHIFT_FROM_IMAGE, "--private-users alone is yes");
        settings_done(&s);
        if (parse_ok(&s, "-U", "--private-users=no"))
                check(s.userns_mode == USERNS_NO, "the later of -U and --private-users=no wins");
        settings_done(&s);
        if (parse_ok(&s, "--private-users=1048576:1000", "--private-users-ownership=chown"))
                check(s.userns_mode == USERNS_FIXED && s.uid_shift == 1048576 && s.uid_range == 1000 &&
                              s.userns_ownership == USERNS_OWNERSHIP_CHOWN && (s.mask & SETTING_USERNS_OWNERSHIP),
                      "--private-users=UID:COUNT and --private-users-ownership=chown");
        settings_done(&s);
        if (parse_ok(&s, "--bind=/a:/b:idmap,norbind", "-U"))
                check(s.n_custom_mounts == 1 && s.custom_mounts[0].idmap && !s.custom_mounts[0].recursive, "bind option idmap");
        settings_done(&s);
        if (parse_ok(&s, "--bind=/a:/b:idmap,noidmap", "-U"))
                check(s.n_custom_mounts == 1 && !s.custom_mounts[0].idmap, "the later of idmap and noidmap wins");
        settings_done(&s);

        check_refused("--private-users", "--private-users=sometimes");
        check_refused("--private-users", "--private-users=-1");
        check_refused("--private-users", "--private-users=10:0");
        check_refused("--private-users", "--private-users=4294967295");
        check_refused("--private-users", "--private-users=4294901760:65536");
        check_refused("--private-users", "--private-users=1:x");
        check_refused("--private-users-ownership", "--private-users-ownership=maybe");
        check_refused("idmap needs a user namespace", "--bind=/a:/b:idmap");
        check_refused("would change the image", "-U", "-x", "--private-users-ownership=chown");
        check_refused("would change the image", "-U", "--volatile=yes", "--private-users-ownership=chown");

        check_int_eq(private_users_parse("identity", &m, &shift, &range), 0, "identity parses");
        check(m == USERNS_IDENTITY && shift == 0 && range == 65536, "identity maps 0..65535 to themselves");
        check_int_eq(private_users_parse("4294901759:65536", &m, &shift, &range), 0, "a range ending at 4294967294 is fine");
        check_int_eq(private_users_parse("4294901760:65536", &m, &shift, &range), -ERANGE, "a range reaching (uid_t) -1 is not");
        check_int_eq(private_users_parse("", &m, &shift, &range), -EINVAL, "empty is invalid");
        check_int_eq(private_users_parse("+5", &m, &shift, &range), -EINVAL, "a sign is invalid");
        check_int_eq(private_users_parse("5:", &m, &shift, &range), -EINVAL, "an empty count is invalid");
        check_streq(userns_ownership_to_string(USERNS_OWNERSHIP_MAP), "map", "ownership names");
        check_int_eq(userns_ownership_from_string("off"), USERNS_OWNERSHIP_OFF, "ownership off");
}

int main(void) {
        test_defaults();
        test_private_users();
        test_simple_options();
        test_parameters();
        test_conflicts();
        test_volatile();
        test_console_register();
        test_bind();
        test_tmpfs_inaccessible();
        test_overlay();
        test_capabilities();
        test_environment();
        test_invalid_values();
        test_bad_options();
        test_parse_twice();
        test_credential_names();
        test_credentials();
        test_strip_credentials();
        test_mode_strings();
        return tap_finish();
}
