/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal-link.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"
#include "tap.h"

#define FILENAME "test.nspawn"
#define CAP(c) (UINT64_C(1) << (c))

/* The bits only a trusted file may set. */
#define PRIVILEGED_BITS \
        (SETTING_MACHINE_ID | SETTING_CUSTOM_MOUNTS | SETTING_NETWORK | SETTING_EPHEMERAL | SETTING_LINK_JOURNAL | \
         SETTING_USERNS | SETTING_USERNS_OWNERSHIP)

typedef struct Parsed {
        Settings s;
        char **warnings;
        int r;
} Parsed;

static void parsed_done(Parsed *p) {
        settings_done(&p->s);
        p->warnings = strv_free(p->warnings);
}

/* Joins l with '|' into a static buffer, for comparing whole lists in one check. */
static const char *strv_show(char *const *l) {
        static char buf[4096];
        size_t n = 0;

        buf[0] = 0;
        if (!l)
                return "(null)";
        for (char *const *p = l; *p && n < sizeof buf; p++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", p == l ? "" : "|", *p);
        return buf;
}

/* One test point: text parses (always, except for lack of memory). The result stays in *p. */
static bool parse_at(int line, Parsed *p, bool trusted, const char *text) {
        char *error = NULL;

        *p = (Parsed) {};
        p->r = settings_file_parse(text, FILENAME, trusted, &p->s, &p->warnings, &error);
        bool ok = tap_result(p->r == 0 && !error, __FILE__, line, "%s file parses: '%.60s'", trusted ? "trusted" : "untrusted",
                             text ?: "(null)");
        if (!ok)
                tap_diag("returned %d, error %s", p->r, error ?: "(null)");
        free(error);
        return ok;
}
#define parse_trusted(p, text) parse_at(__LINE__, (p), true, (text))
#define parse_untrusted(p, text) parse_at(__LINE__, (p), false, (text))

/* One test point: the warnings are exactly the given lines, in order ("" for none). */
static void warnings_are_at(int line, const Parsed *p, const char *expected) {
        const char *got = p->warnings ? strv_show(p->warnings) : "";
        tap_streq(got, expected, __FILE__, line, "warnings: %.100s", *expected ? expected : "none");
}
#define warnings_are(p, expected) warnings_are_at(__LINE__, (p), (expected))

/* One test point: exactly one warning, for line n, that contains needle. */
static void one_warning_at(int line, const Parsed *p, unsigned n, const char *needle) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, FILENAME ":%u: ", n);
        bool ok = strv_length(p->warnings) == 1 && startswith(p->warnings[0], prefix) && strstr(p->warnings[0], needle);
        if (!tap_result(ok, __FILE__, line, "one warning on line %u mentioning '%s'", n, needle))
                tap_diag("warnings: %s", strv_show(p->warnings));
}
#define one_warning(p, n, needle) one_warning_at(__LINE__, (p), (n), (needle))

static void test_empty(void) {
        Parsed p;

        const char *texts[] = {
                "",
                "\n\n\n",
                "# only a comment\n; and another\n",
                "   \t \n  # indented comment\n",
                "[Exec]\n[Files]\n[Network]\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                if (parse_trusted(&p, texts[i])) {
                        check_int_eq(p.s.mask, 0, "text %zu sets nothing", i);
                        warnings_are(&p, "");
                        check(!p.warnings, "no warnings is a NULL list");
                }
                parsed_done(&p);
        }

        if (parse_trusted(&p, NULL))
                check(p.s.mask == 0 && !p.warnings, "NULL text is an empty file");
        parsed_done(&p);

        /* Without a filename the warnings still name something. */
        Settings s;
        char **w = NULL;
        check_int_eq(settings_file_parse("Foo=1\n", NULL, true, &s, &w, NULL), 0, "parses without a filename");
        check_streq(strv_show(w), "(settings):1: Assignment 'Foo=' outside of any section, ignoring.",
                    "a warning without a filename");
        strv_free(w);
        settings_done(&s);

        /* Warnings may be discarded. */
        check_int_eq(settings_file_parse("[Nope]\nX=1\n", FILENAME, true, &s, NULL, NULL), 0, "parses with ret_warnings NULL");
        settings_done(&s);
}

