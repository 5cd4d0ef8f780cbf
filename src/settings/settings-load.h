/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "settings.h"

/* Finds the machine's settings file — NAME.berth in /etc/berth, /run/berth or beside the
 * image (untrusted), else NAME.nspawn in /etc/systemd/nspawn, /run/systemd/nspawn or beside
 * the image (untrusted) — and merges it into s as s->settings_mode says. Logs its warnings
 * (FILE:LINE: ...). Returns 0 also when there is no file; *ret_path is the file used or NULL. */
int settings_load(Settings *s, const char *name, const char *image, char **ret_path);

/* Reads the value of every credential that is loaded rather than given: a host file (a regular
 * one, not a socket), or with a relative name one of berth's own credentials, from
 * $CREDENTIALS_DIRECTORY (how a unit passes its LoadCredential= on to the machine). Checks the
 * size limits. Logs, naming the credential and the file, never a value. */
int settings_load_credentials(Settings *s);
