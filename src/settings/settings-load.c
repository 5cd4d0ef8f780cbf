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

/* Reads a credential's value from fd: a regular file of at most CREDENTIAL_SIZE_MAX bytes. Buffers
 * that held part of it are erased before they are freed. */
static int read_credential_fd(int fd, char **ret, size_t *ret_size) {
        struct stat st;
        size_t n = 0, allocated;
        char *buf;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_size > (off_t) CREDENTIAL_SIZE_MAX)
                return -EFBIG;
        allocated = (size_t) st.st_size + 2; /* a file that grows while it is read is noticed */
        buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (n + 1 >= allocated) {
                        size_t a = allocated * 2 > CREDENTIAL_SIZE_MAX + 2 ? CREDENTIAL_SIZE_MAX + 2 : allocated * 2;
                        char *t = a > allocated ? malloc(a) : NULL;
                        if (!t) {
                                explicit_bzero(buf, allocated);
                                free(buf);
                                return a > allocated ? -ENOMEM : -EFBIG;
                        }
                        memcpy(t, buf, n);
                        explicit_bzero(buf, allocated);
                        free(buf);
                        buf = t;
                        allocated = a;
                }
                ssize_t k = read(fd, buf + n, allocated - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = errno;
                        explicit_bzero(buf, allocated);
                        free(buf);
                        return -e;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        if (n > CREDENTIAL_SIZE_MAX) {
                explicit_bzero(buf, allocated);
                free(buf);
                return -EFBIG;
        }
        buf[n] = 0;
        *ret = buf;
        *ret_size = n;
        return 0;
}

int settings_load_credentials(Settings *s) {
        _cleanup_close_ int dir_fd = -EBADF;
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        int r;

        for (size_t i = 0; i < s->n_credentials; i++) {
                Credential *c = &s->credentials[i];
                _cleanup_close_ int fd = -EBADF;
                _cleanup_free_ char *shown = NULL;

                if (!c->path || c->data)
                        continue;
                if (c->path[0] == '/') {
                        /* Non-blocking, so that a FIFO cannot hang berth here; it is refused below. */
                        fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                        shown = strdup(c->path);
                } else {
                        if (isempty(dir))
                                return log_error_errno(ENOENT,
                                                       "Credential '%s': berth has no credential '%s' to pass on: $CREDENTIALS_DIRECTORY is not set (use an absolute path to read a file).",
                                                       c->id, c->path);
                        if (dir_fd < 0) {
                                dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                                if (dir_fd < 0)
                                        return log_error_errno(errno, "Failed to open $CREDENTIALS_DIRECTORY %s: %m", dir);
                        }
                        fd = openat(dir_fd, c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
                        if (asprintf(&shown, "%s/%s", dir, c->path) < 0)
                                shown = NULL;
                }
                if (!shown)
                        return log_oom();
                if (fd < 0 && errno == ENXIO)
                        return log_error_errno(ENXIO, "Credential '%s': %s is a socket; berth reads credentials from regular files only.",
                                               c->id, shown);
                if (fd < 0)
                        return log_error_errno(errno, "Failed to read credential '%s' from %s: %m", c->id, shown);
                r = read_credential_fd(fd, &c->data, &c->size);
                if (r == -EFBIG)
                        return log_error_errno(r, "Credential '%s' (%s) is larger than 1 MiB.", c->id, shown);
                if (r == -EBADFD)
                        return log_error_errno(r, "Credential '%s': %s is not a regular file.", c->id, shown);
                if (r < 0)
                        return log_error_errno(r, "Failed to read credential '%s' from %s: %m", c->id, shown);
        }
        if (credentials_size(s->credentials, s->n_credentials) > CREDENTIALS_TOTAL_SIZE_MAX)
                return log_error_errno(EFBIG, "The machine's credentials are larger than 1 MiB together.");
        return 0;
}