static void test_exec(void) {
        Parsed p;

        if (parse_trusted(&p,
                          "[Exec]\n"
                          "Boot=yes\n"
                          "Parameters=--log-level=debug systemd.unit=rescue.target\n"
                          "Environment=LANG=C.UTF-8\n"
                          "Environment=TERM=vt100 EDITOR=vi\n"
                          "User=root\n"
                          "WorkingDirectory=/srv\n"
                          "Capability=CAP_NET_ADMIN CAP_SYS_TIME\n"
                          "DropCapability=CAP_MKNOD,cap_sys_ptrace\n"
                          "KillSignal=SIGRTMIN+3\n"
                          "Hostname=web-1.example\n"
                          "MachineID=0123456789abcdef0123456789abcdef\n"
                          "NoNewPrivileges=yes\n"
                          "Ephemeral=yes\n"
                          "LinkJournal=try-guest\n")) {
                Settings *s = &p.s;
                warnings_are(&p, "");
                check_int_eq(s->mask,
                             SETTING_START_MODE | SETTING_PARAMETERS | SETTING_ENVIRONMENT | SETTING_USER |
                                     SETTING_WORKING_DIRECTORY | SETTING_CAPABILITY | SETTING_KILL_SIGNAL | SETTING_HOSTNAME |
                                     SETTING_MACHINE_ID | SETTING_NO_NEW_PRIVILEGES | SETTING_EPHEMERAL |
                                     SETTING_LINK_JOURNAL,
                             "every [Exec] key sets its mask bit");
                check_int_eq(s->start_mode, START_BOOT, "Boot=yes");
                check_streq(strv_show(s->parameters), "--log-level=debug|systemd.unit=rescue.target", "Parameters=");
                check_streq(strv_show(s->environment), "LANG=C.UTF-8|TERM=vt100|EDITOR=vi", "Environment=, repeated");
                check_streq(s->user, "root", "User=");
                check_streq(s->working_directory, "/srv", "WorkingDirectory=");
                check_int_eq(s->capability_add, CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_TIME), "Capability=, space-separated");
                check_int_eq(s->capability_drop, CAP(CAP_MKNOD) | CAP(CAP_SYS_PTRACE), "DropCapability=, comma-separated");
                check_int_eq(s->kill_signal, SIGRTMIN + 3, "KillSignal=");
                check_streq(s->hostname, "web-1.example", "Hostname=");
                char buf[33];
                check_streq(id128_to_string(&s->uuid, buf), "0123456789abcdef0123456789abcdef", "MachineID=");
                check(s->no_new_privileges, "NoNewPrivileges=yes");
                check(s->ephemeral, "Ephemeral=yes");
                check_int_eq(s->link_journal, LINK_JOURNAL_TRY_GUEST, "LinkJournal=try-guest");
        }
        parsed_done(&p);

        if (parse_trusted(&p, "[Exec]\nProcessTwo=true\nParameters=/bin/sh -c 'echo \"hi there\"' \"a b\" '' x\"y z\"w\n")) {
                check_int_eq(p.s.start_mode, START_PID2, "ProcessTwo=true");
                check_streq(strv_show(p.s.parameters), "/bin/sh|-c|echo \"hi there\"|a b||xy zw",
                            "Parameters= with single and double quotes");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        if (parse_trusted(&p, "[Exec]\nBoot=no\nMachineID=01234567-89ab-cdef-0123-456789abcdef\nKillSignal=15\n"
                              "NoNewPrivileges=off\nCapability=all\n")) {
                check(p.s.start_mode == START_PID1 && (p.s.mask & SETTING_START_MODE), "Boot=no sets PID 1 and the bit");
                char buf[33];
                check_streq(id128_to_string(&p.s.uuid, buf), "0123456789abcdef0123456789abcdef", "MachineID= in uuid form");
                check_int_eq(p.s.kill_signal, SIGTERM, "KillSignal= as a number");
                check(!p.s.no_new_privileges && (p.s.mask & SETTING_NO_NEW_PRIVILEGES), "NoNewPrivileges=off sets the bit");
                check_int_eq(p.s.capability_add, (UINT64_C(1) << (capability_last() + 1)) - 1, "Capability=all");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        /* Boot= and ProcessTwo= together, as nspawn: conflicting "yes" values are refused. */
        if (parse_trusted(&p, "[Exec]\nBoot=yes\nProcessTwo=yes\n")) {
                check_int_eq(p.s.start_mode, START_BOOT, "ProcessTwo=yes after Boot=yes is ignored");
                warnings_are(&p, FILENAME ":3: Boot=yes and ProcessTwo=yes may not be combined, ignoring ProcessTwo=.");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nProcessTwo=yes\nBoot=yes\nBoot=no\n")) {
                check_int_eq(p.s.start_mode, START_PID2, "Boot=no leaves ProcessTwo=yes alone");
                one_warning(&p, 3, "may not be combined");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nBoot=yes\nBoot=no\n")) {
                check_int_eq(p.s.start_mode, START_PID1, "a later Boot=no replaces Boot=yes");
                warnings_are(&p, "");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nBoot=yes\nBoot=\n")) {
                check(p.s.start_mode == START_PID1 && !(p.s.mask & SETTING_START_MODE), "Boot= with no value resets");
                warnings_are(&p, "");
        }
        parsed_done(&p);
}

static void test_files(void) {
        Parsed p;

        if (parse_trusted(&p,
                          "[Files]\n"
                          "ReadOnly=yes\n"
                          "Volatile=state\n"
                          "Bind=/srv/data\n"
                          "BindReadOnly=/etc/resolv.conf:/etc/resolv.conf:norbind\n"
                          "Bind=+/var/cache:/cache\n"
                          "TemporaryFileSystem=/tmp:size=10M\n"
                          "Inaccessible=/root\n"
                          "Overlay=/lower:/upper:/merged\n"
                          "OverlayReadOnly=/a:/b:/c\n")) {
                Settings *s = &p.s;
                warnings_are(&p, "");
                check_int_eq(s->mask, SETTING_READ_ONLY | SETTING_VOLATILE_MODE | SETTING_CUSTOM_MOUNTS,
                             "every [Files] key sets its mask bit");
                check(s->read_only, "ReadOnly=yes");
                check_int_eq(s->volatile_mode, VOLATILE_STATE, "Volatile=state");
                if (check_int_eq(s->n_custom_mounts, 7, "seven mounts, in order")) {
                        CustomMount *m = s->custom_mounts;
                        check(m[0].type == CUSTOM_MOUNT_BIND && !m[0].read_only && m[0].recursive &&
                                      streq(m[0].source, "/srv/data") && streq(m[0].destination, "/srv/data"),
                              "Bind=PATH");
                        check(m[1].type == CUSTOM_MOUNT_BIND && m[1].read_only && !m[1].recursive &&
                                      streq(m[1].destination, "/etc/resolv.conf"),
                              "BindReadOnly=SRC:DST:norbind");
                        check(m[2].type == CUSTOM_MOUNT_BIND && m[2].source_in_root && streq(m[2].source, "/var/cache") &&
                                      streq(m[2].destination, "/cache"),
                              "Bind=+PATH:DST");
                        check(m[3].type == CUSTOM_MOUNT_TMPFS && streq(m[3].destination, "/tmp") &&
                                      streq(m[3].options, "size=10M"),
                              "TemporaryFileSystem=PATH:OPTIONS");
                        check(m[4].type == CUSTOM_MOUNT_INACCESSIBLE && streq(m[4].destination, "/root"), "Inaccessible=");
                        check(m[5].type == CUSTOM_MOUNT_OVERLAY && !m[5].read_only && streq(m[5].upper, "/upper") &&
                                      streq(strv_show(m[5].lower), "/lower") && streq(m[5].destination, "/merged"),
                              "Overlay=");
                        check(m[6].type == CUSTOM_MOUNT_OVERLAY && m[6].read_only && !m[6].upper &&
                                      streq(strv_show(m[6].lower), "/a|/b") && streq(m[6].destination, "/c"),
                              "OverlayReadOnly=");
                }
        }
        parsed_done(&p);

        const struct {
                const char *value;
                VolatileMode mode;
        } volatiles[] = {
                { "yes", VOLATILE_YES },
                { "no", VOLATILE_NO },
                { "overlay", VOLATILE_OVERLAY },
                { "true", VOLATILE_YES },
        };
        for (size_t i = 0; i < ELEMENTSOF(volatiles); i++) {
                char text[64];
                snprintf(text, sizeof text, "[Files]\nVolatile=%s\n", volatiles[i].value);
                if (parse_trusted(&p, text))
                        check_int_eq(p.s.volatile_mode, volatiles[i].mode, "Volatile=%s", volatiles[i].value);
                parsed_done(&p);
        }
}

static void test_network(void) {
        Parsed p;

        if (parse_trusted(&p, "[Network]\nPrivate=yes\n")) {
                check(p.s.private_network && p.s.mask == SETTING_NETWORK, "Private=yes");
                check(settings_effective_capabilities(&p.s) & CAP(CAP_NET_ADMIN), "Private=yes keeps CAP_NET_ADMIN");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        if (parse_trusted(&p, "[Network]\nPrivate=no\n"))
                check(!p.s.private_network && p.s.mask == SETTING_NETWORK, "Private=no sets the bit, not the network");
        parsed_done(&p);

        if (parse_trusted(&p,
                          "[Network]\n"
                          "VirtualEthernet=yes\n"
                          "Zone=web\n"
                          "Port=tcp:8080:80\n"
                          "Bridge=br0\n"
                          "Interface=eth1\n"
                          "MACVLAN=eth2\n"
                          "IPVLAN=eth3\n"
                          "VirtualEthernetExtra=ve-x:host0\n")) {
                check_int_eq(p.s.mask, 0, "unsupported network keys set nothing");
                warnings_are(&p, FILENAME ":2: VirtualEthernet= is not supported by berth, ignored.|" FILENAME
                                         ":3: Zone= is not supported by berth, ignored.|" FILENAME
                                         ":4: Port= is not supported by berth, ignored.|" FILENAME
                                         ":5: Bridge= is not supported by berth, ignored.|" FILENAME
                                         ":6: Interface= is not supported by berth, ignored.|" FILENAME
                                         ":7: MACVLAN= is not supported by berth, ignored.|" FILENAME
                                         ":8: IPVLAN= is not supported by berth, ignored.|" FILENAME
                                         ":9: VirtualEthernetExtra= is not supported by berth, ignored.");
        }
        parsed_done(&p);

        /* The other keys of systemd.nspawn(5) that berth cannot do yet: warnings, never errors. */
        if (parse_trusted(&p, "[Exec]\nPersonality=x86\nLimitNOFILE=1024\nResolvConf=off\n"
                              "[Files]\nBindUser=alice\n")) {
                check_int_eq(strv_length(p.warnings), 4, "four unsupported keys, four warnings");
                check(p.warnings && strstr(p.warnings[0], ":2: Personality= is not supported by berth, ignored.") &&
                              strstr(p.warnings[3], ":6: BindUser= is not supported"),
                      "the unsupported keys are named with their lines");
        }
        parsed_done(&p);
}

static void test_private_users(void) {
        Parsed p;

        if (parse_trusted(&p, "[Exec]\nPrivateUsers=pick\n[Files]\nPrivateUsersOwnership=map\n")) {
                warnings_are(&p, "");
                check(p.s.userns_mode == USERNS_PICK && p.s.userns_ownership == USERNS_OWNERSHIP_MAP &&
                              (p.s.mask & (SETTING_USERNS | SETTING_USERNS_OWNERSHIP)) == (SETTING_USERNS | SETTING_USERNS_OWNERSHIP),
                      "PrivateUsers=pick, PrivateUsersOwnership=map");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nPrivateUsers=524288:1000\n[Files]\nPrivateUsersChown=yes\n")) {
                check(p.s.userns_mode == USERNS_FIXED && p.s.uid_shift == 524288 && p.s.uid_range == 1000 &&
                              p.s.userns_ownership == USERNS_OWNERSHIP_CHOWN,
                      "PrivateUsers=UID:COUNT, and PrivateUsersChown=yes is chown");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nPrivateUsers=no\n")) {
                check(p.s.userns_mode == USERNS_NO && (p.s.mask & SETTING_USERNS), "PrivateUsers=no is a setting too");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nPrivateUsers=pick\nPrivateUsers=\n")) {
                check(p.s.userns_mode == USERNS_NO && !(p.s.mask & SETTING_USERNS), "an empty PrivateUsers= resets it");
        }
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nPrivateUsers=often\n[Files]\nPrivateUsersOwnership=maybe\n")) {
                check_int_eq(strv_length(p.warnings), 2, "bad values: two warnings");
                check(!(p.s.mask & (SETTING_USERNS | SETTING_USERNS_OWNERSHIP)), "bad values are not taken");
        }
        parsed_done(&p);

        /* Merged under -U: only override lets a file say no. */
        Settings c;
        settings_init(&c);
        c.userns_mode = USERNS_PICK;
        c.mask |= SETTING_USERNS;
        if (parse_trusted(&p, "[Exec]\nPrivateUsers=no\n")) {
                check_int_eq(settings_merge(&c, &p.s, SETTINGS_YES), 0, "merge");
                check(c.userns_mode == USERNS_PICK, "with --settings=yes the command line's -U stays");
                check_int_eq(settings_merge(&c, &p.s, SETTINGS_OVERRIDE), 0, "merge with override");
                check(c.userns_mode == USERNS_NO, "with --settings=override a trusted PrivateUsers=no turns it off");
        }
        parsed_done(&p);
        settings_done(&c);
}

static void test_syntax(void) {
        Parsed p;

        /* Whitespace around keys, '=' and values; CRLF; both comment characters; '=' in values. */
        if (parse_trusted(&p,
                          "# a settings file\r\n"
                          "  [Exec]  \r\n"
                          "\tUser   =   daemon  \r\n"
                          "; a comment\r\n"
                          "Environment = A=b=c\r\n"
                          "   # an indented comment\n"
                          "Hostname=h\n"
                          "[Files]\n"
                          "ReadOnly=1")) {
                warnings_are(&p, "");
                check_streq(p.s.user, "daemon", "whitespace around '=' and the value is trimmed");
                check_streq(strv_show(p.s.environment), "A=b=c", "the value keeps later '='");
                check_streq(p.s.hostname, "h", "CRLF line ends");
                check(p.s.read_only, "the last line needs no newline");
        }
        parsed_done(&p);

        /* A section may come back; keys are case-sensitive. */
        if (parse_trusted(&p, "[Exec]\nUser=a\n[Files]\nReadOnly=yes\n[Exec]\nHostname=b\nuser=c\n")) {
                check(streq_ptr(p.s.user, "a") && streq_ptr(p.s.hostname, "b") && p.s.read_only, "a section may repeat");
                warnings_are(&p, FILENAME ":7: Unknown key 'user' in section [Exec], ignoring.");
        }
        parsed_done(&p);

        /* Continuation lines, as in systemd: a trailing backslash joins the next line with a space. */
        if (parse_trusted(&p,
                          "[Exec]\n"
                          "Parameters=/bin/echo \\\n"
                          "  one \\\n"
                          "# a comment inside is skipped\n"
                          "  two\n"
                          "User=x\\\n")) {
                check_streq(strv_show(p.s.parameters), "/bin/echo|one|two", "continued Parameters=");
                check_streq(p.s.user, "x", "a backslash on the last line joins nothing");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        /* The line number of a continued line is the first one; an escaped backslash does not continue. */
        if (parse_trusted(&p, "[Exec]\nFoo=a \\\nb\nBar=c\\\\\nHostname=ok\n")) {
                warnings_are(&p, FILENAME ":2: Unknown key 'Foo' in section [Exec], ignoring.|" FILENAME
                                         ":4: Unknown key 'Bar' in section [Exec], ignoring.");
                check_streq(p.s.hostname, "ok", "the line after an escaped backslash stands alone");
        }
        parsed_done(&p);

        /* A comment line does not continue, even when it ends in a backslash. */
        if (parse_trusted(&p, "[Exec]\n# comment \\\nUser=y\n")) {
                check_streq(p.s.user, "y", "a comment ending in a backslash");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        /* A continued line that runs into the end of the text. */
        if (parse_trusted(&p, "[Exec]\nParameters=a \\\n# only a comment follows"))
                check_streq(strv_show(p.s.parameters), "a", "a continuation ended by the end of the text");
        parsed_done(&p);
}

static void test_repeats(void) {
        Parsed p;

        if (parse_trusted(&p,
                          "[Exec]\n"
                          "User=one\n"
                          "User=two\n"
                          "Parameters=a b\n"
                          "Parameters=c\n"
                          "Environment=X=1 Y=2\n"
                          "Environment=X=3\n"
                          "KillSignal=TERM\n"
                          "KillSignal=SIGINT\n"
                          "Capability=CAP_SYS_TIME\n"
                          "DropCapability=CAP_SYS_TIME\n")) {
                check_streq(p.s.user, "two", "a single key: the later assignment replaces");
                check_streq(strv_show(p.s.parameters), "a|b|c", "Parameters=: later assignments append");
                check_streq(strv_show(p.s.environment), "X=3|Y=2", "Environment=: appends, the same name replaces");
                check_int_eq(p.s.kill_signal, SIGINT, "KillSignal=: the later assignment replaces");
                check(p.s.capability_add == 0 && p.s.capability_drop == CAP(CAP_SYS_TIME),
                      "a later DropCapability= wins over Capability=");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        /* An empty assignment resets. */
        if (parse_trusted(&p,
                          "[Exec]\n"
                          "Parameters=a b\n"
                          "Parameters=\n"
                          "Parameters=c\n"
                          "Environment=X=1\n"
                          "Environment=\n"
                          "User=u\n"
                          "User=\n"
                          "Capability=CAP_SYS_TIME\n"
                          "Capability=\n"
                          "DropCapability=CAP_MKNOD\n"
                          "DropCapability=\n"
                          "Hostname=h\n"
                          "Hostname=\n"
                          "WorkingDirectory=/w\n"
                          "WorkingDirectory=\n"
                          "KillSignal=TERM\n"
                          "KillSignal=\n"
                          "MachineID=0123456789abcdef0123456789abcdef\n"
                          "MachineID=\n"
                          "NoNewPrivileges=yes\n"
                          "NoNewPrivileges=\n"
                          "LinkJournal=host\n"
                          "LinkJournal=\n")) {
                check_streq(strv_show(p.s.parameters), "c", "Parameters= resets the list");
                check(!p.s.environment && !p.s.user && !p.s.hostname && !p.s.working_directory && p.s.kill_signal == 0 &&
                              id128_is_null(&p.s.uuid) && !p.s.no_new_privileges && p.s.capability_add == 0 &&
                              p.s.link_journal == LINK_JOURNAL_AUTO &&
                              p.s.capability_drop == 0,
                      "empty assignments reset the fields");
                check_int_eq(p.s.mask, SETTING_PARAMETERS, "and clear their mask bits");
                warnings_are(&p, "");
        }
        parsed_done(&p);

        /* An empty mount key drops the mounts of that key only. */
        if (parse_trusted(&p,
                          "[Files]\n"
                          "Bind=/a\n"
                          "BindReadOnly=/b\n"
                          "TemporaryFileSystem=/t\n"
                          "Bind=/c\n"
                          "Bind=\n"
                          "Inaccessible=/i\n"
                          "Overlay=/l:/u:/o\n"
                          "OverlayReadOnly=/l:/r\n"
                          "Overlay=\n")) {
                if (check_int_eq(p.s.n_custom_mounts, 4, "Bind= and Overlay= dropped their mounts"))
                        check(streq(p.s.custom_mounts[0].destination, "/b") && streq(p.s.custom_mounts[1].destination, "/t") &&
                                      streq(p.s.custom_mounts[2].destination, "/i") &&
                                      streq(p.s.custom_mounts[3].destination, "/r"),
                              "the other mounts stay in order");
                check(p.s.mask & SETTING_CUSTOM_MOUNTS, "the mount bit stays while mounts remain");
        }
        parsed_done(&p);

        if (parse_trusted(&p, "[Files]\nBind=/a\nBindReadOnly=\nBind=\nReadOnly=yes\nReadOnly=\nVolatile=yes\nVolatile=\n")) {
                check(p.s.n_custom_mounts == 0 && !p.s.custom_mounts, "no mounts left");
                check(!p.s.read_only && p.s.volatile_mode == VOLATILE_NO, "ReadOnly= and Volatile= reset");
                check_int_eq(p.s.mask, 0, "no bits left");
        }
        parsed_done(&p);
}

static void test_bad_values(void) {
        Parsed p;

        const struct {
                const char *section, *line, *needle;
        } bad[] = {
                { "Exec", "Boot=maybe", "Invalid Boot= value 'maybe': expected yes or no, ignoring." },
                { "Exec", "ProcessTwo=2", "Invalid ProcessTwo= value '2'" },
                { "Exec", "Parameters=/bin/sh -c \"unterminated", "unbalanced quotes" },
                { "Exec", "Parameters=it's", "unbalanced quotes" },
                { "Exec", "Environment=\"A=b", "unbalanced quotes" },
                { "Exec", "Environment=1X=y", "Invalid Environment= assignment '1X=y': use NAME=VALUE, ignoring." },
                { "Exec", "Environment=NOEQUALS", "Invalid Environment= assignment 'NOEQUALS'" },
                { "Exec", "User=-root", "Invalid User= value '-root'" },
                { "Exec", "User=a b", "expected a user name or UID" },
                { "Exec", "WorkingDirectory=relative", "expected an absolute path" },
                { "Exec", "Capability=CAP_NOPE", "Unknown capability 'CAP_NOPE' in Capability=, ignoring it." },
                { "Exec", "DropCapability=all,CAP_MKNOD x", "Unknown capability 'x' in DropCapability=" },
                { "Exec", "KillSignal=SIGNOPE", "Invalid KillSignal= value 'SIGNOPE'" },
                { "Exec", "KillSignal=0", "Invalid KillSignal= value '0'" },
                { "Exec", "Hostname=-bad-", "expected a valid hostname" },
                { "Exec", "MachineID=00000000000000000000000000000000", "Invalid MachineID= value" },
                { "Exec", "MachineID=xyz", "32 hexadecimal digits" },
                { "Exec", "NoNewPrivileges=sometimes", "Invalid NoNewPrivileges= value" },
                { "Exec", "Ephemeral=2", "Invalid Ephemeral= value" },
                { "Exec", "LinkJournal=yes", "Invalid LinkJournal= value 'yes': use no, auto, host" },
                { "Files", "ReadOnly=ro", "Invalid ReadOnly= value 'ro'" },
                { "Files", "Volatile=temporary", "use no, yes, state or overlay" },
                { "Files", "Bind=relative", "Invalid Bind= value 'relative': expected SOURCE[:DESTINATION[:OPTIONS]]" },
                { "Files", "Bind=/a:/b:rw", "unknown bind option; use rbind, norbind, idmap or noidmap" },
                { "Files", "BindReadOnly=/a:/b:/c:/d", "Invalid BindReadOnly= value" },
                { "Files", "Bind=/a/../b", "Invalid Bind= value" },
                { "Files", "TemporaryFileSystem=tmp", "expected an absolute PATH[:OPTIONS]" },
                { "Files", "Inaccessible=x", "Invalid Inaccessible= value 'x': expected an absolute path" },
                { "Files", "Overlay=/only", "expected at least two colon-separated absolute paths" },
                { "Files", "OverlayReadOnly=a:b", "Invalid OverlayReadOnly= value" },
                { "Network", "Private=perhaps", "Invalid Private= value 'perhaps'" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[256];
                /* The bad line is line 4, after a comment and a good line. */
                snprintf(text, sizeof text, "[%s]\n# comment\n\n%s\n", bad[i].section, bad[i].line);
                if (parse_trusted(&p, text)) {
                        one_warning(&p, 4, bad[i].needle);
                        bool dropped = bad[i].section[0] != 'E' || !startswith(bad[i].line, "DropCapability")
                                               ? p.s.mask == 0
                                               : p.s.capability_drop == (CAP(CAP_MKNOD) | ((UINT64_C(1) << (capability_last() + 1)) - 1));
                        check(dropped, "'%s' sets nothing (or only its good part)", bad[i].line);
                }
                parsed_done(&p);
        }

        /* A bad value leaves the earlier good one. */
        if (parse_trusted(&p, "[Exec]\nUser=good\nUser=bad user\nKillSignal=INT\nKillSignal=NOPE\n[Files]\nVolatile=yes\n"
                              "Volatile=sometimes\n")) {
                check(streq_ptr(p.s.user, "good") && p.s.kill_signal == SIGINT && p.s.volatile_mode == VOLATILE_YES,
                      "a bad value keeps the earlier one");
                check_int_eq(strv_length(p.warnings), 3, "three warnings");
                check(p.warnings && startswith(p.warnings[0], FILENAME ":3: ") && startswith(p.warnings[1], FILENAME ":5: ") &&
                              startswith(p.warnings[2], FILENAME ":8: "),
                      "on lines 3, 5 and 8");
        }
        parsed_done(&p);

        /* Control characters in values cannot break the warning's line. */
        if (parse_trusted(&p, "[Exec]\nUser=a\tb\x01\x1b[31m\n")) {
                one_warning(&p, 2, "Invalid User= value");
                bool printable = p.warnings && p.warnings[0];
                for (const char *c = p.warnings ? p.warnings[0] : ""; *c; c++)
                        if ((unsigned char) *c < ' ' || *c == 0x7f)
                                printable = false;
                check(printable, "the warning is printable: %s", strv_show(p.warnings));
        }
        parsed_done(&p);

        /* A very long value is cut in the warning. */
        char *big = malloc(20000);
        if (!big)
                abort();
        strcpy(big, "[Exec]\nUser=");
        memset(big + strlen(big), 'x', 10000);
        strcpy(big + 12 + 10000, "!\n");
        if (parse_trusted(&p, big)) {
                one_warning(&p, 2, "...': expected a user name or UID, ignoring.");
                check(p.warnings && strlen(p.warnings[0]) < 400, "a long value is cut in the warning");
        }
        parsed_done(&p);
        free(big);
}

/* A text made of head and count copies of "before<number>after", numbered from 0. */
static char *repeat(const char *head, const char *before, const char *after, unsigned count) {
        char *t = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&t, &size);
        if (!f)
                abort();
        fputs(head, f);
        for (unsigned i = 0; i < count; i++)
                fprintf(f, "%s%u%s", before, i, after);
        fclose(f);
        return t;
}

/* Bounds that keep huge inputs linear: each is far above what a real file holds. */
static void test_limits(void) {
        Parsed p;
        char *t;

        t = repeat("[Exec]\n", "Foo", "=1\n", 1500);
        if (parse_trusted(&p, t)) {
                check_int_eq(strv_length(p.warnings), 1001, "at most 1000 warnings and a last one");
                check_streq(p.warnings ? p.warnings[1000] : NULL,
                            FILENAME ":1002: Too many problems in this file, the rest are not reported.", "the last warning");
        }
        parsed_done(&p);
        free(t);

        t = repeat("[Exec]\nParameters=", "w", " ", 4096);
        if (parse_trusted(&p, t))
                check(strv_length(p.s.parameters) == 4096 && !p.warnings, "4096 parameters are fine");
        parsed_done(&p);
        free(t);
        t = repeat("[Exec]\nParameters=first\nParameters=", "w", " ", 4096);
        if (parse_trusted(&p, t)) {
                check_streq(strv_show(p.s.parameters), "first", "a line that makes more than 4096 parameters is ignored");
                one_warning(&p, 3, "More than 4096 words in Parameters=, ignoring this line.");
        }
        parsed_done(&p);
        free(t);

        t = repeat("[Exec]\n", "Environment=V", "=1\n", 1025);
        if (parse_trusted(&p, t)) {
                check_int_eq(strv_length(p.s.environment), 1024, "at most 1024 environment variables");
                one_warning(&p, 1026, "More than 1024 variables in Environment=");
        }
        parsed_done(&p);
        free(t);

        t = repeat("[Files]\n", "Bind=/m", "\n", 1025);
        if (parse_trusted(&p, t)) {
                check_int_eq(p.s.n_custom_mounts, 1024, "at most 1024 mounts");
                one_warning(&p, 1026, "More than 1024 mounts, ignoring Bind=.");
        }
        parsed_done(&p);
        free(t);

        t = repeat("[Files]\nOverlayReadOnly=/x", ":/l", "", 1025);
        if (parse_trusted(&p, t)) {
                check_int_eq(p.s.n_custom_mounts, 0, "an overlay of more than 1024 colons is refused");
                one_warning(&p, 2, "too many colon-separated parts");
        }
        parsed_done(&p);
        free(t);
        t = repeat("[Files]\nOverlayReadOnly=/x", ":/l", "", 400);
        if (parse_trusted(&p, t))
                check(p.s.n_custom_mounts == 1 && strv_length(p.s.custom_mounts[0].lower) == 400, "an overlay of 401 layers is fine");
        parsed_done(&p);
        free(t);
}

static void test_unknown(void) {
        Parsed p;

        if (parse_trusted(&p,
                          "User=early\n"
                          "[Exec]\n"
                          "Frobnicate=yes\n"
                          "[Service]\n"
                          "ExecStart=/bin/true\n"
                          "Anything at all\n"
                          "[X-Vendor]\n"
                          "Whatever=1\n"
                          "[Exec\n"
                          "User=hidden\n"
                          "[]\n"
                          "[Ex ec]\n"
                          "[Files]\n"
                          "this line has no equals sign\n"
                          "=value\n"
                          "Bind=/ok\n")) {
                warnings_are(&p, FILENAME ":1: Assignment 'User=' outside of any section, ignoring.|" FILENAME
                                         ":3: Unknown key 'Frobnicate' in section [Exec], ignoring.|" FILENAME
                                         ":4: Unknown section [Service], ignoring its keys.|" FILENAME
                                         ":6: Expected KEY=VALUE or a [Section] header, ignoring the line 'Anything at all'.|" FILENAME
                                         ":9: Invalid section header '[Exec', ignoring the lines up to the next section.|" FILENAME
                                         ":11: Invalid section header '[]', ignoring the lines up to the next section.|" FILENAME
                                         ":12: Invalid section header '[Ex ec]', ignoring the lines up to the next section.|" FILENAME
                                         ":14: Expected KEY=VALUE or a [Section] header, ignoring the line 'this line has no equals sign'.|" FILENAME
                                         ":15: Missing key name before '=', ignoring the line.");
                check(!p.s.user, "keys outside a known section are not used");
                check(p.s.n_custom_mounts == 1 && p.s.mask == SETTING_CUSTOM_MOUNTS, "a known section after them works");
        }
        parsed_done(&p);

        /* Keys of one section are unknown in another. */
        if (parse_trusted(&p, "[Files]\nUser=x\n[Network]\nBind=/x\n[Exec]\nPrivate=yes\n")) {
                warnings_are(&p, FILENAME ":2: Unknown key 'User' in section [Files], ignoring.|" FILENAME
                                         ":4: Unknown key 'Bind' in section [Network], ignoring.|" FILENAME
                                         ":6: Unknown key 'Private' in section [Exec], ignoring.");
                check_int_eq(p.s.mask, 0, "nothing set");
        }
        parsed_done(&p);

        /* Section names are case-sensitive too. */
        if (parse_trusted(&p, "[exec]\nUser=x\n"))
                warnings_are(&p, FILENAME ":1: Unknown section [exec], ignoring its keys.");
        parsed_done(&p);
}

static void test_untrusted(void) {
        static const char text[] =
                "[Exec]\n"
                "Boot=yes\n"                                   /* 2 */
                "Capability=CAP_SYS_MODULE\n"                  /* 3 */
                "DropCapability=CAP_MKNOD\n"                   /* 4 */
                "MachineID=0123456789abcdef0123456789abcdef\n" /* 5 */
                "Ephemeral=yes\n"                              /* 6 */
                "User=root\n"                                  /* 7 */
                "PrivateUsers=yes\n"                           /* 8 */
                "LimitNOFILE=10\n"                             /* 9 */
                "NoNewPrivileges=yes\n"                        /* 10 */
                "[Files]\n"                                    /* 11 */
                "ReadOnly=yes\n"                               /* 12 */
                "Bind=/etc/shadow\n"                           /* 13 */
                "BindReadOnly=/root\n"                         /* 14 */
                "TemporaryFileSystem=/tmp\n"                   /* 15 */
                "Inaccessible=/x\n"                            /* 16 */
                "Overlay=/a:/b:/c\n"                           /* 17 */
                "OverlayReadOnly=/a:/b\n"                      /* 18 */
                "Volatile=state\n"                             /* 19 */
                "[Network]\n"                                  /* 20 */
                "Private=no\n"                                 /* 21 */
                "Port=80\n"                                    /* 22 */
                "Zone=z\n"                                     /* 23 */
                "[Exec]\n"                                     /* 24 */
                "LinkJournal=guest\n";                         /* 25 */
        Parsed p;

        if (parse_untrusted(&p, text)) {
                Settings *s = &p.s;
                check_int_eq(s->mask,
                             SETTING_START_MODE | SETTING_CAPABILITY | SETTING_USER | SETTING_NO_NEW_PRIVILEGES |
                                     SETTING_READ_ONLY | SETTING_VOLATILE_MODE,
                             "only the unprivileged keys are taken");
                check(s->capability_add == 0 && s->capability_drop == CAP(CAP_MKNOD), "DropCapability= is taken, Capability= is not");
                check(id128_is_null(&s->uuid) && !s->ephemeral && s->n_custom_mounts == 0 && !s->private_network &&
                              s->link_journal == LINK_JOURNAL_AUTO,
                      "no machine id, ephemeral, mounts, network or journal link");
                check(s->start_mode == START_BOOT && streq_ptr(s->user, "root") && s->no_new_privileges && s->read_only &&
                              s->volatile_mode == VOLATILE_STATE,
                      "the unprivileged values");

                const unsigned lines[] = { 3, 5, 6, 8, 9, 13, 14, 15, 16, 17, 18, 21, 22, 23, 25 };
                const char *keys[] = { "Capability",      "MachineID", "Ephemeral", "PrivateUsers", "LimitNOFILE",
                                       "Bind",            "BindReadOnly", "TemporaryFileSystem", "Inaccessible", "Overlay",
                                       "OverlayReadOnly", "Private",   "Port",      "Zone",         "LinkJournal" };
                if (check_int_eq(strv_length(p.warnings), ELEMENTSOF(lines), "one warning per privileged key"))
                        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                                char expected[512];
                                snprintf(expected, sizeof expected,
                                         FILENAME ":%u: %s= is a privileged setting and this file is not trusted (it lies "
                                                  "beside the image), ignoring; put the file in /etc/berth/ to allow it.",
                                         lines[i], keys[i]);
                                check_streq(p.warnings[i], expected, "untrusted %s= is named with its line", keys[i]);
                        }
        }
        parsed_done(&p);

        /* The same file, trusted: the supported privileged keys are taken. */
        if (parse_trusted(&p, text)) {
                check(p.s.capability_add == CAP(CAP_SYS_MODULE) && !id128_is_null(&p.s.uuid) && p.s.ephemeral &&
                              p.s.n_custom_mounts == 6 && (p.s.mask & SETTING_NETWORK) &&
                              p.s.link_journal == LINK_JOURNAL_GUEST,
                      "a trusted file keeps the privileged keys");
                check_int_eq(strv_length(p.warnings), 3, "only the unsupported keys warn");
        }
        parsed_done(&p);
}

/* A command line parsed from argv, for the merge tests. */
static bool cmdline_at(int line, Settings *s, const char *const *args) {
        int argc = 0;
        char *error = NULL;

        while (args[argc])
                argc++;
        char **argv = strv_copy((char *const *) args);
        if (!argv)
                abort();
        settings_init(s);
        int r = settings_parse_run_argv(s, argc, argv, &error);
        strv_free(argv);
        bool ok = tap_result(r == 0, __FILE__, line, "command line %s parses", args[1] ?: "");
        if (!ok)
                tap_diag("error: %s", error ?: "(null)");
        free(error);
        return ok;
}
#define cmdline(s, ...) cmdline_at(__LINE__, (s), (const char *const[]) { "run", __VA_ARGS__, NULL })

static void test_merge(void) {
        static const char file_text[] =
                "[Exec]\n"
                "Boot=yes\n"
                "Parameters=systemd.log_level=debug\n"
                "Environment=FROM=file\n"
                "User=root\n"
                "WorkingDirectory=/file\n"
                "Capability=CAP_SYS_TIME\n"
                "DropCapability=CAP_MKNOD\n"
                "KillSignal=SIGINT\n"
                "Hostname=file\n"
                "MachineID=0123456789abcdef0123456789abcdef\n"
                "NoNewPrivileges=yes\n"
                "LinkJournal=guest\n"
                "[Files]\n"
                "ReadOnly=yes\n"
                "Bind=/from-file\n"
                "[Network]\n"
                "Private=yes\n";
        Settings c;
        Parsed f;

        /* yes: the command line wins where it set something. */
        if (cmdline(&c, "-D", "/img", "-E", "FROM=cmdline", "--hostname=cmd", "--bind=/a", "--bind=/b", "--kill-signal=TERM",
                    "--drop-capability=CAP_SYS_TIME") &&
            parse_trusted(&f, file_text)) {
                uint64_t c_mask = c.mask, f_mask = f.s.mask;
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_YES), 0, "merge yes");
                check_streq(strv_show(c.environment), "FROM=cmdline", "yes: the command line's environment");
                check_streq(c.hostname, "cmd", "yes: the command line's hostname");
                check(c.n_custom_mounts == 2 && streq(c.custom_mounts[0].destination, "/a"), "yes: the command line's mounts");
                check_int_eq(c.kill_signal, SIGTERM, "yes: the command line's kill signal");
                check(c.capability_add == 0 && c.capability_drop == CAP(CAP_SYS_TIME),
                      "yes: capabilities from the command line only");
                check_streq(c.directory, "/img", "the directory is the command line's");
                check(c.start_mode == START_BOOT && streq(strv_show(c.parameters), "systemd.log_level=debug"),
                      "yes: the file's command where the command line has none");
                check(streq_ptr(c.user, "root") && streq_ptr(c.working_directory, "/file") && c.no_new_privileges &&
                              c.read_only && c.private_network && !id128_is_null(&c.uuid) &&
                              c.link_journal == LINK_JOURNAL_GUEST,
                      "yes: the file's values where the command line has none");
                check_int_eq(c.mask, c_mask | f_mask, "the mask is the union");
                check_int_eq(f.s.mask, SETTING_CUSTOM_MOUNTS | SETTING_ENVIRONMENT | SETTING_HOSTNAME | SETTING_KILL_SIGNAL |
                                               SETTING_CAPABILITY,
                             "the file keeps the bits of what was not taken");
                check(f.s.n_custom_mounts == 1, "the file keeps what was not taken");
        }
        parsed_done(&f);
        settings_done(&c);

        /* trusted merges as yes. */
        if (cmdline(&c, "--user=nobody") && parse_trusted(&f, file_text)) {
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_TRUSTED), 0, "merge trusted");
                check(streq_ptr(c.user, "nobody") && streq_ptr(c.hostname, "file"), "trusted: the command line wins");
        }
        parsed_done(&f);
        settings_done(&c);

        /* override: the file wins wherever it set something. */
        if (cmdline(&c, "-D", "/img", "-E", "FROM=cmdline", "-E", "ONLY=cmdline", "--hostname=cmd", "--bind=/a", "-u", "nobody",
                    "--tmpfs=/t", "--capability=CAP_NET_RAW,CAP_SYS_TIME", "--volatile=yes", "/bin/sh") &&
            parse_trusted(&f, file_text)) {
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_OVERRIDE), 0, "merge override");
                check_streq(strv_show(c.environment), "FROM=file", "override: the file's environment, as a whole");
                check_streq(c.hostname, "file", "override: the file's hostname");
                check_streq(c.user, "root", "override: the file's user");
                check(c.n_custom_mounts == 1 && streq(c.custom_mounts[0].destination, "/from-file"),
                      "override: the file's mounts replace the command line's");
                check(c.start_mode == START_BOOT && streq(strv_show(c.parameters), "systemd.log_level=debug"),
                      "override: the file's command");
                check(c.capability_add == (CAP(CAP_NET_RAW) | CAP(CAP_SYS_TIME)) && c.capability_drop == CAP(CAP_MKNOD),
                      "override: the file's capabilities apply on top");
                check_int_eq(c.volatile_mode, VOLATILE_YES, "override: what the file does not set stays");
                check_streq(c.directory, "/img", "override: the directory stays");
                check(f.s.n_custom_mounts == 0 && !f.s.custom_mounts && !f.s.environment && !f.s.user, "taken fields are moved");
        }
        parsed_done(&f);
        settings_done(&c);

        /* The file's DropCapability= in override mode beats the command line's --capability=. */
        if (cmdline(&c, "--capability=CAP_MKNOD") && parse_trusted(&f, "[Exec]\nDropCapability=CAP_MKNOD\n")) {
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                check(c.capability_add == 0 && c.capability_drop == CAP(CAP_MKNOD), "override: the file's drop wins");
        }
        parsed_done(&f);
        settings_done(&c);

        /* no and invalid modes are refused and change nothing. */
        if (cmdline(&c, "-u", "a") && parse_trusted(&f, "[Exec]\nUser=b\n")) {
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_NO), -EINVAL, "merge no is refused");
                check_int_eq(settings_merge(&c, &f.s, _SETTINGS_MODE_INVALID), -EINVAL, "an invalid mode is refused");
                check_int_eq(settings_merge(&c, &f.s, _SETTINGS_MODE_MAX), -EINVAL, "_SETTINGS_MODE_MAX is refused");
                check(streq(c.user, "a") && streq_ptr(f.s.user, "b"), "nothing moved");
        }
        parsed_done(&f);
        settings_done(&c);
}

