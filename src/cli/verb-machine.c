/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs that drive machines through systemd and machined: start, stop, list, status, show. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "host-limits.h"
#include "fd-util.h"
#include "image.h"
#include "mount-plan.h"
#include "settings-load.h"
#include "settings.h"
#include "transient.h"
#include "unit-file.h"
#include "log.h"
#include "machine-peek.h"
#include "machined.h"
#include "parse-util.h"
#include "strv.h"
#include "unit.h"
#include "verbs.h"
#include "cli-util.h"


static int arg_json = false;
static int arg_legend = true;

/* Parses the few options these verbs share; returns the index of the first argument, or -1 after
 * printing help, or -EINVAL after logging. */
static int parse_common(int argc, char **argv, const char *usage) {
        enum { ARG_JSON = 0x100, ARG_NO_LEGEND, ARG_NO_PAGER };
        static const struct option options[] = {
                { "help",      no_argument, NULL, 'h'           },
                { "json",      no_argument, NULL, ARG_JSON      },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-pager",  no_argument, NULL, ARG_NO_PAGER  },
                {}
        };
        char buf[3];
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n", usage);
                        return -1;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_NO_PAGER:
                        break; /* berth never pages */
                default:
                        return log_error_errno(EINVAL, "Option '%s' is not known; see 'berth %s --help'.",
                                               getopt_refused_option(argv, "h", buf), argv[0]);
                }
        return optind;
}

static const char start_usage[] =
        "berth start NAME\n"
        "berth start NAME [RUN OPTIONS...]\n"
        "berth start NAME [OPTIONS...] -- COMMAND [ARGS...]\n\n"
        "Start a machine as a systemd unit and return when it is up.\n\n"
        "Without options: boot the image NAME as berth@NAME.service (ready when the machine's\n"
        "init sent READY=1). With 'berth run' options: the same as a transient unit carrying them.\n"
        "With a COMMAND: a single-process machine, with no launcher process, as the transient unit\n"
        "berth-NAME.service confined by systemd's own sandboxing (RootDirectory= the image,\n"
        "PrivateUsers=, PrivateDevices=, ProtectProc=invisible, ...), registered with machined.\n"
        "Where systemd has no PrivatePIDs= (before 257), under berth's launcher instead.\n"
        "Under berth's launcher (booted, or a COMMAND before systemd 257) the machine has a user\n"
        "namespace with a UID range of its own (-U); --private-users=no turns that off.\n"
        "It takes -D, --bind, --bind-ro, --tmpfs, --inaccessible, --read-only, -E, --chdir, -u,\n"
        "--uuid, --capability, --drop-capability, --private-network, --slice, --register,\n"
        "--set-credential, --load-credential.\n"
        "Credentials become the unit's own SetCredential= and LoadCredential=, not words of its\n"
        "command line; systemd shows SetCredential= values to every user: give secrets as files.\n";

/* Says why a start job failed: the job's result and the unit's last log lines, or the D-Bus error. */
static int report_start(const char *unit, int r, const char *result, const sd_bus_error *error) {
        if (r == -EIO) {
                log_error("Failed to start %s: the job ended with '%s'. Its last log lines:", unit, result);
                (void) unit_show_journal(unit, 10);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to start %s: %s", unit, error->message ?: strerror(-r));
        return 0;
}

static int start_template(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *unit = NULL, *result = NULL;

        if (unit_name_for_machine(name, &unit) < 0)
                return log_oom();
        int r = unit_start_and_wait(bus, unit, &result, &error);
        return report_start(unit, r, result, &error);
}

static int wait_transient(sd_bus *bus, sd_bus_message *call, const char *unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *result = NULL;
        int r = unit_call_job_and_wait(bus, call, &result, &error);
        return report_start(unit, r, result, &error);
}

/* The options a single-process machine cannot take: it has no launcher to do them. */
static const char *single_process_unsupported(const Settings *s) {
        if (s->start_mode != START_PID1)
                return s->start_mode == START_BOOT ? "--boot" : "--as-pid2";
        if (s->ephemeral)
                return "--ephemeral";
        if (s->volatile_mode != VOLATILE_NO)
                return "--volatile";
        if (s->hostname)
                return "--hostname";
        if (s->keep_unit)
                return "--keep-unit";
        if (s->properties)
                return "--property";
        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                if (s->custom_mounts[i].type == CUSTOM_MOUNT_OVERLAY)
                        return "--overlay";
                if (s->custom_mounts[i].source_in_root)
                        return "--bind=+PATH";
        }
        return NULL;
}

/* A single-process machine without the launcher has systemd's PrivateUsers=yes, not a range of
 * berth's: what asks for one needs the launcher. */
static int check_user_namespace(const Settings *s, bool launcher) {
        bool idmap = false;
        for (size_t i = 0; i < s->n_custom_mounts; i++)
                idmap = idmap || s->custom_mounts[i].idmap;
        if (launcher || !((s->mask & (SETTING_USERNS | SETTING_USERNS_OWNERSHIP)) || idmap))
                return 0;
        return log_error_errno(EINVAL, "%s needs berth's launcher; a single-process machine run as a user has systemd's PrivateUsers=yes instead.",
                               idmap ? "The bind option idmap" : "--private-users=");
}

