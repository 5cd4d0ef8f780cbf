/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal-link.h"
#include "log.h"
#include "macro.h"

static const char *const link_journal_table[_LINK_JOURNAL_MAX] = {
        [LINK_JOURNAL_NO] = "no",
        [LINK_JOURNAL_AUTO] = "auto",
        [LINK_JOURNAL_HOST] = "host",
        [LINK_JOURNAL_TRY_HOST] = "try-host",
        [LINK_JOURNAL_GUEST] = "guest",
        [LINK_JOURNAL_TRY_GUEST] = "try-guest",
};

LinkJournal link_journal_from_string(const char *s) {
        for (int i = 0; s && i < _LINK_JOURNAL_MAX; i++)
                if (streq(s, link_journal_table[i]))
                        return i;
        return _LINK_JOURNAL_INVALID;
}

const char *link_journal_to_string(LinkJournal l) {
        return l >= 0 && l < _LINK_JOURNAL_MAX ? link_journal_table[l] : NULL;
}

static int mkdir_parents_and(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int link_journal_prepare_host(LinkJournal mode, const char *image, const Id128 *id) {
        _cleanup_free_ char *host = NULL, *guest = NULL;
        char ids[33];
        struct stat st;
        int r;

        if (mode == LINK_JOURNAL_NO)
                return 0;
        id128_to_string(id, ids);
        if (asprintf(&host, "/var/log/journal/%s", ids) < 0 || asprintf(&guest, "%s/var/log/journal/%s", image, ids) < 0)
                return log_oom();
        bool try = IN_SET(mode, LINK_JOURNAL_TRY_HOST, LINK_JOURNAL_TRY_GUEST, LINK_JOURNAL_AUTO);

        switch (mode) {
        case LINK_JOURNAL_AUTO:
                /* Only what is already there. */
                return stat(host, &st) >= 0 && S_ISDIR(st.st_mode);

        case LINK_JOURNAL_HOST:
        case LINK_JOURNAL_TRY_HOST:
                r = mkdir_parents_and(host, 0755);
                if (r < 0) {
                        if (try)
                                return log_debug_errno(r, "Not linking the journal, cannot create %s: %m", host), 0;
                        return log_error_errno(r, "Failed to create %s for --link-journal=host: %m", host);
                }
                return 1;

        case LINK_JOURNAL_GUEST:
        case LINK_JOURNAL_TRY_GUEST: {
                /* The machine keeps its journal; the host gets a symlink to it. */
                if (lstat(host, &st) >= 0) {
                        if (S_ISLNK(st.st_mode)) {
                                /* Ours from an earlier run, or stale: point it here now. */
                                if (unlink(host) < 0 && errno != ENOENT)
                                        return try ? 0 : log_error_errno(errno, "Failed to replace %s: %m", host);
                        } else {
                                if (try)
                                        return log_debug("Not linking the journal: %s exists and is no symlink.", host), 0;
                                return log_error_errno(EEXIST, "%s exists and is not a symlink; use --link-journal=host or remove it.",
                                                       host);
                        }
                }
                r = mkdir_parents_and(guest, 02755);
                if (r >= 0)
                        r = mkdir_parents_and("/var/log/journal", 02755);
                if (r >= 0 && symlink(guest, host) < 0)
                        r = -errno;
                if (r < 0) {
                        if (try)
                                return log_debug_errno(r, "Not linking the journal: %m"), 0;
                        return log_error_errno(r, "Failed to link the machine's journal at %s: %m", host);
                }
                return 0;
        }

        default:
                return 0;
        }
}
