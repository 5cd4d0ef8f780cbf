/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "settings.h"

/* How "berth run" uses a settings file, as nspawn's --settings=. */
typedef enum SettingsMode {
        SETTINGS_NO,        /* no file is read */
        SETTINGS_YES,       /* the command line wins; files beside the image are not trusted */
        SETTINGS_OVERRIDE,  /* the file wins; files beside the image are not trusted */
        SETTINGS_TRUSTED,   /* the command line wins; every file is trusted */
        _SETTINGS_MODE_MAX,
        _SETTINGS_MODE_INVALID = -EINVAL,
} SettingsMode;

/* "no", "yes", "override", "trusted"; booleans too. */
SettingsMode settings_mode_from_string(const char *s);
const char *settings_mode_to_string(SettingsMode m);

/* Parses the text of a .berth or .nspawn file ([Exec], [Files], [Network], as systemd.nspawn(5))
 * into *ret, which it initialises. Every key sets the same field and mask bit as the matching
 * "berth run" option. Problems in the text are never errors: each becomes one warning line
 * "FILENAME:LINE: message" in *ret_warnings (NULL when there are none; ret_warnings may be NULL),
 * and the line is ignored, as nspawn does.
 * trusted: the file lies in /etc/berth, /run/berth, /etc/systemd/nspawn or /run/systemd/nspawn, or
 * the mode is SETTINGS_TRUSTED. An untrusted file (one beside the image) may not use the keys that
 * nspawn 252 ignores there (Capability=, MachineID=, Ephemeral=, LinkJournal=, the mounts of
 * [Files], [Network], ...), nor LoadCredential= (it reads host files): they are ignored with a
 * warning. SetCredential= and LoadCredential= in [Exec] are berth's (nspawn 252 has only the
 * options); their warnings name the credential, never its value.
 * Returns 0, or -ENOMEM with *ret_error set (when it could be allocated) and *ret left empty.
 * Pure: no I/O, no logging. */
int settings_file_parse(const char *text, const char *filename, bool trusted, Settings *ret, char ***ret_warnings,
                        char **ret_error);

/* Merges settings parsed from a file into the command line's, moving what it takes out of *file
 * (which the caller still frees with settings_done()). With SETTINGS_YES and SETTINGS_TRUSTED a
 * setting comes from the file only where the command line did not set its mask bit; with
 * SETTINGS_OVERRIDE every setting the file sets replaces the command line's. Capabilities add up
 * in both modes: the file's Capability= and DropCapability= apply on top of the command line's
 * (in yes mode only when the command line set none). The command (start mode and parameters) is
 * one setting, as in nspawn, except that a file's Parameters= also fills in the command when the
 * command line chose only the start mode and the file names none or the same one. The bits of
 * what was taken move from file->mask to cmdline->mask, so merging the same file again changes
 * nothing. Credentials merge by ID: the file adds those the command line does not give, and
 * with SETTINGS_OVERRIDE replaces those it does. Call settings_verify() on the result. Returns 0,
 * -EINVAL for SETTINGS_NO or an invalid mode, or -ENOMEM. */
int settings_merge(Settings *cmdline, Settings *file, SettingsMode mode);