/* Finds COMMAND in the image as the unit will: absolute, or in the usual PATH. */
static int resolve_command(const char *root, const char *command, char **ret) {
        static const char *const path[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (root_fd < 0)
                return -errno;
        for (size_t i = 0; i < (command[0] == '/' ? 1 : ELEMENTSOF(path)); i++) {
                _cleanup_free_ char *p = NULL;
                if (command[0] == '/')
                        p = strdup(command);
                else if (asprintf(&p, "%s/%s", path[i], command) < 0)
                        p = NULL;
                if (!p)
                        return -ENOMEM;
                int fd = openat_in_root(root_fd, p, O_PATH);
                if (fd < 0)
                        continue;
                struct stat st;
                bool ok = fstat(fd, &st) >= 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
                safe_close(fd);
                if (ok) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }
        return -ENOENT;
}

typedef struct SingleProcess {
        char *root;
        char *exec_path;
        UserRecord user;
        bool has_user;
        Id128 uuid;
} SingleProcess;

static void single_process_done(SingleProcess *p) {
        free(p->root);
        free(p->exec_path);
        user_record_done(&p->user);
}

/* What a single-process machine needs resolved before it becomes a unit: the image, the
 * command inside it, the user from its /etc/passwd, the uuid. */
static int single_process_prepare(const char *name, const Settings *s, SingleProcess *p) {
        const char *bad;
        int r;

        bad = single_process_unsupported(s);
        if (bad)
                return log_error_errno(EINVAL, "%s needs berth's launcher; a single-process machine cannot take it (use it without -- COMMAND, or berth run).",
                                       bad);
        if (s->directory) {
                p->root = realpath(s->directory, NULL);
                if (!p->root)
                        return log_error_errno(errno, "Directory %s: %m", s->directory);
        } else {
                r = image_find(name, &p->root);
                if (r == -ENOENT)
                        return log_error_errno(r, "No image '%s' in /var/lib/machines, /usr/local/lib/machines or /usr/lib/machines.",
                                               name);
                if (r < 0)
                        return log_error_errno(r, "Failed to look up image '%s': %m", name);
        }
        r = resolve_command(p->root, s->parameters[0], &p->exec_path);
        if (r == -ENOENT)
                return log_error_errno(r, "No executable '%s' in %s.", s->parameters[0], p->root);
        if (r < 0)
                return log_error_errno(r, "Failed to look for '%s' in %s: %m", s->parameters[0], p->root);

        if (s->user) {
                _cleanup_close_ int root_fd = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                _cleanup_close_ int pfd = root_fd < 0 ? -EBADF : openat_in_root(root_fd, "/etc/passwd", O_RDONLY);
                _cleanup_free_ char *passwd = NULL;
                if (pfd >= 0) {
                        char path[64];
                        snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd);
                        (void) read_full_file_at(AT_FDCWD, path, &passwd, NULL);
                }
                r = passwd_find(passwd, s->user, &p->user);
                if (r == -ESRCH)
                        return log_error_errno(r, "User '%s' does not exist in the image's /etc/passwd.", s->user);
                if (r < 0)
                        return log_error_errno(r, "Failed to look up user '%s' in the image: %m", s->user);
                p->has_user = true;
        }

        p->uuid = s->uuid;
        if (id128_is_null(&p->uuid)) {
                uint8_t rnd[16];
                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                        return log_error_errno(errno, "Failed to get random bytes: %m");
                p->uuid = id128_make_v4(rnd);
        }
        return 0;
}

/* A unit does not run in the caller's directory, and may start again long after it is gone:
 * host paths given to one must be absolute. Logs and fails on the first that is not;
 * -D only with_directory (a single-process unit resolves it itself). */
static int check_absolute_paths(const Settings *s, bool with_directory) {
        const char *bad = NULL;

        if (with_directory && s->directory && s->directory[0] != '/')
                bad = s->directory;
        for (size_t i = 0; !bad && i < s->n_custom_mounts; i++) {
                const CustomMount *m = &s->custom_mounts[i];
                if (m->source && m->source[0] != '/')
                        bad = m->source;
                if (m->upper && m->upper[0] && m->upper[0] != '/')
                        bad = m->upper;
                for (char **p = m->lower; !bad && p && *p; p++)
                        if ((*p)[0] != '/')
                                bad = *p;
        }
        if (bad)
                return log_error_errno(EINVAL, "'%s' is a relative path; a unit needs absolute ones.", bad);
        return 0;
}

/* Whether systemd lacks PrivatePIDs=: then the payload gets berth's launcher (its own PID
 * namespace) instead of a unit of systemd's sandboxing alone. In the host's PID namespace a
 * payload may signal every host process of its UID: the kernel checks signals by UID alone,
 * across user namespaces too, and ProtectProc=invisible only hides the processes. Root's UID is
 * every root process of the host's; a user's, say 1000, that of the host's user 1000. */
static bool single_process_needs_launcher(unsigned systemd_version) {
        return systemd_version < SYSTEMD_VERSION_PRIVATE_PIDS;
}

