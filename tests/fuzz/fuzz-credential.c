/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the credential specifications: --set-credential=ID:VALUE (C escapes in the
 * value), --load-credential=ID:PATH, their settings-file keys, and the escaping berth writes into
 * unit files. Besides crashes, hangs and leaks it stops on a broken promise: an error other than
 * the documented ones, or the wrong one; an accepted credential with an invalid ID or path; a value
 * that, escaped as berth writes it, does not read back as the same bytes (any bytes, NULs too); the
 * command line or the settings file disagreeing with the parser; or an error or warning that
 * depends on the value (so it could quote a secret). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "fuzz-settings.h"
#include "fuzz.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"

#define FILENAME "fuzz.berth"
#define SPEC_MAX 8192

static bool credential_equal(const Credential *a, const Credential *b) {
        return streq(a->id, b->id) && streq_ptr(a->path, b->path) && a->size == b->size && !a->data == !b->data &&
               (!a->data || memcmp(a->data, b->data, a->size) == 0);
}

/* Escaped as for a unit file's SetCredential=, the bytes read back the same. */
static void check_escape(const char *data, size_t size) {
        _cleanup_free_ char *escaped = NULL, *back = NULL;
        size_t back_size;

        if (credential_escape(data, size, &escaped) < 0)
                return;
        /* One word of printable ASCII: nothing a unit file's parser would split, unquote or expand. */
        for (const char *c = escaped; *c; c++)
                fuzz_assert(*c > ' ' && *c < 0x7f && *c != '"' && *c != '\'' && *c != '%');
        int r = credential_unescape(escaped, &back, &back_size);
        if (r == -ENOMEM)
                return;
        fuzz_assert(r == 0);
        fuzz_assert(back_size == size && memcmp(back, data, size) == 0 && back[size] == 0);
}

/* ID:VALUE with another value of the same kind: the same bytes spelled as \xHH when valid, an
 * invalid escape when not. */
static char *other_value(const char *spec, bool valid) {
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *data = NULL;
        size_t size = 0, idlen = (size_t) (colon - spec);
        char *out, *o;

        if (valid && credential_unescape(colon + 1, &data, &size) < 0)
                return NULL;
        out = malloc(idlen + 1 + size * 4 + 3);
        if (!out)
                return NULL;
        memcpy(out, spec, idlen + 1);
        o = out + idlen + 1;
        if (!valid)
                o = stpcpy(o, "\\q");
        for (size_t i = 0; i < size; i++)
                o += sprintf(o, "\\x%02x", (unsigned char) data[i]);
        *o = 0;
        return out;
}

static int parse_argv(const char *option, const char *spec, Settings *s, char **ret_error) {
        _cleanup_free_ char *arg = NULL;

        settings_init(s);
        *ret_error = NULL;
        if (asprintf(&arg, "%s=%s", option, spec) < 0)
                return -ENOMEM;
        char *argv[] = { (char *) "run", arg, NULL };
        return settings_parse_run_argv(s, 2, argv, ret_error);
}

static void check_argv(bool load, const char *spec, int r, const Credential *c) {
        const char *option = load ? "--load-credential" : "--set-credential";
        Settings s;
        char *error = NULL;
        int k = parse_argv(option, spec, &s, &error);

        if (k == -ENOMEM || r == -ENOMEM)
                goto finish;
        if (r == 0) {
                fuzz_assert(k == 0 && !error);
                fuzz_assert(s.n_credentials == 1 && s.mask == SETTING_CREDENTIALS);
                fuzz_assert(credential_equal(&s.credentials[0], c));
        } else {
                fuzz_assert(k == -EINVAL && error && fuzz_is_one_line(error));
                fuzz_assert(s.n_credentials == 0);
        }

        /* The value is never quoted back: another value of the same kind gives the same error. */
        if (!load && IN_SET(r, 0, -EBADMSG)) {
                _cleanup_free_ char *other = other_value(spec, r == 0);
                Settings s2;
                char *error2 = NULL;
                if (other && parse_argv(option, other, &s2, &error2) != -ENOMEM) {
                        fuzz_assert(streq_ptr(error, error2));
                        fuzz_assert(r != 0 || (s2.n_credentials == 1 && credential_equal(&s2.credentials[0], c)));
                }
                settings_done(&s2);
                free(error2);
        }
finish:
        settings_done(&s);
        free(error);
}

