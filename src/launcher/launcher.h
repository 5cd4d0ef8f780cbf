/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "settings.h"

/* Runs a machine in the foreground as "berth run" does: returns the exit status
 * berth should exit with (the payload's own), after having logged any failure. */
int launcher_run(Settings *s);