static unsigned running_systemd_version(sd_bus *bus) {
        unsigned v = 0;
        if (bus && systemd_version(bus, &v) < 0)
                log_debug("Could not tell systemd's version; assuming it has no PrivatePIDs=.");
        return v;
}

/* options: the user's run options, without credential options; the credentials become the unit's. */
static int start_launcher_transient(sd_bus *bus, const char *name, bool boot, const Settings *s, char **options) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_strv_free_ char **run_argv = NULL;
        _cleanup_free_ char *unit = NULL, *self = NULL;
        char description[128];
        int r;

        self = realpath("/proc/self/exe", NULL);
        if (!self)
                return log_error_errno(errno, "Failed to find berth's own binary: %m");
        if (asprintf(&unit, "berth-%s.service", name) < 0 ||
            launcher_run_argv(self, name, boot, s->credentials, s->n_credentials, options, &run_argv) < 0)
                return log_oom();
        snprintf(description, sizeof(description), "Machine %s (berth%s)", name, boot ? "" : ", single process");
        r = transient_launcher_call(bus, unit, description, s->slice, self, run_argv, s->credentials, s->n_credentials, &call);
        if (r < 0)
                return log_error_errno(r, "Failed to describe the unit %s: %m", unit);
        return wait_transient(bus, call, unit);
}

static int start_single_process(sd_bus *bus, const char *name, Settings *s, char **options) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(single_process_done) SingleProcess sp = {};
        _cleanup_free_ char *unit = NULL;
        int r;

        r = single_process_prepare(name, s, &sp);
        if (r < 0)
                return r;
        const char *root = sp.root;
        Id128 uuid = sp.uuid;

        unsigned version = running_systemd_version(bus);
        bool launcher = single_process_needs_launcher(version);
        r = check_user_namespace(s, launcher);
        if (r >= 0)
                r = check_absolute_paths(s, launcher);
        if (r < 0)
                return r;
        if (launcher) {
                if (!s->quiet)
                        log_info("Running %s under berth's launcher, in a PID namespace of its own: systemd %u has no PrivatePIDs= (%u and later) to keep it from the host's processes.",
                                 name, version, SYSTEMD_VERSION_PRIVATE_PIDS);
                return start_launcher_transient(bus, name, false, s, options);
        }

        if (asprintf(&unit, "berth-%s.service", name) < 0)
                return log_oom();
        r = transient_single_process_call(bus, unit, name, root, sp.exec_path, &uuid, s, sp.has_user ? &sp.user : NULL,
                                          version, &call);
        if (r < 0)
                return log_error_errno(r, "Failed to describe the unit %s: %m", unit);
        r = wait_transient(bus, call, unit);
        if (r < 0)
                return r;

        if (s->register_mode == REGISTER_NO)
                return 0;

        /* The leader is the unit's main process, known once the job is done; never register 0. */
        pid_t leader = 0;
        (void) unit_get_main_pid(bus, unit, &leader);
        if (leader <= 0) {
                log_warning("Machine %s ran unregistered: its process had already exited.", name);
                return 0;
        }
        MachineRegistration m = {
                .name = name,
                .id = uuid,
                .root_directory = root,
                .leader = leader,
                .keep_unit = true,
        };
        r = machine_register(bus, &m, &error);
        if (r < 0) {
                if (s->register_mode == REGISTER_AUTO && machined_error_is_absent(&error, r)) {
                        log_debug("systemd-machined is not available, machine %s runs unregistered.", name);
                        return 0;
                }
                if (pid_is_gone(leader)) {
                        log_warning("Machine %s ran unregistered: its process had already exited.", name);
                        return 0;
                }
                log_error_errno(r, "Failed to register machine %s with systemd-machined, stopping it: %s", name,
                                error.message ?: strerror(-r));
                _cleanup_(sd_bus_error_free) sd_bus_error stop_error = SD_BUS_ERROR_NULL;
                (void) unit_stop_and_wait(bus, unit, NULL, &stop_error);
                return r;
        }
        return 0;
}

