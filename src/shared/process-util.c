/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "macro.h"
#include "process-util.h"

static char **saved_argv;
static int saved_argc;
static char **saved_environ;

void process_save_argv(int argc, char **argv) {
        saved_argc = argc;
        saved_argv = argv;
        saved_environ = environ;
}

char **process_saved_argv(void) {
        return saved_argv;
}

/* Clears the strings of a vector; those the kernel laid out back to back, as one area. */
static void wipe_strings(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (v[i])
                        explicit_bzero(v[i], strlen(v[i]));
}

void process_rewrite_identity(const char *name, const char *env, size_t env_size) {
        char *area = NULL;
        size_t area_size = 0;

        if (saved_argv && saved_argc > 0) {
                char *start = saved_argv[0], *end = saved_argv[0] + strlen(saved_argv[0]) + 1;
                /* The kernel's area runs from the first argument to the end of the last. */
                for (int i = 1; i < saved_argc && saved_argv[i] == end; i++)
                        end = saved_argv[i] + strlen(saved_argv[i]) + 1;
                wipe_strings(saved_argv, (size_t) saved_argc);
                size_t l = strlen(name);
                if (l >= (size_t) (end - start))
                        l = (size_t) (end - start) - 1;
                memcpy(start, name, l);
        }

        if (saved_environ && saved_environ[0]) {
                char *end = saved_environ[0];
                size_t n = 0;
                area = saved_environ[0];
                for (; saved_environ[n]; n++)
                        if (saved_environ[n] == end)
                                end += strlen(end) + 1;
                area_size = (size_t) (end - area);
                wipe_strings(saved_environ, n);
        }
        if (!env || env_size == 0)
                return;

        unsigned long s = (unsigned long) env, e = s + env_size;
        /* The kernel wants start <= end at each step: the new start first if the area moves down, else
         * the new end. Half a move is undone, so that the kernel never shows what lies between. */
        bool down = !area || s <= (unsigned long) area;
        int first = down ? PR_SET_MM_ENV_START : PR_SET_MM_ENV_END;
        int second = down ? PR_SET_MM_ENV_END : PR_SET_MM_ENV_START;
        if (prctl(PR_SET_MM, first, down ? s : e, 0, 0) >= 0) {
                if (prctl(PR_SET_MM, second, down ? e : s, 0, 0) >= 0)
                        return;
                if (area)
                        (void) prctl(PR_SET_MM, first, down ? (unsigned long) area : (unsigned long) (area + area_size), 0, 0);
        }

        /* Not allowed: as many of the first assignments as fit where the old ones were. */
        for (size_t used = 0; area && used < env_size;) {
                size_t l = strlen(env + used) + 1;
                if (used + l > area_size)
                        break;
                memcpy(area + used, env + used, l);
                used += l;
        }
}