/* One test point: no warning shows secret. */
static void warnings_hide_at(int line, const Parsed *p, const char *secret) {
        bool ok = true;
        for (char **w = p->warnings; w && *w; w++)
                if (strstr(*w, secret))
                        ok = false;
        if (!tap_result(ok, __FILE__, line, "no warning shows '%s'", secret))
                tap_diag("warnings: %s", strv_show(p->warnings));
}
#define warnings_hide(p, secret) warnings_hide_at(__LINE__, (p), (secret))

static void test_credentials(void) {
        Parsed p;
        char *t;

        if (parse_trusted(&p,
                          "[Exec]\n"
                          "SetCredential=passwd.hashed-password.root:$6$salt$hash\n"
                          "SetCredential=escaped:a\\nb\\x00c\\\\\n"
                          "LoadCredential=key:/etc//ssl/./key.pem\n"
                          "LoadCredential=passed:passed\n"
                          "SetCredential=empty:\n")) {
                Settings *s = &p.s;
                warnings_are(&p, "");
                check_int_eq(s->mask, SETTING_CREDENTIALS, "the keys set SETTING_CREDENTIALS");
                if (check_int_eq(s->n_credentials, 5, "five credentials, in order")) {
                        check(streq(s->credentials[0].id, "passwd.hashed-password.root") &&
                                      streq(s->credentials[0].data, "$6$salt$hash") && !s->credentials[0].path,
                              "SetCredential= takes the value as it is");
                        check(s->credentials[1].size == 6 && memcmp(s->credentials[1].data, "a\nb\0c\\", 6) == 0,
                              "SetCredential= decodes C escapes, as the option does");
                        check(streq(s->credentials[2].id, "key") && streq_ptr(s->credentials[2].path, "/etc/ssl/key.pem") &&
                                      !s->credentials[2].data,
                              "LoadCredential= keeps the normalized path, reads nothing");
                        check(streq_ptr(s->credentials[3].path, "passed"), "LoadCredential=ID:NAME names one of berth's own");
                        check(s->credentials[4].size == 0 && s->credentials[4].data, "an empty value is a value");
                }
        }
        parsed_done(&p);

        /* Bad lines are warnings naming the ID, never showing the value; the others stay. */
        if (parse_trusted(&p,
                          "[Exec]\n"
                          "SetCredential=ok:1\n"                   /* 2 */
                          "SetCredential=SECRET\n"                 /* 3 */
                          "SetCredential=bad/id:SECRET\n"          /* 4 */
                          "SetCredential=esc:SECRET\\q\n"          /* 5 */
                          "SetCredential=ok:SECRET\n"              /* 6 */
                          "LoadCredential=ok:/SECRET\n"            /* 7 */
                          "LoadCredential=rel:dir/SECRET\n"        /* 8 */
                          "LoadCredential=dots:/a/../SECRET\n")) { /* 9 */
                check(p.s.n_credentials == 1 && streq(p.s.credentials[0].data, "1"), "only the good line is taken");
                check_streq(strv_show(p.warnings),
                            FILENAME ":3: SetCredential= expects ID:VALUE, ignoring.|"
                            FILENAME ":4: Invalid credential name 'bad/id' in SetCredential=: use up to 255 printable ASCII characters, no '/' or ':', not '.' or '..'; ignoring.|"
                            FILENAME ":5: SetCredential=esc:...: invalid escape in the value, ignoring.|"
                            FILENAME ":6: Credential 'ok' is set already, ignoring SetCredential=.|"
                            FILENAME ":7: Credential 'ok' is set already, ignoring LoadCredential=.|"
                            FILENAME ":8: LoadCredential=rel:...: expected an absolute path (without '..') or the name of one of berth's own credentials, ignoring.|"
                            FILENAME ":9: LoadCredential=dots:...: expected an absolute path (without '..') or the name of one of berth's own credentials, ignoring.",
                            "one warning per bad line, the first of an ID stays");
                warnings_hide(&p, "SECRET");
        }
        parsed_done(&p);

        /* An empty assignment drops what that key set before, not the other key's. */
        if (parse_trusted(&p, "[Exec]\nSetCredential=a:1\nLoadCredential=b:/b\nSetCredential=\nSetCredential=c:3\n"))
                check(p.s.n_credentials == 2 && streq(p.s.credentials[0].id, "b") && streq(p.s.credentials[1].id, "c"),
                      "SetCredential= empties the SetCredential= list");
        parsed_done(&p);
        if (parse_trusted(&p, "[Exec]\nLoadCredential=b:/b\nLoadCredential=\n"))
                check(p.s.n_credentials == 0 && !p.s.credentials && p.s.mask == 0, "an emptied list clears the mask bit");
        parsed_done(&p);

        /* LoadCredential= reads host files: privileged. SetCredential= is not. */
        if (parse_untrusted(&p, "[Exec]\nSetCredential=a:1\nLoadCredential=b:/etc/shadow\n")) {
                check(p.s.n_credentials == 1 && streq(p.s.credentials[0].id, "a"), "untrusted: SetCredential= only");
                one_warning(&p, 3, "LoadCredential= is a privileged setting and this file is not trusted");
        }
        parsed_done(&p);

        /* Limits: 1 MiB a value, 1 MiB together, 1024 credentials. */
        t = malloc(CREDENTIAL_SIZE_MAX + 64);
        if (!t)
                abort();
        strcpy(t, "[Exec]\nSetCredential=big:");
        memset(t + strlen(t), 'x', CREDENTIAL_SIZE_MAX + 1);
        t[strlen("[Exec]\nSetCredential=big:") + CREDENTIAL_SIZE_MAX + 1] = 0;
        if (parse_trusted(&p, t)) {
                check_int_eq(p.s.n_credentials, 0, "a value over 1 MiB is not taken");
                one_warning(&p, 2, "SetCredential=big:...: the value is larger than 1 MiB, ignoring.");
                warnings_hide(&p, "xxx");
        }
        parsed_done(&p);
        /* Half of it written as escapes, twice, and one byte more. */
        char *half = malloc(CREDENTIAL_SIZE_MAX * 2 + 1), *t2 = NULL;
        if (!half)
                abort();
        for (size_t i = 0; i < CREDENTIAL_SIZE_MAX / 2; i++)
                memcpy(half + 4 * i, "\\x78", 4);
        half[CREDENTIAL_SIZE_MAX * 2] = 0;
        if (asprintf(&t2, "[Exec]\nSetCredential=one:%s\nSetCredential=two:%s\nSetCredential=three:x\n", half, half) < 0)
                abort();
        if (parse_trusted(&p, t2)) {
                check(p.s.n_credentials == 2 && credentials_size(p.s.credentials, 2) == CREDENTIAL_SIZE_MAX,
                      "1 MiB together is taken");
                one_warning(&p, 4, "SetCredential=three:...: the credentials would be larger than 1 MiB together, ignoring.");
        }
        parsed_done(&p);
        free(t2);
        free(half);
        free(t);
        t = NULL;
        char *body = NULL;
        for (int i = 0; i < 1025; i++) {
                char *n = NULL;
                if (asprintf(&n, "%sSetCredential=c%d:v\n", body ?: "[Exec]\n", i) < 0)
                        abort();
                free(body);
                body = n;
        }
        if (parse_trusted(&p, body)) {
                check_int_eq(p.s.n_credentials, 1024, "at most 1024 credentials");
                one_warning(&p, 1026, "More than 1024 credentials, ignoring SetCredential=.");
        }
        parsed_done(&p);
        free(body);
}

