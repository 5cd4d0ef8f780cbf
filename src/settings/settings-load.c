/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "log.h"
#include "settings-file.h"
#include "settings-load.h"
#include "strv.h"

int settings_load(Settings *s, const char *name, const char *image, char **ret_path) {
        _cleanup_free_ char *image_base = NULL;
        int r;

        *ret_path = NULL;
        if (s->settings_mode == SETTINGS_NO)
                return 0;

        image_base = strdup(image);
        if (!image_base)
                return log_oom();
        size_t l = strlen(image_base);
        while (l > 1 && image_base[l - 1] == '/')
                image_base[--l] = 0;

        struct {
                const char *prefix; /* a directory, or NULL: beside the image */
                const char *suffix;
                bool trusted;
        } candidates[] = {
                { "/etc/berth/",          ".berth",  true  },
                { "/run/berth/",          ".berth",  true  },
                { NULL,                   ".berth",  false },
                { "/etc/systemd/nspawn/", ".nspawn", true  },
                { "/run/systemd/nspawn/", ".nspawn", true  },
                { NULL,                   ".nspawn", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                _cleanup_free_ char *path = NULL, *text = NULL, *error = NULL;
                _cleanup_strv_free_ char **warnings = NULL;
                _cleanup_(settings_done) Settings file;

                settings_init(&file);

                if (streq(image_base, "/") && !candidates[i].trusted)
                        continue;
                if (asprintf(&path, "%s%s%s", candidates[i].prefix ?: "", candidates[i].prefix ? name : image_base,
                             candidates[i].suffix) < 0)
                        return log_oom();
                r = read_full_file_at(AT_FDCWD, path, &text, NULL);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "Failed to read settings file %s: %m", path);

                bool trusted = candidates[i].trusted || s->settings_mode == SETTINGS_TRUSTED;
                r = settings_file_parse(text, path, trusted, &file, &warnings, &error);
                if (r < 0)
                        return log_error_errno(r, "Failed to parse %s: %s", path, error ?: "out of memory");
                for (char **w = warnings; w && *w; w++)
                        log_warning("%s", *w);

                r = settings_merge(s, &file, s->settings_mode);
                if (r < 0)
                        return log_error_errno(r, "Failed to apply %s: %m", path);
                log_debug("Applied settings file %s (%s).", path, trusted ? "trusted" : "untrusted");
                *ret_path = TAKE_PTR(path);
                return 0;
        }
        return 0;
}
