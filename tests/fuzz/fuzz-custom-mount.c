/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the mount specifications of --bind=, --bind-ro=, --tmpfs=, --inaccessible=,
 * --overlay= and --overlay-ro=, and of their settings-file keys. The first byte of the input picks
 * the kind, the rest is the specification. Besides crashes, hangs and leaks it stops on a broken
 * promise: an error other than the documented ones; an accepted mount whose paths are not absolute
 * and normalized or that sets fields of another type; a mount that, written back as a
 * specification, parses into anything else; or the command line and the settings file disagreeing
 * with the parser on the same specification (what one accepts the other accepts, as the same mount;
 * what one refuses the other refuses with one line). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-settings.h"
#include "fuzz.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"

#define FILENAME "fuzz.berth"
#define SPEC_MAX 4096

typedef enum Kind {
        KIND_BIND,
        KIND_BIND_RO,
        KIND_TMPFS,
        KIND_INACCESSIBLE,
        KIND_OVERLAY,
        KIND_OVERLAY_RO,
        _KIND_MAX,
} Kind;

static const struct {
        const char *option;
        const char *key;
        CustomMountType type;
} kinds[_KIND_MAX] = {
        [KIND_BIND] = { "--bind", "Bind", CUSTOM_MOUNT_BIND },
        [KIND_BIND_RO] = { "--bind-ro", "BindReadOnly", CUSTOM_MOUNT_BIND },
        [KIND_TMPFS] = { "--tmpfs", "TemporaryFileSystem", CUSTOM_MOUNT_TMPFS },
        [KIND_INACCESSIBLE] = { "--inaccessible", "Inaccessible", CUSTOM_MOUNT_INACCESSIBLE },
        [KIND_OVERLAY] = { "--overlay", "Overlay", CUSTOM_MOUNT_OVERLAY },
        [KIND_OVERLAY_RO] = { "--overlay-ro", "OverlayReadOnly", CUSTOM_MOUNT_OVERLAY },
};

static int parse(Kind kind, const char *spec, CustomMount *ret) {
        switch (kind) {
        case KIND_BIND:
        case KIND_BIND_RO:
                return custom_mount_parse_bind(spec, kind == KIND_BIND_RO, ret);
        case KIND_TMPFS:
                return custom_mount_parse_tmpfs(spec, ret);
        case KIND_INACCESSIBLE:
                return custom_mount_parse_inaccessible(spec, ret);
        case KIND_OVERLAY:
        case KIND_OVERLAY_RO:
                return custom_mount_parse_overlay(spec, kind == KIND_OVERLAY_RO, ret);
        default:
                abort();
        }
}

/* Appends a path to f as one colon-separated part: ':' and '\' escaped. */
static void put_escaped(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == ':' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
}