int verb_start(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(settings_done) Settings s;
        _cleanup_free_ char *error = NULL, *image = NULL;
        _cleanup_strv_free_ char **options = NULL;
        int r;

        settings_init(&s);
        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("%s", start_usage);
                return 0;
        }
        if (argc < 2 || argv[1][0] == '-')
                return log_error("berth start needs a machine name first; see 'berth start --help'."), 1;
        const char *name = argv[1];
        if (!machine_name_is_valid(name))
                return log_error("Invalid machine name '%s'.", name), 1;

        /* The options after NAME are run's; argv[1] stands in for the verb. */
        r = settings_parse_run_argv(&s, argc - 1, argv + 1, &error);
        if (r == -ENOMEM)
                return log_oom(), 1;
        if (r < 0)
                return log_error("%s", error ?: "Invalid arguments."), 1;
        if (r > 0) {
                printf("%s", start_usage);
                return 0;
        }
        /* Credentials become the unit's own (SetCredential=, LoadCredential=), not words of its command
         * line: berth reads them now, so that a missing one fails here, and berth run in the unit takes
         * them from its $CREDENTIALS_DIRECTORY. One of berth's own could only go as a SetCredential=,
         * which systemd shows to every user: a secret kept from them so far would be given away. */
        for (size_t i = 0; i < s.n_credentials; i++)
                if (s.credentials[i].path && s.credentials[i].path[0] != '/')
                        return log_error("Credential '%s': berth start cannot pass on its own credential '%s': the unit would show it to every user (SetCredential=). Give the absolute path of a file, which the unit loads itself.",
                                         s.credentials[i].id, s.credentials[i].path), 1;
        if (settings_load_credentials(&s) < 0)
                return 1;
        r = settings_run_argv_strip_credentials(argc - 1, argv + 1, &options);
        if (r < 0)
                return log_oom(), 1;

        if (open_system_bus(&bus) < 0)
                return 1;

        if (strv_length(s.parameters) > 0)
                return start_single_process(bus, name, &s, options) < 0 ? 1 : 0;

        /* A machine that berth enable gave a unit file of its own starts with it. */
        _cleanup_free_ char *own_unit = NULL;
        if (argc == 2 && asprintf(&own_unit, "/etc/systemd/system/berth-%s.service", name) >= 0 && access(own_unit, F_OK) >= 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *result = NULL;
                const char *u = strrchr(own_unit, '/') + 1;
                return report_start(u, unit_start_and_wait(bus, u, &result, &e), result, &e) < 0 ? 1 : 0;
        }

        if (!s.directory) {
                r = image_find(name, &image);
                if (r == -ENOENT)
                        return log_error("No image '%s' in /var/lib/machines, /usr/local/lib/machines or /usr/lib/machines.", name), 1;
                if (r < 0)
                        return log_error_errno(r, "Failed to look up image '%s': %m", name), 1;
        }
        /* The unit's berth warns too, but into the journal. */
        warn_about_boot_limits();
        if (argc == 2)
                return start_template(bus, name) < 0 ? 1 : 0;
        if (s.properties)
                log_warning("--property= applies to a machine's scope; under a unit it is ignored (set it on the unit).");
        if (check_absolute_paths(&s, true) < 0)
                return 1;
        return start_launcher_transient(bus, name, true, &s, options) < 0 ? 1 : 0;
}

/* berth@NAME.service or berth-NAME.service when systemd has it active or on its way: 1 and
 * its name, else 0. */
static int machine_unit_starting(sd_bus *bus, const char *name, char **ret) {
        _cleanup_free_ char *template = NULL, *transient = NULL;

        if (unit_name_for_machine(name, &template) < 0 || asprintf(&transient, "berth-%s.service", name) < 0)
                return -ENOMEM;
        char *units[] = { template, transient };
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_free_ char *state = NULL;
                if (unit_get_active_state(bus, units[i], &state) >= 0 && STR_IN_SET(state, "active", "activating", "reloading")) {
                        *ret = strdup(units[i]);
                        return *ret ? 1 : -ENOMEM;
                }
        }
        return 0;
}

int verb_stop(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL, *unit = NULL, *result = NULL;
        int i, r;

        i = parse_common(argc, argv,
                         "berth stop NAME\n\n"
                         "Stop the machine's unit and wait until it is down (a booted machine powers off cleanly).");
        if (i < 0)
                return i == -1 ? 0 : 1;
        if (require_name(argc, argv, i, "stop") < 0 || open_system_bus(&bus) < 0)
                return 1;
        const char *name = argv[i];

        r = machine_path(bus, name, &path);
        if (r < 0)
                return 1;
        if (r > 0) {
                r = sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Unit", &error, &unit);
                if (r < 0)
                        return log_error_errno(r, "Failed to find the unit of machine %s: %s", name,
                                               error.message ?: strerror(-r)), 1;
        } else {
                /* Not registered (yet, or for a moment while it reboots): a unit of berth's that is
                 * up or on its way is stopped all the same. */
                r = machine_unit_starting(bus, name, &unit);
                if (r < 0)
                        return log_oom(), 1;
                if (r == 0)
                        return log_error("Machine %s is not running.", name), 1;
        }

        r = unit_stop_and_wait(bus, unit, &result, &error);
        if (r == -EIO)
                return log_error("Failed to stop %s: the job ended with '%s'.", unit, result), 1;
        if (r < 0)
                return log_error_errno(r, "Failed to stop %s: %s", unit, error.message ?: strerror(-r)), 1;
        return 0;
}

