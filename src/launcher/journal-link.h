/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>

#include "parse-util.h"

/* --link-journal=, as in systemd-nspawn: where a booted machine's journal lives and how
 * the host sees it (journalctl -M NAME, or journalctl -D /var/log/journal/ID). */
typedef enum LinkJournal {
        LINK_JOURNAL_NO,
        LINK_JOURNAL_AUTO,        /* bind the host's /var/log/journal/ID into the machine if it exists */
        LINK_JOURNAL_HOST,        /* the journal lives on the host, bound into the machine */
        LINK_JOURNAL_TRY_HOST,
        LINK_JOURNAL_GUEST,       /* the journal lives in the machine, a symlink on the host points at it */
        LINK_JOURNAL_TRY_GUEST,
        _LINK_JOURNAL_MAX,
        _LINK_JOURNAL_INVALID = -EINVAL,
} LinkJournal;

LinkJournal link_journal_from_string(const char *s);
const char *link_journal_to_string(LinkJournal l);

/* Prepares the host side before the machine starts (directories, the guest symlink).
 * Returns 1 if the host's journal directory is to be bound into the machine, 0 if not. */
int link_journal_prepare_host(LinkJournal mode, const char *image, const Id128 *id);