/* The mount written back as a specification of its kind. */
static char *format(const CustomMount *m) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        switch (m->type) {
        case CUSTOM_MOUNT_BIND:
                if (m->source_in_root)
                        fputc('+', f);
                put_escaped(f, m->source);
                fputc(':', f);
                put_escaped(f, m->destination);
                fputs(m->recursive ? ":rbind" : ":norbind", f);
                fputs(m->idmap ? ",idmap" : ",noidmap", f);
                break;
        case CUSTOM_MOUNT_TMPFS:
                /* The path ends at the first ':', so it holds none. */
                fprintf(f, "%s:%s", m->destination, m->options);
                break;
        case CUSTOM_MOUNT_INACCESSIBLE:
                fputs(m->destination, f);
                break;
        case CUSTOM_MOUNT_OVERLAY:
                for (char **l = m->lower; *l; l++) {
                        put_escaped(f, *l);
                        fputc(':', f);
                }
                if (m->upper) {
                        put_escaped(f, m->upper);
                        fputc(':', f);
                }
                put_escaped(f, m->destination);
                break;
        default:
                abort();
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static void check_accepted(Kind kind, const CustomMount *m) {
        fuzz_check_custom_mount(m);
        fuzz_assert(m->type == kinds[kind].type);
        fuzz_assert(m->read_only == (kind == KIND_BIND_RO || kind == KIND_OVERLAY_RO));
        /* A read-only overlay has at least two layers: with two paths the destination is one. */
        fuzz_assert(kind != KIND_OVERLAY_RO || strv_length(m->lower) >= 2);

        _cleanup_free_ char *again = format(m);
        if (!again)
                return;
        CustomMount m2;
        int r = parse(kind, again, &m2);
        if (r == -ENOMEM)
                return;
        fuzz_assert(r == 0);
        fuzz_assert(fuzz_custom_mount_equal(m, &m2));
        _cleanup_free_ char *again2 = format(&m2);
        fuzz_assert(!again2 || streq(again, again2));
        custom_mount_done(&m2);
}

/* The command line, with the value glued to the option and as the next argument. */
static void check_argv(Kind kind, const char *spec, int r, const CustomMount *m) {
        _cleanup_free_ char *glued = NULL;

        if (asprintf(&glued, "%s=%s", kinds[kind].option, spec) < 0)
                return;
        /* With a user namespace, which the bind option idmap needs. */
        char *argv1[] = { (char *) "run", (char *) "-U", glued, NULL };
        char *argv2[] = { (char *) "run", (char *) "-U", (char *) kinds[kind].option, (char *) spec, NULL };
        char **argvs[] = { argv1, argv2 };

        for (size_t i = 0; i < ELEMENTSOF(argvs); i++) {
                Settings s;
                char *error = NULL;
                int k;

                settings_init(&s);
                k = settings_parse_run_argv(&s, (int) strv_length(argvs[i]), argvs[i], &error);
                if (k == -ENOMEM || r == -ENOMEM) {
                        settings_done(&s);
                        free(error);
                        continue;
                }
                if (r == 0) {
                        fuzz_assert(k == 0 && !error);
                        fuzz_assert(s.n_custom_mounts == 1 && s.mask == (SETTING_CUSTOM_MOUNTS | SETTING_USERNS));
                        fuzz_assert(fuzz_custom_mount_equal(&s.custom_mounts[0], m));
                } else {
                        fuzz_assert(k == -EINVAL && error && fuzz_is_one_line(error));
                        fuzz_assert(s.n_custom_mounts == 0);
                }
                settings_done(&s);
                free(error);
        }
}

/* Whether the settings file sees the specification as the command line does: the file takes
 * the value of a line without its surrounding blanks, a trailing backslash continues the line,
 * an empty value resets the key, and the file bounds the number of parts. */
static bool file_sees_same(const char *spec) {
        size_t l = strlen(spec), colons = 0;

        if (l == 0 || !fuzz_is_one_line(spec) || spec[0] == ' ' || spec[l - 1] == ' ' || spec[l - 1] == '\\')
                return false;
        for (const char *c = spec; *c; c++)
                colons += *c == ':';
        return colons <= 1024;
}

static void check_file(Kind kind, const char *spec, int r, const CustomMount *m) {
        _cleanup_free_ char *text = NULL;

        if (!file_sees_same(spec) || asprintf(&text, "[Files]\n%s=%s\n", kinds[kind].key, spec) < 0)
                return;
        for (int trusted = 0; trusted <= 1; trusted++) {
                Settings s;
                char **warnings = NULL;
                int k = settings_file_parse(text, FILENAME, trusted, &s, &warnings, NULL);

                if (k == -ENOMEM || r == -ENOMEM) {
                        if (k == 0)
                                settings_done(&s);
                        strv_free(warnings);
                        continue;
                }
                fuzz_assert(k == 0);
                if (r == 0 && trusted) {
                        fuzz_assert(!warnings);
                        fuzz_assert(s.n_custom_mounts == 1 && s.mask == SETTING_CUSTOM_MOUNTS);
                        fuzz_assert(fuzz_custom_mount_equal(&s.custom_mounts[0], m));
                } else {
                        /* Refused, or a privileged key in an untrusted file: one warning, on line 2. */
                        fuzz_assert(strv_length(warnings) == 1);
                        fuzz_assert(startswith(warnings[0], FILENAME ":2: ") && fuzz_is_one_line(warnings[0]));
                        fuzz_assert(s.n_custom_mounts == 0 && s.mask == 0);
                }
                settings_done(&s);
                strv_free(warnings);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        Kind kind = data[0] % _KIND_MAX;
        _cleanup_free_ char *spec = fuzz_string(data + 1, size - 1, SPEC_MAX);
        if (!spec)
                return 0;

        CustomMount m = {};
        int r = parse(kind, spec, &m);
        if (kind == KIND_BIND || kind == KIND_BIND_RO)
                fuzz_assert(IN_SET(r, 0, -EINVAL, -EOPNOTSUPP, -ENOMEM));
        else
                fuzz_assert(IN_SET(r, 0, -EINVAL, -ENOMEM));
        if (r == 0)
                check_accepted(kind, &m);

        check_argv(kind, spec, r, &m);
        check_file(kind, spec, r, &m);

        if (r == 0)
                custom_mount_done(&m);
        return 0;
}
