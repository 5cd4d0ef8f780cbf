/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Each verb gets argv with argv[0] being the verb itself; returns the exit status. */
int verb_run(int argc, char **argv);
