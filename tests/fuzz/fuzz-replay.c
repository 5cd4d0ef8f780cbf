/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target over its corpus in tests/fuzz/TARGET/ -- the seeds, what libFuzzer kept, and
 * every crash found, kept as crash-* or a named regression file -- as a TAP test of the unit suite,
 * built by any compiler. Each file runs in a child of its own, so that a crash, a broken promise
 * (abort), a sanitizer's report or a hang fails that file alone and names it.
 *
 *   test-fuzz-TARGET            every file of the corpus
 *   test-fuzz-TARGET FILE...    these files (to replay a crash input in any build) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "fuzz.h"
#include "macro.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET names the target's corpus directory"
#endif
#ifndef FUZZ_CORPUS_DIR
#error "FUZZ_CORPUS_DIR is the corpus directory in the source tree"
#endif

/* Far above what any input takes; libFuzzer's runs use -timeout=10. */
#define REPLAY_TIMEOUT_SEC 60
/* The corpus is not to go missing or be emptied by mistake. */
#define CORPUS_FILES_MIN 10

static int read_input(const char *path, uint8_t **ret, size_t *ret_size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        uint8_t *buf = NULL;
        size_t size = 0, allocated = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                if (size + 4096 > allocated) {
                        allocated = (size + 4096) * 2;
                        uint8_t *n = realloc(buf, allocated);
                        if (!n) {
                                free(buf);
                                close(fd);
                                return -ENOMEM;
                        }
                        buf = n;
                }
                ssize_t k = read(fd, buf + size, allocated - size);
                if (k < 0) {
                        int r = -errno;
                        free(buf);
                        close(fd);
                        return r;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        close(fd);
        *ret = buf;
        *ret_size = size;
        return 0;
}

/* Runs the target on one file in a child; returns whether it came back cleanly. */
static bool replay_file(const char *path, const char *shown) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size = 0;
        int r, status;

        r = read_input(path, &data, &size);
        if (r < 0)
                return check(false, "%s can be read: %s", shown, strerror(-r));

        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                return check(false, "%s: fork: %m", shown);
        if (pid == 0) {
                alarm(REPLAY_TIMEOUT_SEC);
                LLVMFuzzerTestOneInput(data, size);
                /* exit(), not _exit(): LeakSanitizer looks for leaks at exit. */
                exit(EXIT_SUCCESS);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return check(false, "%s: waitpid: %m", shown);

        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return check(true, "%s (%zu bytes)", shown, size);
        check(false, "%s (%zu bytes)", shown, size);
        if (WIFSIGNALED(status))
                tap_diag("  %s by signal %d (%s)", WTERMSIG(status) == SIGALRM ? "timed out, killed" : "killed",
                         WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
                tap_diag("  exited with status %d", WEXITSTATUS(status));
        return false;
}

static int is_input(const struct dirent *de) {
        return de->d_name[0] != '.';
}

static void replay_corpus(void) {
        const char *src = getenv("BERTH_SOURCE_DIR");
        _cleanup_free_ char *dir = NULL;
        struct dirent **names = NULL;
        int n;

        if (src) {
                if (asprintf(&dir, "%s/tests/fuzz/%s", src, FUZZ_TARGET) < 0)
                        abort();
        } else if (!(dir = strdup(FUZZ_CORPUS_DIR)))
                abort();

        n = scandir(dir, &names, is_input, alphasort);
        if (!check(n >= 0, "the corpus of %s can be read", FUZZ_TARGET)) {
                tap_diag("  %s: %s (set BERTH_SOURCE_DIR to the source tree)", dir, strerror(errno));
                return;
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL, *shown = NULL;
                if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0 ||
                    asprintf(&shown, "%s/%s", FUZZ_TARGET, names[i]->d_name) < 0)
                        abort();
                replay_file(path, shown);
                free(names[i]);
        }
        free(names);
        check(n >= CORPUS_FILES_MIN, "the corpus of %s holds at least %d files (%d)", FUZZ_TARGET, CORPUS_FILES_MIN, n);
}

int main(int argc, char **argv) {
        if (argc > 1)
                for (int i = 1; i < argc; i++)
                        replay_file(argv[i], argv[i]);
        else
                replay_corpus();
        return tap_finish();
}