static void json_string(const char *s) {
        putchar('"');
        for (; s && *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

/* The OS name machined reads from inside the machine; NULL when it cannot. */
static char *machine_os(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *k, *v;
        char *pretty = NULL, *id = NULL;

        if (sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "GetMachineOSRelease", NULL, &reply, "s",
                               name) < 0)
                return NULL;
        if (sd_bus_message_enter_container(reply, 'a', "{ss}") < 0)
                return NULL;
        while (sd_bus_message_read(reply, "{ss}", &k, &v) > 0) {
                if (streq(k, "PRETTY_NAME") && !pretty)
                        pretty = strdup(v);
                else if (streq(k, "ID") && !id)
                        id = strdup(v);
        }
        if (pretty) {
                free(id);
                return pretty;
        }
        return id;
}

/* The addresses machined sees in the machine's network namespace; NULL when it cannot tell
 * (no private network, or no machined support). */
static char **machine_addresses(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **l = NULL;
        int32_t family;

        if (sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "GetMachineAddresses", NULL, &reply,
                               "s", name) < 0 ||
            sd_bus_message_enter_container(reply, 'a', "(iay)") < 0)
                return NULL;
        while (sd_bus_message_enter_container(reply, 'r', "iay") > 0) {
                const void *a;
                size_t sz;
                char buf[INET6_ADDRSTRLEN];
                if (sd_bus_message_read(reply, "i", &family) < 0 || sd_bus_message_read_array(reply, 'y', &a, &sz) < 0 ||
                    sd_bus_message_exit_container(reply) < 0)
                        break;
                if ((family == AF_INET && sz == 4) || (family == AF_INET6 && sz == 16))
                        if (inet_ntop(family, a, buf, sizeof(buf)) && strv_extend(&l, buf) < 0)
                                return NULL;
        }
        return TAKE_PTR(l);
}

/* A machine as berth list shows it. */
typedef struct ListEntry {
        const char *name, *class, *service, *path;
        char *unit;
        uint32_t leader;
        bool answered;
} ListEntry;

