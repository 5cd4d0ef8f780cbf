/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the settings-file parser: any text, trusted and untrusted, then merged into a
 * command line both ways. Besides crashes, hangs and leaks it stops on a broken promise of the parser:
 * an error other than lack of memory, a warning that is not one line naming the file, or a
 * privileged setting (LoadCredential= too) taken from an untrusted file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings-file.h"
#include "settings.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILENAME "fuzz.nspawn"

static void check_warnings(char **w) {
        for (char **l = w; l && *l; l++) {
                if (strncmp(*l, FILENAME ":", strlen(FILENAME ":")) != 0)
                        abort();
                for (const char *c = *l; *c; c++)
                        if ((unsigned char) *c < ' ' || *c == 0x7f)
                                abort();
        }
}

static void merge_into_cmdline(const char *text, bool trusted, SettingsMode mode) {
        char *argv[] = { (char *) "run", (char *) "-b", (char *) "--bind=/x", (char *) "-E", (char *) "A=1",
                         (char *) "--capability=CAP_NET_RAW", (char *) "--set-credential=a:1", NULL };
        Settings c, f;
        char *error = NULL;

        settings_init(&c);
        if (settings_parse_run_argv(&c, 7, argv, &error) < 0)
                abort();
        free(error);
        if (settings_file_parse(text, FILENAME, trusted, &f, NULL, NULL) < 0) {
                settings_done(&c);
                return;
        }
        if (settings_merge(&c, &f, mode) < 0)
                abort();
        /* The emptied file merged again must not touch the moved fields. */
        if (settings_merge(&c, &f, mode) < 0)
                abort();
        settings_done(&f);
        settings_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 64 * 1024)
                return 0;

        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        for (int trusted = 0; trusted <= 1; trusted++) {
                Settings s;
                char **warnings = NULL, *error = NULL;
                int r = settings_file_parse(text, FILENAME, trusted, &s, &warnings, &error);

                if (r < 0 && r != -ENOMEM)
                        abort();
                if (r == 0) {
                        if (error)
                                abort();
                        check_warnings(warnings);
                        if (!trusted && ((s.mask & (SETTING_MACHINE_ID | SETTING_CUSTOM_MOUNTS | SETTING_NETWORK |
                                                    SETTING_EPHEMERAL | SETTING_LINK_JOURNAL)) ||
                                         s.capability_add != 0 || s.n_custom_mounts != 0))
                                abort();
                        /* An untrusted file reads no host file: no LoadCredential=. */
                        for (size_t i = 0; !trusted && i < s.n_credentials; i++)
                                if (s.credentials[i].path)
                                        abort();
                        /* The mask bit of a list is set exactly when the list holds something. */
                        if (!!(s.mask & SETTING_CUSTOM_MOUNTS) != (s.n_custom_mounts > 0) ||
                            !!(s.mask & SETTING_PARAMETERS) != (s.parameters != NULL) ||
                            !!(s.mask & SETTING_ENVIRONMENT) != (s.environment != NULL) ||
                            !!(s.mask & SETTING_CREDENTIALS) != (s.n_credentials > 0))
                                abort();
                }
                settings_done(&s);
                strv_free(warnings);
                free(error);

                merge_into_cmdline(text, trusted, SETTINGS_YES);
                merge_into_cmdline(text, trusted, SETTINGS_OVERRIDE);
        }

        free(text);
        return 0;
}
