/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "stub-init.h"

_noreturn_ void stub_init_run(pid_t payload) {
        sigset_t all;

        (void) prctl(PR_SET_NAME, (unsigned long) "berth-init", 0, 0, 0);
        sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0)
                        continue;

                if (sig != SIGCHLD) {
                        (void) kill(payload, sig);
                        continue;
                }

                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p != payload)
                                continue;
                        if (WIFEXITED(status))
                                _exit(WEXITSTATUS(status));
                        _exit(128 + WTERMSIG(status));
                }
        }
}