/* The reply to GetAll of a machine's properties: its unit and leader. */
static int on_machine_properties(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ListEntry *e = userdata;
        const char *key;

        e->answered = true;
        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &key) < 0)
                        return 0;
                if (streq(key, "Unit")) {
                        const char *u;
                        if (sd_bus_message_read(m, "v", "s", &u) < 0)
                                return 0;
                        free(e->unit);
                        e->unit = isempty(u) ? NULL : strdup(u);
                } else if (streq(key, "Leader")) {
                        if (sd_bus_message_read(m, "v", "u", &e->leader) < 0)
                                return 0;
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

int verb_list(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *entries = NULL;
        size_t n = 0, allocated = 0;
        int i, r;

        i = parse_common(argc, argv,
                         "berth list [--json] [--no-legend]\n\n"
                         "List every machine systemd-machined knows, also ones berth did not start.");
        if (i < 0)
                return i == -1 ? 0 : 1;
        if (i < argc)
                return log_error("berth list takes no arguments."), 1;
        if (open_system_bus(&bus) < 0)
                return 1;

        r = sd_bus_call_method(bus, MACHINED_SERVICE, MACHINED_PATH, MACHINED_MANAGER, "ListMachines", &error, &reply, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to list machines: %s", error.message ?: strerror(-r)), 1;
        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
        if (r < 0)
                return log_error_errno(r, "Failed to parse the machine list: %m"), 1;
        for (;;) {
                ListEntry e = {};
                r = sd_bus_message_read(reply, "(ssso)", &e.name, &e.class, &e.service, &e.path);
                if (r < 0)
                        return log_error_errno(r, "Failed to parse the machine list: %m"), 1;
                if (r == 0)
                        break;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 16;
                        ListEntry *more = reallocarray(entries, allocated, sizeof(ListEntry));
                        if (!more)
                                return log_oom(), 1;
                        entries = more;
                }
                entries[n++] = e;
        }

        /* All machines' properties are asked for at once, and the answers taken as they come:
         * one round trip for all, not one for each. */
        sd_bus_slot **slots = calloc(n ?: 1, sizeof(sd_bus_slot *));
        if (!slots)
                return log_oom(), 1;
        size_t pending = 0;
        for (size_t k = 0; k < n; k++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
                if (sd_bus_message_new_method_call(bus, &call, MACHINED_SERVICE, entries[k].path,
                                                   "org.freedesktop.DBus.Properties", "GetAll") < 0 ||
                    sd_bus_message_append(call, "s", MACHINED_MACHINE) < 0 ||
                    sd_bus_call_async(bus, &slots[k], call, on_machine_properties, &entries[k], 0) < 0)
                        entries[k].answered = true;
                else
                        pending++;
        }
        while (pending > 0) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                pending = 0;
                for (size_t k = 0; k < n; k++)
                        pending += !entries[k].answered;
                if (r == 0 && pending > 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        break;
        }
        for (size_t k = 0; k < n; k++)
                sd_bus_slot_unref(slots[k]);
        free(slots);

        /* Root reads the OS and the addresses itself, through the leader; machined forks into
         * each machine for them, one after the other. */
        bool peek = geteuid() == 0;
        if (arg_json)
                printf("[");
        else if (arg_legend)
                printf("%-24s %-10s %-8s %-32s %-18s %s\n", "MACHINE", "CLASS", "SERVICE", "UNIT", "ADDRESSES", "OS");
        for (size_t k = 0; k < n; k++) {
                const ListEntry *e = &entries[k];
                _cleanup_free_ char *os = NULL;
                _cleanup_strv_free_ char **addresses = NULL;
                if (!peek || e->leader == 0 || machine_peek_os(e->leader, &os) < 0)
                        os = machine_os(bus, e->name);
                if (!peek || e->leader == 0 || machine_peek_addresses(e->leader, &addresses) < 0)
                        addresses = machine_addresses(bus, e->name);
                if (arg_json) {
                        printf("%s{\"name\":", k > 0 ? "," : "");
                        json_string(e->name);
                        printf(",\"class\":");
                        json_string(e->class);
                        printf(",\"service\":");
                        json_string(e->service);
                        printf(",\"unit\":");
                        if (e->unit)
                                json_string(e->unit);
                        else
                                printf("null");
                        printf(",\"os\":");
                        if (os)
                                json_string(os);
                        else
                                printf("null");
                        printf(",\"addresses\":[");
                        for (char **a = addresses; a && *a; a++) {
                                printf("%s", a == addresses ? "" : ",");
                                json_string(*a);
                        }
                        printf("]}");
                } else {
                        /* The first address, and a mark when there are more, as machinectl shows them. */
                        char first[INET6_ADDRSTRLEN + 8];
                        snprintf(first, sizeof(first), "%s%s", addresses ? addresses[0] : "-",
                                 strv_length(addresses) > 1 ? " ..." : "");
                        printf("%-24s %-10s %-8s %-32s %-18s %s\n", e->name, e->class, e->service, e->unit ?: "-", first,
                               os ?: "-");
                }
        }
        for (size_t k = 0; k < n; k++)
                free(entries[k].unit);
        if (arg_json)
                printf("]\n");
        else if (arg_legend)
                printf("\n%zu machines listed.\n", n);
        return 0;
}

static int print_properties(sd_bus *bus, const char *path, bool all) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *prop;
        int r;

        r = sd_bus_call_method(bus, MACHINED_SERVICE, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &reply, "s",
                               MACHINED_MACHINE);
        if (r < 0)
                return log_error_errno(r, "Failed to read the machine's properties: %s", error.message ?: strerror(-r));
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                char type;
                const char *contents;

                r = sd_bus_message_read(reply, "s", &prop);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(reply, &type, &contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(reply, 'v', contents);
                if (r < 0)
                        return r;

                if (streq(contents, "s") || streq(contents, "o")) {
                        const char *v;
                        sd_bus_message_read_basic(reply, contents[0], &v);
                        printf("%s=%s\n", prop, v);
                } else if (streq(contents, "u")) {
                        uint32_t v;
                        sd_bus_message_read_basic(reply, 'u', &v);
                        printf("%s=%u\n", prop, v);
                } else if (streq(contents, "t")) {
                        uint64_t v;
                        sd_bus_message_read_basic(reply, 't', &v);
                        printf("%s=%llu\n", prop, (unsigned long long) v);
                } else if (streq(contents, "ay") && streq(prop, "Id")) {
                        const void *v;
                        size_t l;
                        Id128 id;
                        char buf[33];
                        sd_bus_message_read_array(reply, 'y', &v, &l);
                        if (l == sizeof(id.bytes)) {
                                memcpy(id.bytes, v, l);
                                printf("Id=%s\n", id128_to_string(&id, buf));
                        }
                } else {
                        if (all)
                                printf("%s=[%s]\n", prop, contents);
                        sd_bus_message_skip(reply, contents);
                }
                r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        return r < 0 ? r : 0;
}

int verb_show(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL;
        int i, r;

        i = parse_common(argc, argv, "berth show NAME\n\nPrint systemd-machined's properties of the machine, NAME=VALUE.");
        if (i < 0)
                return i == -1 ? 0 : 1;
        if (require_name(argc, argv, i, "show") < 0 || open_system_bus(&bus) < 0)
                return 1;
        r = machine_path(bus, argv[i], &path);
        if (r == 0)
                log_error("Machine %s is not known to systemd-machined.", argv[i]);
        if (r <= 0)
                return 1;
        return print_properties(bus, path, true) < 0 ? 1 : 0;
}

/* The machine's user namespace as "0-65535 on 524288-589823", from its leader's uid_map. */
static char *machine_uid_ranges(uint32_t leader) {
        _cleanup_free_ char *map = NULL;
        char path[64], *out = NULL;
        size_t size = 0;

        snprintf(path, sizeof(path), "/proc/%u/uid_map", leader);
        if (leader == 0 || read_full_file_at(AT_FDCWD, path, &map, NULL) < 0)
                return NULL;
        FILE *f = open_memstream(&out, &size);
        if (!f)
                return NULL;
        bool first = true;
        for (char *line = strtok(map, "\n"); line; line = strtok(NULL, "\n")) {
                unsigned long long inside, outside, count;
                if (sscanf(line, "%llu %llu %llu", &inside, &outside, &count) != 3 || count == 0)
                        continue;
                if (inside == 0 && outside == 0 && count == UINT32_MAX)
                        fprintf(f, "none: root in the machine is root on the host");
                else
                        fprintf(f, "%s%llu-%llu on %llu-%llu", first ? "" : ", ", inside, inside + count - 1, outside,
                                outside + count - 1);
                first = false;
        }
        fclose(f);
        return out;
}

int verb_status(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *unit = NULL, *root = NULL, *class = NULL, *service = NULL;
        uint32_t leader = 0;
        uint64_t since = 0;
        int i, r;

        i = parse_common(argc, argv, "berth status NAME\n\nShow the machine's unit, leader, root, start time and last log lines.");
        if (i < 0)
                return i == -1 ? 0 : 1;
        if (require_name(argc, argv, i, "status") < 0 || open_system_bus(&bus) < 0)
                return 1;
        const char *name = argv[i];
        r = machine_path(bus, name, &path);
        if (r == 0)
                log_error("Machine %s is not running.", name);
        if (r <= 0)
                return 1;

        (void) sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Unit", NULL, &unit);
        (void) sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "RootDirectory", NULL, &root);
        (void) sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Class", NULL, &class);
        (void) sd_bus_get_property_string(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Service", NULL, &service);
        (void) sd_bus_get_property_trivial(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Leader", NULL, 'u', &leader);
        (void) sd_bus_get_property_trivial(bus, MACHINED_SERVICE, path, MACHINED_MACHINE, "Timestamp", NULL, 't', &since);
        _cleanup_free_ char *os = machine_os(bus, name);

        char when[64] = "-";
        if (since > 0) {
                time_t t = (time_t) (since / 1000000);
                struct tm tm;
                strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S %Z", localtime_r(&t, &tm));
        }
        printf("%s\n", name);
        printf("       Since: %s\n", when);
        printf("      Leader: %u\n", leader);
        _cleanup_free_ char *uids = machine_uid_ranges(leader);
        printf("   UID range: %s\n", uids ?: "-");
        printf("     Service: %s; class %s\n", service ?: "-", class ?: "-");
        printf("        Root: %s\n", root ?: "-");
        printf("          OS: %s\n", os ?: "-");
        printf("        Unit: %s\n", unit ?: "-");
        if (unit) {
                printf("\n");
                (void) unit_show_journal(unit, 10);
        }
        return 0;
}

int verb_register(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        enum { ARG_ROOT = 0x100, ARG_UUID, ARG_LEADER, ARG_UNIT };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h'        },
                { "root",   required_argument, NULL, ARG_ROOT   },
                { "uuid",   required_argument, NULL, ARG_UUID   },
                { "leader", required_argument, NULL, ARG_LEADER },
                { "unit",   required_argument, NULL, ARG_UNIT   },
                {}
        };
        _cleanup_free_ char *unit_root = NULL, *leader_buf = NULL;
        const char *root = "/", *leader_s = getenv("MAINPID"), *unit = NULL;
        Id128 id = {};
        char buf[3];
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berth register NAME [--unit=UNIT | --leader=PID --root=DIR --uuid=ID]\n\n"
                               "Register a running process with systemd-machined as the machine NAME, class\n"
                               "container, in the process's own unit: the main process of UNIT (with its\n"
                               "RootDirectory= and container_uuid=), or PID (default: $MAINPID).\n");
                        return 0;
                case ARG_ROOT:
                        root = optarg;
                        break;
                case ARG_UUID:
                        if (id128_from_string(optarg, &id) < 0)
                                return log_error("Invalid --uuid= '%s'.", optarg), 1;
                        break;
                case ARG_LEADER:
                        leader_s = optarg;
                        break;
                case ARG_UNIT:
                        unit = optarg;
                        break;
                default:
                        return log_error("Option '%s' is not known; see 'berth register --help'.",
                                         getopt_refused_option(argv, "h", buf)), 1;
                }
        if (require_name(argc, argv, optind, "register") < 0)
                return 1;
        const char *name = argv[optind];
        if (open_system_bus(&bus) < 0)
                return 1;

        if (unit) {
                /* All from the unit: its main process, its root directory, the uuid in its environment. */
                pid_t main_pid = 0;
                r = unit_get_main_pid(bus, unit, &main_pid);
                if (r < 0)
                        return log_error_errno(r, "Failed to find the main process of %s: %m", unit), 1;
                if (main_pid <= 0) {
                        log_warning("Machine %s ran unregistered: %s has no main process (any more).", name, unit);
                        return 0;
                }
                if (asprintf(&leader_buf, "%d", (int) main_pid) < 0)
                        return log_oom(), 1;
                leader_s = leader_buf;
                (void) unit_get_exec_context(bus, unit, &unit_root, &id);
                if (unit_root)
                        root = unit_root;
        }
        unsigned leader;
        if (!leader_s || safe_atou(leader_s, &leader) < 0 || leader == 0)
                return log_error("berth register needs --leader=PID, --unit=UNIT or $MAINPID."), 1;

        MachineRegistration m = { .name = name, .id = id, .root_directory = root, .leader = (pid_t) leader, .keep_unit = true };
        r = machine_register(bus, &m, &error);
        if (r < 0) {
                if (pid_is_gone((pid_t) leader)) {
                        log_warning("Machine %s ran unregistered: its process had already exited.", name);
                        return 0;
                }
                return log_error_errno(r, "Failed to register machine %s with systemd-machined: %s", name,
                                       error.message ?: strerror(-r)), 1;
        }
        return 0;
}

