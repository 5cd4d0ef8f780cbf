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

/* Resolves a user from /etc/passwd and /etc/group of the current root. */
int user_resolve(const char *name, UserRecord *ret);
