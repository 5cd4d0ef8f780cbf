/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

int image_find(const char *name, char **ret_path) {
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        if (!machine_name_is_valid(name))
                return -EINVAL;
        r = strv_split(MACHINES_DIRS, ':', &dirs);
        if (r < 0)
                return r;

        for (char **d = dirs; *d; d++) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (asprintf(&p, "%s/%s", *d, name) < 0)
                        return -ENOMEM;
                if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                *ret_path = TAKE_PTR(p);
                return 0;
        }
        return -ENOENT;
}

int directory_has_os_release(const char *path) {
        static const char *const candidates[] = { "etc/os-release", "usr/lib/os-release" };
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        bool found = false;
        for (size_t i = 0; i < ELEMENTSOF(candidates) && !found; i++)
                found = faccessat(fd, candidates[i], F_OK, 0) >= 0;
        close(fd);
        return found;
}

int machine_name_from_directory(const char *directory, const char *hostname, char **ret) {
        const char *base;

        if (isempty(directory))
                return -EINVAL;

        /* The last component, ignoring trailing slashes. */
        size_t l = strlen(directory);
        while (l > 1 && directory[l - 1] == '/')
                l--;
        if (l == 1 && directory[0] == '/')
                base = hostname;
        else {
                const char *e = directory + l, *s = e;
                while (s > directory && s[-1] != '/')
                        s--;
                _cleanup_free_ char *b = strndup(s, (size_t) (e - s));
                if (!b)
                        return -ENOMEM;
                return machine_name_from_directory("/", b, ret);
        }
        if (isempty(base))
                return -EINVAL;

        char *n = malloc(strlen(base) + 1);
        if (!n)
                return -ENOMEM;
        /* Labels of at most 63 characters that neither start nor end with '-', at most 64 in all. */
        size_t o = 0, label = 0;
        for (const char *p = base; *p && o < 64; p++) {
                if (*p == '.') {
                        while (label > 0 && n[o - 1] == '-') {
                                o--;
                                label--;
                        }
                        if (label > 0) {
                                n[o++] = '.';
                                label = 0;
                        }
                } else if ((isalnum((unsigned char) *p) || (*p == '-' && label > 0)) && label < 63) {
                        n[o++] = *p;
                        label++;
                }
        }
        while (o > 0 && (n[o - 1] == '.' || n[o - 1] == '-'))
                o--;
        n[o] = 0;
        if (!machine_name_is_valid(n)) {
                free(n);
                return -EINVAL;
        }
        *ret = n;
        return 0;
}