/* Writes the unit file of machine NAME for the run options (argv-style, options[0] being a
 * stand-in for the verb) to output, atomically, or to stdout without one. Logs; <0 on failure. */
int machine_unit_file_write(const char *name, char **options, const char *output) {
        _cleanup_(settings_done) Settings s;
        _cleanup_(single_process_done) SingleProcess sp = {};
        _cleanup_free_ char *error = NULL, *self = NULL, *tmp = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        unsigned version = 0;
        int r;

        settings_init(&s);
        r = settings_parse_run_argv(&s, (int) strv_length(options), options, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Invalid arguments.");

        self = realpath("/proc/self/exe", NULL);
        if (!self)
                return log_error_errno(errno, "Failed to find berth's own binary: %m");

        bool single = strv_length(s.parameters) > 0, launcher = !single;
        if (single) {
                r = single_process_prepare(name, &s, &sp);
                if (r < 0)
                        return r;
                /* What the unit may say depends on the systemd that will run it: this one. */
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
                if (sd_bus_open_system(&bus) < 0)
                        log_debug("No system bus; assuming systemd has no PrivatePIDs=.");
                version = running_systemd_version(bus);
                launcher = single_process_needs_launcher(version);
        }
        r = check_user_namespace(&s, launcher);
        if (r >= 0)
                r = check_absolute_paths(&s, launcher);
        if (r < 0)
                return r;
        if (output && single && !launcher) {
                const char *b = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
                _cleanup_free_ char *want = NULL;
                if (asprintf(&want, "berth-%s.service", name) >= 0 && !streq(b, want))
                        log_warning("The unit should be named %s: berth-register@%s.service registers that unit.", want, name);
        }

        if (output) {
                if (asprintf(&tmp, "%s.XXXXXX", output) < 0)
                        return log_oom();
                int fd = mkostemp(tmp, O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(errno, "Failed to create %s: %m", tmp);
                (void) fchmod(fd, 0644);
                f = fdopen(fd, "w");
                if (!f) {
                        close(fd);
                        (void) unlink(tmp);
                        return log_error_errno(errno, "Failed to open %s: %m", tmp);
                }
        }
        /* SetCredential= values are in the file: only root reads it. */
        bool values = false;
        for (size_t i = 0; i < s.n_credentials; i++)
                values = values || !s.credentials[i].path;
        if (f && values)
                (void) fchmod(fileno(f), 0600);
        FILE *out = f ?: stdout;

        if (single && !launcher)
                r = unit_file_single_process(out, self, name, sp.root, sp.exec_path, &sp.uuid, &s,
                                             sp.has_user ? &sp.user : NULL, version);
        else {
                _cleanup_free_ char *image = NULL;
                if (!single && !s.directory && image_find(name, &image) < 0)
                        log_warning("No image '%s' in /var/lib/machines yet; the unit will need it.", name);
                _cleanup_strv_free_ char **run_options = NULL;
                r = settings_run_argv_strip_credentials((int) strv_length(options), options, &run_options);
                if (r >= 0)
                        r = unit_file_launcher(out, self, name, !single, run_options, s.credentials, s.n_credentials);
        }
        if (r == -EOPNOTSUPP)
                log_error("A unit file cannot express one of these options (an overlay, a +PATH bind, a credential ID that starts with a blank or a path that ends with one).");
        else if (r < 0)
                log_error_errno(r, "Failed to write the unit: %m");
        if (r >= 0 && f && (fflush(f) != 0 || ferror(f)))
                r = log_error_errno(errno, "Failed to write %s: %m", tmp);
        if (r >= 0 && f && rename(tmp, output) < 0)
                r = log_error_errno(errno, "Failed to move the unit into place as %s: %m", output);
        if (r < 0 && tmp)
                (void) unlink(tmp);
        return r;
}

int verb_generate_unit(int argc, char **argv) {
        _cleanup_strv_free_ char **rest = NULL;
        _cleanup_free_ char *output = NULL;

        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("berth generate-unit NAME [--output=PATH] [RUN OPTIONS...] [-- COMMAND [ARGS...]]\n\n"
                       "Print (or write to PATH) a unit file for /etc/systemd/system equivalent to what\n"
                       "'berth start' with the same arguments starts: with a COMMAND a single-process machine,\n"
                       "to be named berth-NAME.service (berth-register@NAME.service registers it), else a\n"
                       "booted machine. Enable it with systemctl enable, or use berth enable.\n");
                return 0;
        }
        if (argc < 2 || argv[1][0] == '-')
                return log_error("berth generate-unit needs a machine name first; see 'berth generate-unit --help'."), 1;
        const char *name = argv[1];
        if (!machine_name_is_valid(name))
                return log_error("Invalid machine name '%s'.", name), 1;

        /* --output= is ours; the rest are run's options. */
        if (strv_extend(&rest, "generate-unit") < 0)
                return log_oom(), 1;
        bool after_dashes = false;
        for (int i = 2; i < argc; i++) {
                const char *o = after_dashes ? NULL : startswith(argv[i], "--output=");
                if (!after_dashes && streq(argv[i], "--output")) {
                        if (i + 1 >= argc)
                                return log_error("--output needs a path."), 1;
                        o = argv[++i];
                }
                if (o) {
                        free(output);
                        output = strdup(o);
                        if (!output)
                                return log_oom(), 1;
                        continue;
                }
                if (streq(argv[i], "--"))
                        after_dashes = true;
                if (strv_extend(&rest, argv[i]) < 0)
                        return log_oom(), 1;
        }
        return machine_unit_file_write(name, rest, output) < 0 ? 1 : 0;
}
