/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the whole "berth run" command line (settings_parse_run_argv()), which
 * start, generate-unit and enable use too: the input, split at NUL bytes, is the argv after the
 * verb. Besides crashes, hangs and leaks it stops on a broken promise: a result other than 0, 1
 * (--help) or a negative errno with one line of error; accepted settings that break the promises
 * of a Settings (fuzz-settings.h) or do not pass settings_verify(); settings that keep pointers
 * into argv or differ when parsed again; an error that depends on how a credential's value is
 * spelled (so it would quote a secret); or settings_run_argv_strip_credentials() doing anything
 * but drop the credential options, leaving the same settings without credentials. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-settings.h"
#include "fuzz.h"
#include "settings.h"
#include "strv.h"

#define ARGS_MAX 256
#define INPUT_MAX 16384

/* Splits the input at NUL bytes into "run" and the arguments. */
static char **make_argv(const uint8_t *data, size_t size) {
        char **argv = calloc(ARGS_MAX + 2, sizeof(char *));
        size_t n = 0;

        if (!argv)
                return NULL;
        if (!(argv[n++] = strdup("run")))
                goto fail;
        for (size_t start = 0; start <= size && n <= ARGS_MAX;) {
                const uint8_t *end = memchr(data + start, 0, size - start);
                size_t l = end ? (size_t) (end - (data + start)) : size - start;
                if (!(argv[n++] = strndup((const char *) data + start, l)))
                        goto fail;
                start += l + 1;
        }
        return argv;
fail:
        strv_free(argv);
        return NULL;
}

/* Parses a private copy of argv, freed before the caller looks at the result: with ASan, any
 * pointer the settings kept into argv is caught. argv itself must come back untouched. */
static int parse(char **argv, Settings *s, char **ret_error) {
        char **copy = strv_copy(argv);
        if (!copy)
                return -ENOMEM;
        settings_init(s);
        int r = settings_parse_run_argv(s, (int) strv_length(copy), copy, ret_error);
        fuzz_assert(fuzz_strv_equal(copy, argv));
        strv_free(copy);
        return r;
}

static bool credentials_equal(const Settings *a, const Settings *b) {
        if (a->n_credentials != b->n_credentials)
                return false;
        for (size_t i = 0; i < a->n_credentials; i++) {
                const Credential *x = &a->credentials[i], *y = &b->credentials[i];
                if (!streq(x->id, y->id) || !streq_ptr(x->path, y->path) || x->size != y->size ||
                    !x->data != !y->data || (x->data && memcmp(x->data, y->data, x->size) != 0))
                        return false;
        }
        return true;
}

static bool mounts_equal(const Settings *a, const Settings *b) {
        if (a->n_custom_mounts != b->n_custom_mounts)
                return false;
        for (size_t i = 0; i < a->n_custom_mounts; i++)
                if (!fuzz_custom_mount_equal(&a->custom_mounts[i], &b->custom_mounts[i]))
                        return false;
        return true;
}

/* Everything but the credentials. */
static bool settings_equal_but_credentials(const Settings *a, const Settings *b) {
        return (a->mask & ~SETTING_CREDENTIALS) == (b->mask & ~SETTING_CREDENTIALS) &&
               streq_ptr(a->directory, b->directory) && streq_ptr(a->machine, b->machine) &&
               streq_ptr(a->hostname, b->hostname) && a->start_mode == b->start_mode &&
               fuzz_strv_equal(a->parameters, b->parameters) && streq_ptr(a->working_directory, b->working_directory) &&
               fuzz_strv_equal(a->environment, b->environment) && streq_ptr(a->user, b->user) &&
               memcmp(&a->uuid, &b->uuid, sizeof(a->uuid)) == 0 && a->kill_signal == b->kill_signal &&
               mounts_equal(a, b) && a->read_only == b->read_only && a->volatile_mode == b->volatile_mode &&
               a->ephemeral == b->ephemeral && a->capability_add == b->capability_add &&
               a->capability_drop == b->capability_drop && a->no_new_privileges == b->no_new_privileges &&
               a->private_network == b->private_network && a->console_mode == b->console_mode &&
               a->quiet == b->quiet && a->register_mode == b->register_mode && a->keep_unit == b->keep_unit &&
               a->link_journal == b->link_journal && a->settings_mode == b->settings_mode &&
               streq_ptr(a->slice, b->slice) && fuzz_strv_equal(a->properties, b->properties);
}

static bool settings_equal(const Settings *a, const Settings *b) {
        return a->mask == b->mask && settings_equal_but_credentials(a, b) && credentials_equal(a, b);
}

/* Which arguments settings_run_argv_strip_credentials() dropped; the arguments must be unique. */
static bool *dropped_arguments(char **argv, char **stripped) {
        size_t argc = strv_length(argv), j = 0;
        bool *dropped = calloc(argc + 1, sizeof(bool));

        if (!dropped)
                return NULL;
        for (size_t i = 1; i < argc; i++) {
                if (stripped[j] && streq(stripped[j], argv[i]))
                        j++;
                else
                        dropped[i] = true;
        }
        /* What is left is argv without some of its arguments, in their order. */
        fuzz_assert(!stripped[j]);
        return dropped;
}

