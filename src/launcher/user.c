/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "mount-plan.h"
#include "parse-util.h"
#include "strv.h"
#include "user.h"

void user_record_done(UserRecord *u) {
        free(u->name);
        free(u->home);
        free(u->shell);
        free(u->supplementary);
        *u = (UserRecord) {};
}

static int split_fields(const char *line, size_t len, char ***ret) {
        _cleanup_free_ char *l = strndup(line, len);
        if (!l)
                return -ENOMEM;
        return strv_split(l, ':', ret);
}

int passwd_find(const char *passwd, const char *name, UserRecord *ret) {
        uid_t want_uid;
        bool by_uid = parse_uid(name, &want_uid) >= 0;

        for (const char *p = passwd; p && *p;) {
                const char *nl = strchrnul(p, '\n');
                _cleanup_strv_free_ char **f = NULL;
                int r = split_fields(p, (size_t) (nl - p), &f);
                if (r < 0)
                        return r;
                p = *nl ? nl + 1 : nl;

                uid_t uid;
                gid_t gid;
                if (strv_length(f) < 7 || f[0][0] == '#' || parse_uid(f[2], &uid) < 0 || parse_uid(f[3], &gid) < 0)
                        continue;
                if (by_uid ? uid != want_uid : !streq(f[0], name))
                        continue;

                UserRecord u = {
                        .uid = uid,
                        .gid = gid,
                        .name = strdup(f[0]),
                        .home = strdup(isempty(f[5]) ? "/" : f[5]),
                        .shell = strdup(isempty(f[6]) ? "/bin/sh" : f[6]),
                };
                if (!u.name || !u.home || !u.shell) {
                        user_record_done(&u);
                        return -ENOMEM;
                }
                *ret = u;
                return 0;
        }
        return -ESRCH;
}

int group_find_supplementary(const char *group, const char *user, gid_t primary, gid_t **ret, size_t *ret_n) {
        gid_t *l = NULL;
        size_t n = 0;

        for (const char *p = group; p && *p;) {
                const char *nl = strchrnul(p, '\n');
                _cleanup_strv_free_ char **f = NULL, **members = NULL;
                int r = split_fields(p, (size_t) (nl - p), &f);
                if (r < 0)
                        goto fail;
                p = *nl ? nl + 1 : nl;

                gid_t gid;
                if (strv_length(f) < 4 || f[0][0] == '#' || parse_uid(f[2], &gid) < 0 || gid == primary)
                        continue;
                r = strv_split(f[3], ',', &members);
                if (r < 0)
                        goto fail;
                for (char **m = members; *m; m++)
                        if (streq(*m, user)) {
                                gid_t *nl2 = realloc(l, (n + 1) * sizeof(gid_t));
                                if (!nl2)
                                        goto fail;
                                l = nl2;
                                l[n++] = gid;
                                break;
                        }
        }
        *ret = l;
        *ret_n = n;
        return 0;
fail:
        free(l);
        return -ENOMEM;
}

int user_record_from_files(const char *passwd, const char *group, const char *name, UserRecord *ret) {
        UserRecord u;
        int r;

        r = passwd_find(passwd, name, &u);
        if (r == -ESRCH && (streq(name, "root") || streq(name, "0"))) {
                /* An image without /etc/passwd still has root. */
                u = (UserRecord) { .name = strdup("root"), .home = strdup("/root"), .shell = strdup("/bin/sh") };
                if (!u.name || !u.home || !u.shell) {
                        user_record_done(&u);
                        return -ENOMEM;
                }
                r = 0;
        }
        if (r < 0)
                return r;

        r = group_find_supplementary(group, u.name, u.gid, &u.supplementary, &u.n_supplementary);
        if (r < 0) {
                user_record_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

int user_resolve(const char *name, UserRecord *ret) {
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r;

        r = read_full_file_at(AT_FDCWD, "/etc/passwd", &passwd, NULL);
        if (r < 0 && r != -ENOENT)
                return r;
        (void) read_full_file_at(AT_FDCWD, "/etc/group", &group, NULL);
        return user_record_from_files(passwd, group, name, ret);
}

int read_regular_file_in_root(int root_fd, const char *path, char **ret) {
        _cleanup_close_ int fd = openat_in_root(root_fd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        *ret = NULL;
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return read_full_fd(fd, ret, NULL);
}

int user_resolve_in_root(int root_fd, const char *name, UserRecord *ret) {
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r;

        r = read_regular_file_in_root(root_fd, "/etc/passwd", &passwd);
        if (r < 0)
                return r;
        r = read_regular_file_in_root(root_fd, "/etc/group", &group);
        if (r < 0)
                return r;
        return user_record_from_files(passwd, group, name, ret);
}
