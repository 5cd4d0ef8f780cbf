/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

typedef struct UserRecord {
        char *name;
        uid_t uid;
        gid_t gid;
        char *home;
        char *shell;
        gid_t *supplementary;
        size_t n_supplementary;
} UserRecord;

void user_record_done(UserRecord *u);

/* Finds NAME (or a numeric UID) in the text of a passwd file. Pure. -ESRCH if absent. */
int passwd_find(const char *passwd, const char *name, UserRecord *ret);

/* Collects the groups that list the user as a member in the text of a group file. Pure. */
int group_find_supplementary(const char *group, const char *user, gid_t primary, gid_t **ret, size_t *ret_n);

/* The user NAME (or a numeric UID) from the text of a passwd and a group file, either of which
 * may be NULL (no such file); root exists without a passwd entry. Pure. -ESRCH if absent. */
int user_record_from_files(const char *passwd, const char *group, const char *name, UserRecord *ret);

/* Resolves a user from /etc/passwd and /etc/group of the current root. */
int user_resolve(const char *name, UserRecord *ret);

/* The same from the files of another root, given as a directory fd (a machine's), resolved
 * inside it: no symbolic link in that tree leads out of it. -EBADFD if one of them is not a
 * regular file. */
int user_resolve_in_root(int root_fd, const char *name, UserRecord *ret);

/* Reads a file of a machine's, PATH resolved inside ROOT_FD: a regular file only, so that a FIFO
 * or a device planted there cannot make the caller wait or read something endless. NULL and 0
 * if there is none. */
int read_regular_file_in_root(int root_fd, const char *path, char **ret);