static void test_merge_credentials(void) {
        static const char file_text[] = "[Exec]\nSetCredential=both:file\nSetCredential=file-only:file\nLoadCredential=key:/file/key\n";
        Settings c;
        Parsed f;

        /* yes: by ID, the command line's wins, the file adds the others. */
        if (cmdline(&c, "--set-credential=both:cmdline", "--set-credential=cmdline-only:cmdline") &&
            parse_trusted(&f, file_text)) {
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_YES), 0, "merge yes");
                if (check_int_eq(c.n_credentials, 4, "yes: the credentials of both")) {
                        check(streq(c.credentials[0].id, "both") && streq(c.credentials[0].data, "cmdline"),
                              "yes: the command line's value of an ID both give");
                        check(streq(c.credentials[1].id, "cmdline-only") && streq(c.credentials[2].id, "file-only") &&
                                      streq(c.credentials[2].data, "file") && streq_ptr(c.credentials[3].path, "/file/key"),
                              "yes: the file's other IDs are added, after the command line's");
                }
                check(c.mask & SETTING_CREDENTIALS, "the command line has the bit");
                check(f.s.n_credentials == 1 && streq(f.s.credentials[0].data, "file") && (f.s.mask & SETTING_CREDENTIALS),
                      "the file keeps what was not taken, and its bit");
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_YES), 0, "merge again");
                check(c.n_credentials == 4 && streq(c.credentials[0].data, "cmdline"), "merging again changes nothing");
        }
        parsed_done(&f);
        settings_done(&c);

        /* override: the file's value of an ID both give. */
        if (cmdline(&c, "--set-credential=both:cmdline", "--load-credential=cmdline-only:/x") && parse_trusted(&f, file_text)) {
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_OVERRIDE), 0, "merge override");
                if (check_int_eq(c.n_credentials, 4, "override: the credentials of both")) {
                        check(streq(c.credentials[0].id, "both") && streq(c.credentials[0].data, "file"),
                              "override: the file's value of an ID both give, in the command line's place");
                        check(streq_ptr(c.credentials[1].path, "/x"), "override: the command line's other IDs stay");
                }
                check(f.s.n_credentials == 0 && !(f.s.mask & SETTING_CREDENTIALS), "override: the file gave everything");
        }
        parsed_done(&f);
        settings_done(&c);

        /* A command line without credentials takes the file's, in both modes. */
        if (cmdline(&c, "-b") && parse_trusted(&f, file_text)) {
                check_int_eq(settings_merge(&c, &f.s, SETTINGS_YES), 0, "merge into no credentials");
                check(c.n_credentials == 3 && (c.mask & SETTING_CREDENTIALS) && !(f.s.mask & SETTING_CREDENTIALS),
                      "all of the file's");
        }
        parsed_done(&f);
        settings_done(&c);
}