static bool arguments_unique(char **argv) {
        for (char **a = argv; *a; a++)
                for (char **b = argv; b < a; b++)
                        if (streq(*a, *b))
                                return false;
        return true;
}

/* ID:VALUE with the value spelled anew, every byte as \xHH; NULL if the value is invalid. */
static char *respell_credential(const char *spec) {
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *data = NULL;
        size_t size;
        char *out, *o;

        if (!colon || credential_unescape(colon + 1, &data, &size) < 0)
                return NULL;
        out = malloc((size_t) (colon + 1 - spec) + size * 4 + 1);
        if (!out)
                return NULL;
        memcpy(out, spec, (size_t) (colon + 1 - spec));
        o = out + (colon + 1 - spec);
        for (size_t i = 0; i < size; i++)
                o += sprintf(o, "\\x%02x", (unsigned char) data[i]);
        *o = 0;
        return out;
}

/* argv with the value of every --set-credential= spelled anew: the same settings, or the same error. */
static void check_credential_spelling(char **argv, const bool *dropped, int r, const Settings *s, const char *error) {
        char **respelled = strv_copy(argv);
        bool changed = false;

        if (!respelled)
                return;
        for (size_t i = 1; respelled[i]; i++) {
                if (!dropped[i])
                        continue;
                /* A dropped argument is a credential option, with its value after '=' or in the next
                 * argument (which may look like an option itself). Only --set-credential (or an
                 * abbreviation, --set-...) starts with "--set-". */
                char *eq = strchr(argv[i], '=');
                size_t option = i, k = i;
                if (!eq) {
                        if (!respelled[i + 1])
                                break;
                        k = ++i;
                }
                if (!dropped[k] || !startswith(argv[option], "--set-"))
                        continue;
                char *n = respell_credential(eq ? eq + 1 : argv[k]);
                if (!n)
                        continue;
                if (eq) {
                        char *glued = NULL;
                        if (asprintf(&glued, "%.*s%s", (int) (eq + 1 - argv[i]), argv[i], n) < 0)
                                glued = NULL;
                        free(n);
                        n = glued;
                        if (!n)
                                continue;
                }
                free(respelled[k]);
                respelled[k] = n;
                changed = true;
        }

        if (changed) {
                Settings s2;
                char *error2 = NULL;
                int r2 = parse(respelled, &s2, &error2);
                if (r2 != -ENOMEM) {
                        fuzz_assert(r2 == r);
                        fuzz_assert(streq_ptr(error2, error));
                        fuzz_assert(r != 0 || settings_equal(s, &s2));
                }
                settings_done(&s2);
                free(error2);
        }
        strv_free(respelled);
}

static void check_strip(char **argv, int r, const Settings *s, const char *error) {
        char **stripped = NULL;
        int k = settings_run_argv_strip_credentials((int) strv_length(argv), argv, &stripped);

        if (k == -ENOMEM)
                return;
        fuzz_assert(k == 0 && stripped);

        bool unique = arguments_unique(argv);
        _cleanup_free_ bool *dropped = unique ? dropped_arguments(argv, stripped) : NULL;
        if (dropped)
                check_credential_spelling(argv, dropped, r, s, error);

        /* Accepted with credentials: accepted without them, all else the same. */
        if (r == 0) {
                char **again = calloc(strv_length(stripped) + 2, sizeof(char *));
                if (again) {
                        again[0] = (char *) "run";
                        memcpy(again + 1, stripped, strv_length(stripped) * sizeof(char *));
                        Settings s2;
                        char *error2 = NULL;
                        int r2 = parse(again, &s2, &error2);
                        if (r2 != -ENOMEM) {
                                fuzz_assert(r2 == 0 && !error2);
                                fuzz_assert(s2.n_credentials == 0 && !(s2.mask & SETTING_CREDENTIALS));
                                fuzz_assert(settings_equal_but_credentials(s, &s2));
                        }
                        settings_done(&s2);
                        free(error2);
                        free(again);
                }
        }
        strv_free(stripped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > INPUT_MAX)
                return 0;
        char **argv = make_argv(data, size);
        if (!argv)
                return 0;

        Settings s;
        char *error = NULL;
        int r = parse(argv, &s, &error);

        if (r != -ENOMEM) {
                fuzz_assert(r == 0 || r == 1 || r == -EINVAL);
                if (r >= 0)
                        fuzz_assert(!error);
                else
                        fuzz_assert(error && fuzz_is_one_line(error));
                if (r == 0) {
                        char *verify_error = NULL;
                        fuzz_check_settings(&s);
                        fuzz_assert(settings_verify(&s, &verify_error) == 0 && !verify_error);
                }

                /* The parser starts afresh each time (getopt's state included). */
                Settings s2;
                char *error2 = NULL;
                int r2 = parse(argv, &s2, &error2);
                if (r2 != -ENOMEM) {
                        fuzz_assert(r2 == r && streq_ptr(error2, error));
                        fuzz_assert(r != 0 || settings_equal(&s, &s2));
                }
                settings_done(&s2);
                free(error2);

                check_strip(argv, r, &s, error);
        }

        settings_done(&s);
        free(error);
        strv_free(argv);
        return 0;
}
