/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Each verb gets argv with argv[0] being the verb itself; returns the exit status. */
int verb_run(int argc, char **argv);
int verb_start(int argc, char **argv);
int verb_stop(int argc, char **argv);
int verb_list(int argc, char **argv);
int verb_status(int argc, char **argv);
int verb_show(int argc, char **argv);
int verb_shell(int argc, char **argv);
int verb_register(int argc, char **argv);
int verb_generate_unit(int argc, char **argv);
int verb_poweroff(int argc, char **argv);
int verb_reboot(int argc, char **argv);
int verb_terminate(int argc, char **argv);
int verb_kill(int argc, char **argv);
int verb_enable(int argc, char **argv);
int verb_disable(int argc, char **argv);
int verb_login(int argc, char **argv);
