/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the settings-file parser: any text, trusted and untrusted, then merged into a
 * command line both ways. Besides crashes, hangs and leaks it stops on a broken promise of the parser:
 * an error other than lack of memory, a warning that is not one line naming the file, settings that
 * break the promises of a Settings (fuzz-settings.h), a privileged setting (LoadCredential= too)
 * taken from an untrusted file, or a merge that fails or changes anything when done again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-settings.h"
#include "fuzz.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"

#define FILENAME "fuzz.nspawn"
#define TEXT_MAX (64 * 1024)

static void check_warnings(char **w) {
        for (char **l = w; l && *l; l++) {
                fuzz_assert(startswith(*l, FILENAME ":"));
                fuzz_assert(fuzz_is_one_line(*l));
        }
}

static void merge_into_cmdline(const char *text, bool trusted, SettingsMode mode) {
        char *argv[] = { (char *) "run", (char *) "-b", (char *) "--bind=/x", (char *) "-E", (char *) "A=1",
                         (char *) "--capability=CAP_NET_RAW", (char *) "--set-credential=a:1", NULL };
        Settings c, f;
        char *error = NULL;

        settings_init(&c);
        fuzz_assert(settings_parse_run_argv(&c, 7, argv, &error) == 0);
        free(error);
        if (settings_file_parse(text, FILENAME, trusted, &f, NULL, NULL) < 0) {
                settings_done(&c);
                return;
        }
        int r = settings_merge(&c, &f, mode);
        if (r == 0) {
                fuzz_check_settings(&c);
                fuzz_check_settings(&f);
                /* The emptied file merged again must not touch the moved fields. */
                uint64_t mask = c.mask;
                size_t n_mounts = c.n_custom_mounts, n_credentials = c.n_credentials;
                r = settings_merge(&c, &f, mode);
                fuzz_assert(r == 0 || r == -ENOMEM);
                fuzz_assert(r != 0 || (c.mask == mask && c.n_custom_mounts == n_mounts && c.n_credentials == n_credentials));
        } else
                fuzz_assert(r == -ENOMEM);
        settings_done(&f);
        settings_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > TEXT_MAX)
                return 0;

        /* A NUL byte ends the text, as it ends a file read into a string. */
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        for (int trusted = 0; trusted <= 1; trusted++) {
                Settings s;
                char **warnings = NULL, *error = NULL;
                int r = settings_file_parse(text, FILENAME, trusted, &s, &warnings, &error);

                fuzz_assert(r == 0 || r == -ENOMEM);
                if (r == 0) {
                        fuzz_assert(!error);
                        check_warnings(warnings);
                        fuzz_check_settings(&s);
                        if (!trusted) {
                                fuzz_assert((s.mask & (SETTING_MACHINE_ID | SETTING_CUSTOM_MOUNTS | SETTING_NETWORK |
                                                       SETTING_EPHEMERAL | SETTING_LINK_JOURNAL | SETTING_USERNS |
                                                       SETTING_USERNS_OWNERSHIP)) == 0);
                                fuzz_assert(s.capability_add == 0 && s.n_custom_mounts == 0);
                                /* An untrusted file reads no host file: no LoadCredential=. */
                                for (size_t i = 0; i < s.n_credentials; i++)
                                        fuzz_assert(!s.credentials[i].path);
                        }
                        settings_done(&s);
                }
                strv_free(warnings);
                free(error);

                merge_into_cmdline(text, trusted, SETTINGS_YES);
                merge_into_cmdline(text, trusted, SETTINGS_OVERRIDE);
        }

        free(text);
        return 0;
}