static void test_merge_command(void) {
        Settings c;
        Parsed f;

        /* A command on the command line decides alone: Boot=yes in the file does not boot it. */
        if (cmdline(&c, "/bin/bash") && parse_trusted(&f, "[Exec]\nBoot=yes\nParameters=--unit=x\n")) {
                settings_merge(&c, &f.s, SETTINGS_YES);
                check(c.start_mode == START_PID1 && streq(strv_show(c.parameters), "/bin/bash") &&
                              !(c.mask & SETTING_START_MODE),
                      "yes: the command line's command, the file's start mode and parameters unused");
        }
        parsed_done(&f);
        settings_done(&c);

        /* -a on the command line and only Parameters= in the file (systemd issue #7428). */
        if (cmdline(&c, "-a") && parse_trusted(&f, "[Exec]\nParameters=echo okay\n")) {
                settings_merge(&c, &f.s, SETTINGS_YES);
                check(c.start_mode == START_PID2 && streq(strv_show(c.parameters), "echo|okay"),
                      "yes: -a runs the file's Parameters= as PID 2");
        }
        parsed_done(&f);
        settings_done(&c);

        /* -b on the command line, the file's parameters meant for another start mode. */
        if (cmdline(&c, "-b") && parse_trusted(&f, "[Exec]\nProcessTwo=yes\nParameters=/usr/bin/app\n")) {
                settings_merge(&c, &f.s, SETTINGS_YES);
                check(c.start_mode == START_BOOT && !c.parameters, "yes: parameters for another start mode are not taken");
        }
        parsed_done(&f);
        settings_done(&c);

        /* Only the start mode in the file, nothing on the command line. */
        if (cmdline(&c, "-q") && parse_trusted(&f, "[Exec]\nProcessTwo=yes\n")) {
                settings_merge(&c, &f.s, SETTINGS_YES);
                check(c.start_mode == START_PID2 && !c.parameters && (c.mask & SETTING_START_MODE),
                      "yes: the file's start mode alone");
        }
        parsed_done(&f);
        settings_done(&c);

        /* override with a start mode but no Parameters=: the command line's command does not carry over to booting. */
        if (cmdline(&c, "/bin/bash") && parse_trusted(&f, "[Exec]\nBoot=yes\n")) {
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                check(c.start_mode == START_BOOT && !c.parameters && !(c.mask & SETTING_PARAMETERS),
                      "override: Boot=yes drops the command line's command");
        }
        parsed_done(&f);
        settings_done(&c);

        /* override with the same start mode keeps the command line's parameters. */
        if (cmdline(&c, "-b", "quiet") && parse_trusted(&f, "[Exec]\nBoot=yes\n")) {
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                check(c.start_mode == START_BOOT && streq(strv_show(c.parameters), "quiet"),
                      "override: the same start mode keeps the parameters");
        }
        parsed_done(&f);
        settings_done(&c);

        /* override with only Parameters=: the command line's start mode stays. */
        if (cmdline(&c, "-a", "/bin/true") && parse_trusted(&f, "[Exec]\nParameters=/bin/false\n")) {
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                check(c.start_mode == START_PID2 && streq(strv_show(c.parameters), "/bin/false"),
                      "override: the file's parameters, the command line's start mode");
        }
        parsed_done(&f);
        settings_done(&c);

        /* Merging an empty file changes nothing; merging twice is safe. */
        if (cmdline(&c, "-b", "--bind=/x", "-E", "A=1") && parse_trusted(&f, "")) {
                uint64_t mask = c.mask;
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                settings_merge(&c, &f.s, SETTINGS_YES);
                check(c.mask == mask && c.n_custom_mounts == 1 && streq(strv_show(c.environment), "A=1") &&
                              c.start_mode == START_BOOT,
                      "an empty file changes nothing");
        }
        parsed_done(&f);
        settings_done(&c);

        if (cmdline(&c, "-q") && parse_trusted(&f, "[Files]\nBind=/x\n[Exec]\nEnvironment=A=1\n")) {
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                settings_merge(&c, &f.s, SETTINGS_OVERRIDE);
                check(c.n_custom_mounts == 1 && streq(strv_show(c.environment), "A=1"),
                      "a second merge of the emptied file keeps the first merge's result");
        }
        parsed_done(&f);
        settings_done(&c);
}

static void test_mode_strings(void) {
        for (int i = 0; i < _SETTINGS_MODE_MAX; i++)
                check_int_eq(settings_mode_from_string(settings_mode_to_string(i)), i, "settings mode %d round-trips", i);
        check_int_eq(settings_mode_from_string("true"), SETTINGS_YES, "'true' is yes");
        check_int_eq(settings_mode_from_string("0"), SETTINGS_NO, "'0' is no");
        check_int_eq(settings_mode_from_string("sometimes"), _SETTINGS_MODE_INVALID, "unknown mode");
        check_int_eq(settings_mode_from_string(NULL), _SETTINGS_MODE_INVALID, "NULL mode");
        check_streq(settings_mode_to_string(_SETTINGS_MODE_INVALID), NULL, "an invalid mode has no name");
        check_streq(settings_mode_to_string(SETTINGS_OVERRIDE), "override", "override");
}

int main(void) {
        test_private_users();
        test_empty();
        test_exec();
        test_files();
        test_network();
        test_syntax();
        test_repeats();
        test_bad_values();
        test_unknown();
        test_limits();
        test_credentials();
        test_untrusted();
        test_merge();
        test_merge_credentials();
        test_merge_command();
        test_mode_strings();
        return tap_finish();
}