static int parse_file(bool load, const char *spec, bool trusted, Settings *s, char ***ret_warnings) {
        _cleanup_free_ char *text = NULL;

        if (asprintf(&text, "[Exec]\n%s=%s\n", load ? "LoadCredential" : "SetCredential", spec) < 0)
                return -ENOMEM;
        return settings_file_parse(text, FILENAME, trusted, s, ret_warnings, NULL);
}

static void check_file(bool load, const char *spec, int r, const Credential *c) {
        size_t l = strlen(spec);

        /* The file takes a line's value without its surrounding blanks; a trailing backslash
         * continues the line. */
        if (l == 0 || !fuzz_is_one_line(spec) || spec[0] == ' ' || spec[l - 1] == ' ' || spec[l - 1] == '\\')
                return;
        for (int trusted = 0; trusted <= 1; trusted++) {
                Settings s;
                char **warnings = NULL;
                int k = parse_file(load, spec, trusted, &s, &warnings);

                if (k == -ENOMEM || r == -ENOMEM) {
                        if (k == 0)
                                settings_done(&s);
                        strv_free(warnings);
                        continue;
                }
                fuzz_assert(k == 0);
                if (r == 0 && (trusted || !load)) {
                        fuzz_assert(!warnings);
                        fuzz_assert(s.n_credentials == 1 && s.mask == SETTING_CREDENTIALS);
                        fuzz_assert(credential_equal(&s.credentials[0], c));
                } else {
                        /* Refused, or LoadCredential= in an untrusted file: one warning, on line 2. */
                        fuzz_assert(strv_length(warnings) == 1);
                        fuzz_assert(startswith(warnings[0], FILENAME ":2: ") && fuzz_is_one_line(warnings[0]));
                        fuzz_assert(s.n_credentials == 0 && s.mask == 0);
                }

                /* Warnings name the credential, never its value. */
                _cleanup_free_ char *other = !load && r == -EBADMSG ? other_value(spec, false) : NULL;
                if (other) {
                        Settings s2;
                        char **warnings2 = NULL;
                        if (parse_file(load, other, trusted, &s2, &warnings2) == 0) {
                                fuzz_assert(fuzz_strv_equal(warnings, warnings2));
                                settings_done(&s2);
                        }
                        strv_free(warnings2);
                }
                settings_done(&s);
                strv_free(warnings);
        }
}

static void check_spec(bool load, const char *spec) {
        Credential c = {};
        const char *colon = strchr(spec, ':');
        int r = load ? credential_parse_load(spec, &c) : credential_parse_set(spec, &c);

        /* The documented errors, each for its reason. */
        fuzz_assert(IN_SET(r, 0, -EINVAL, -EBADR, -EBADMSG, -EFBIG, -ENOMEM));
        if (r == -ENOMEM)
                return;
        fuzz_assert((r == -EINVAL) == (!colon || colon == spec));
        if (r != -EINVAL) {
                _cleanup_free_ char *id = strndup(spec, (size_t) (colon - spec));
                fuzz_assert(!id || (r == -EBADR) == !credential_name_is_valid(id));
        }
        fuzz_assert(r != -EFBIG || !load);

        if (r == 0) {
                fuzz_assert(strlen(c.id) == (size_t) (colon - spec) && strncmp(c.id, spec, strlen(c.id)) == 0);
                fuzz_check_credentials(&c, 1);
                if (load)
                        fuzz_assert(c.path && !c.data);
                else {
                        fuzz_assert(!c.path && c.data && c.size <= strlen(colon + 1));
                        check_escape(c.data, c.size);
                }
        }

        check_argv(load, spec, r, &c);
        check_file(load, spec, r, &c);
        credential_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > SPEC_MAX)
                return 0;

        /* Any bytes, NULs too, are a value that the escaping carries. */
        check_escape((const char *) data, size);

        _cleanup_free_ char *spec = fuzz_string(data, size, SPEC_MAX);
        if (!spec)
                return 0;
        check_spec(false, spec);
        check_spec(true, spec);
        return 0;
}
