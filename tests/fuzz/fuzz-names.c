/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the name rules: hostnames and machine names (what machined takes), the
 * machine name berth makes from a directory, credential names, file names, environment
 * assignments, and user names as the command line and the settings file check them. Each rule is
 * compared with the rule written out here from its documentation, and a name berth makes must pass
 * the rule it is made for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-settings.h"
#include "fuzz.h"
#include "image.h"
#include "parse-util.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"

#define NAME_MAX_INPUT 1024

static bool is_ascii_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A DNS name of labels of 1..63 letters, digits and '-', not starting or ending with '-', at most
 * 64 characters in all (machined's rule). */
static bool reference_hostname_is_valid(const char *s) {
        size_t l = strlen(s);

        if (l == 0 || l > 64)
                return false;
        for (const char *label = s;;) {
                size_t n = strcspn(label, ".");
                if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (!is_ascii_alnum(label[i]) && label[i] != '-')
                                return false;
                if (!label[n])
                        return true;
                label += n + 1;
        }
}

/* As systemd: not empty, not "." or "..", no '/' or ':', printable ASCII, at most 255 bytes. */
static bool reference_credential_name_is_valid(const char *s) {
        size_t l = strlen(s);

        if (l == 0 || l > 255 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c < ' ' || (unsigned char) *c >= 0x7f || *c == '/' || *c == ':')
                        return false;
        return true;
}

static bool reference_filename_is_valid(const char *s) {
        return *s && strlen(s) <= 255 && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

/* NAME=VALUE: a name of letters, digits and '_' not starting with a digit; no control character
 * in the value but tab and newline. */
static bool reference_env_assignment_is_valid(const char *s) {
        const char *eq = strchr(s, '=');

        if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (const char *c = s; c < eq; c++)
                if (!is_ascii_alnum(*c) && *c != '_')
                        return false;
        for (const char *c = eq + 1; *c; c++)
                if ((unsigned char) *c < ' ' && *c != '\t' && *c != '\n')
                        return false;
        return true;
}

/* The name made from a directory: a valid machine name, kept as it is when made from itself. */
static void check_machine_name_from_directory(const char *directory, const char *hostname) {
        _cleanup_free_ char *name = NULL, *again = NULL, *sub = NULL;
        int r = machine_name_from_directory(directory, hostname, &name);

        fuzz_assert(IN_SET(r, 0, -EINVAL, -ENOMEM));
        if (r != 0)
                return;
        fuzz_assert(machine_name_is_valid(name));
        r = machine_name_from_directory(name, NULL, &again);
        fuzz_assert(r == -ENOMEM || (r == 0 && streq(name, again)));
        /* The same inside a longer path, and with trailing slashes. */
        if (asprintf(&sub, "/var/lib/machines/%s//", name) >= 0) {
                free(again);
                again = NULL;
                r = machine_name_from_directory(sub, NULL, &again);
                fuzz_assert(r == -ENOMEM || (r == 0 && streq(name, again)));
        }
}

/* The base name of a path as machine_name_from_directory() takes it: the last component. */
static char *last_component(const char *directory) {
        size_t l = strlen(directory);
        while (l > 1 && directory[l - 1] == '/')
                l--;
        const char *e = directory + l, *s = e;
        while (s > directory && s[-1] != '/')
                s--;
        return strndup(s, (size_t) (e - s));
}

/* --user= and User= follow the same rule. */
static void check_user(const char *name) {
        size_t l = strlen(name);
        _cleanup_free_ char *arg = NULL, *text = NULL;
        Settings a, f;
        char *error = NULL, **warnings = NULL;
        int ra, rf;

        /* The file takes a value without its surrounding blanks, continues a line ending in '\';
         * an empty value resets the key. */
        if (l == 0 || !fuzz_is_one_line(name) || name[0] == ' ' || name[l - 1] == ' ' || name[l - 1] == '\\')
                return;
        if (asprintf(&arg, "--user=%s", name) < 0 || asprintf(&text, "[Exec]\nUser=%s\n", name) < 0)
                return;
        char *argv[] = { (char *) "run", arg, NULL };
        settings_init(&a);
        ra = settings_parse_run_argv(&a, 2, argv, &error);
        rf = settings_file_parse(text, "fuzz.berth", false, &f, &warnings, NULL);
        if (ra != -ENOMEM && rf == 0) {
                bool by_argv = ra == 0, by_file = !warnings && streq_ptr(f.user, name);
                fuzz_assert(by_argv == by_file);
                fuzz_assert(!by_argv || streq(a.user, name));
                fuzz_assert(by_argv || (error && fuzz_is_one_line(error)));
        }
        if (rf == 0)
                settings_done(&f);
        settings_done(&a);
        strv_free(warnings);
        free(error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = fuzz_string(data, size, NAME_MAX_INPUT);
        if (!s)
                return 0;

        bool hostname = hostname_is_valid(s);
        fuzz_assert(hostname == reference_hostname_is_valid(s));
        fuzz_assert(machine_name_is_valid(s) == hostname);
        fuzz_assert(credential_name_is_valid(s) == reference_credential_name_is_valid(s));
        fuzz_assert(filename_is_valid(s) == reference_filename_is_valid(s));
        fuzz_assert(env_assignment_is_valid(s) == reference_env_assignment_is_valid(s));

        /* A directory's name, and the host's name for "/". */
        check_machine_name_from_directory(s, "host");
        check_machine_name_from_directory("/", s);
        /* A last component that is a valid name is the machine's name as it is. */
        _cleanup_free_ char *base = last_component(s);
        if (base && machine_name_is_valid(base) && !streq(s, "/")) {
                _cleanup_free_ char *name = NULL;
                int r = machine_name_from_directory(s, "host", &name);
                fuzz_assert(r == -ENOMEM || (r == 0 && streq(name, base)));
        }
        if (hostname) {
                _cleanup_free_ char *name = NULL;
                int r = machine_name_from_directory("/", s, &name);
                fuzz_assert(r == -ENOMEM || (r == 0 && streq(name, s)));
        }

        check_user(s);
        return 0;
}
