/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests the console forwarder. Each case runs it in a child process, "the
 * supervisor", whose stdin and stdout are pipes or a pty this program holds,
 * on a console pty whose slave side is the supervisor's own child, "the
 * machine". The machine logs every byte it reads to a pipe we read, so what
 * reached it can be checked exactly. Prints TAP. */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "pty-forward.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define TIMEOUT_USEC (10 * USEC_PER_SEC)

/* Reported when the handler or drain was never called. */
#define NOT_CALLED 1

#define ESC "\x1d"

static unsigned n_run, n_failed;

_printf_(2, 3) static bool check(bool ok, const char *format, ...) {
        va_list ap;

        n_run++;
        if (!ok)
                n_failed++;
        printf("%sok %u - ", ok ? "" : "not ", n_run);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
        return ok;
}

_printf_(1, 2) static void diag(const char *format, ...) {
        va_list ap;

        fputs("# ", stdout);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = { .tv_sec = usec / USEC_PER_SEC, .tv_nsec = (usec % USEC_PER_SEC) * 1000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int open_pty(int *ret_master, int *ret_slave, char *ret_path, size_t path_size) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;

        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (grantpt(master) < 0 || unlockpt(master) < 0)
                return -errno;
        if (ptsname_r(master, ret_path, path_size) != 0)
                return -errno;
        slave = open(ret_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return -errno;

        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        return 0;
}

typedef enum Stdio {
        STDIO_PIPES,      /* stdin and stdout are pipes */
        STDIO_PTY,        /* both are one pty slave, the supervisor's controlling terminal */
        STDIO_DEVNULL_IN, /* stdin is /dev/null, stdout a pipe */
        STDIO_EOF_IN,     /* stdin is a pipe whose writer is gone, stdout a pipe */
        STDIO_FILE_OUT,   /* stdin is a pipe, stdout a regular file */
} Stdio;

typedef struct Case Case;
typedef void (*Machine)(const Case *c, int slave, const char *slave_path, int log_fd);

struct Case {
        Stdio stdio;
        PtyForwardFlags flags;
        Machine machine;
        size_t flood_size;        /* machine_flood: how much it writes */
        bool keep_slave;          /* the supervisor holds the slave open too: no EIO */
        bool drain_on_exit;       /* the supervisor drains when the machine exits */
        uint64_t drain_timeout_usec;
        const char *stdin_data;   /* in the stdin pipe before the forwarder starts */
        bool small_stdout;        /* stdout is a pipe of one page */
        struct winsize winsize;   /* STDIO_PTY: the terminal's size at start */
};

/* ---- the machine ---- */

static void machine_say(int slave, const char *s) {
        (void) loop_write(slave, s, strlen(s));
}

/* Prints a banner, then answers each byte: 'q' says BYE and exits, 's' tells
 * the console's window size, anything else comes back upper-cased. */
static void machine_echo(const Case *c, int slave, const char *slave_path, int log_fd) {
        machine_say(slave, "MACHINE READY\n");
        for (;;) {
                char buf[256];
                ssize_t k = read(slave, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return;
                (void) loop_write(log_fd, buf, (size_t) k);
                for (ssize_t i = 0; i < k; i++) {
                        if (buf[i] == 'q') {
                                machine_say(slave, "BYE\n");
                                return;
                        }
                        if (buf[i] == 's') {
                                struct winsize ws = {};
                                char line[64];

                                (void) ioctl(slave, TIOCGWINSZ, &ws);
                                snprintf(line, sizeof(line), "size=%ux%u\n", ws.ws_row, ws.ws_col);
                                machine_say(slave, line);
                                continue;
                        }
                        char u = (char) toupper((unsigned char) buf[i]);
                        (void) loop_write(slave, &u, 1);
                }
        }
}

/* Prints a banner, and a second line a little later, then exits. */
static void machine_banner(const Case *c, int slave, const char *slave_path, int log_fd) {
        machine_say(slave, "MACHINE READY\n");
        sleep_usec(300 * USEC_PER_MSEC);
        machine_say(slave, "LATER\n");
}

static char pattern_byte(size_t i) {
        static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
        return alphabet[i % (sizeof(alphabet) - 1)];
}

/* Writes c->flood_size bytes of a known pattern and exits at once. */
static void machine_flood(const Case *c, int slave, const char *slave_path, int log_fd) {
        _cleanup_free_ char *buf = malloc(c->flood_size);

        if (!buf)
                return;
        for (size_t i = 0; i < c->flood_size; i++)
                buf[i] = pattern_byte(i);
        (void) loop_write(slave, buf, c->flood_size);
}

/* Closes its console and opens it again, as a booted init does (vhangup). */
static void machine_reopen(const Case *c, int slave, const char *slave_path, int log_fd) {
        machine_say(slave, "one\n");
        close(slave);
        sleep_usec(300 * USEC_PER_MSEC);
        slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return;
        machine_say(slave, "two\n");
}

/* ---- the supervisor ---- */

typedef struct Supervisor {
        const Case *c;
        sd_event *event;
        PtyForward *forward;
        int rcode;
        int drain;
        bool machine_exited;
} Supervisor;

static int on_forward_done(PtyForward *f, int rcode, void *userdata) {
        Supervisor *s = userdata;

        s->rcode = rcode;
        (void) sd_event_exit(s->event, 0);
        return 0;
}

static int on_machine_exit(sd_event_source *source, const siginfo_t *si, void *userdata) {
        Supervisor *s = userdata;

        s->machine_exited = true;
        s->drain = pty_forward_drain(s->forward, s->c->drain_timeout_usec);
        (void) sd_event_exit(s->event, 0);
        return 0;
}

static bool termios_equal(const struct termios *a, const struct termios *b) {
        return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
               a->c_lflag == b->c_lflag && memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/* Runs the machine and the forwarder; reports what happened on report_fd. */
_noreturn_ static void supervisor_main(const Case *c, int in_fd, int out_fd, int report_fd, int log_fd) {
        Supervisor s = { .c = c, .rcode = NOT_CALLED, .drain = NOT_CALLED };
        int master, slave, flags0, flags1, r, new_r, stdin_left = -1;
        struct termios termios0, t;
        bool tty0, restored;
        char path[64];
        sigset_t mask;
        pid_t machine;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        r = open_pty(&master, &slave, path, sizeof(path));
        if (r < 0) {
                dprintf(report_fd, "error=%d\n", r);
                _exit(1);
        }

        /* Raw before anything is forwarded: a cooked console would echo
         * input and turn \n into \r\n. */
        if (tcgetattr(slave, &t) >= 0) {
                cfmakeraw(&t);
                (void) tcsetattr(slave, TCSANOW, &t);
        }

        machine = fork();
        if (machine < 0)
                _exit(1);
        if (machine == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                (void) dup2(null, STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                close(master);
                close(report_fd);
                if (in_fd >= 0)
                        close(in_fd);
                close(out_fd);
                (void) setsid();
                (void) ioctl(slave, TIOCSCTTY, 0);
                c->machine(c, slave, path, log_fd);
                _exit(0);
        }
        close(log_fd);
        if (!c->keep_slave)
                close(slave);
        dprintf(report_fd, "machine=%d\n", (int) machine);

        if (c->stdio == STDIO_PTY) {
                (void) setsid();
                (void) ioctl(in_fd, TIOCSCTTY, 0);
        }
        (void) dup2(in_fd, STDIN_FILENO);
        (void) dup2(out_fd, STDOUT_FILENO);
        if (in_fd > STDOUT_FILENO)
                close(in_fd);
        if (out_fd > STDOUT_FILENO && out_fd != in_fd)
                close(out_fd);

        flags0 = fcntl(STDIN_FILENO, F_GETFL);
        flags1 = fcntl(STDOUT_FILENO, F_GETFL);
        tty0 = tcgetattr(STDIN_FILENO, &termios0) >= 0;

        if (sd_event_new(&s.event) < 0)
                _exit(1);

        new_r = pty_forward_new(s.event, master, c->flags, &s.forward);
        if (new_r >= 0) {
                pty_forward_set_handler(s.forward, on_forward_done, &s);
                if (c->drain_on_exit)
                        (void) sd_event_add_child(s.event, NULL, machine, WEXITED, on_machine_exit, &s);
                (void) sd_event_loop(s.event);
                s.forward = pty_forward_free(s.forward);
        }

        restored = fcntl(STDIN_FILENO, F_GETFL) == flags0 && fcntl(STDOUT_FILENO, F_GETFL) == flags1 &&
                   (!tty0 || (tcgetattr(STDIN_FILENO, &t) >= 0 && termios_equal(&t, &termios0)));

        (void) sigprocmask(SIG_BLOCK, NULL, &mask);

        if (c->stdio == STDIO_PIPES || c->stdio == STDIO_EOF_IN || c->stdio == STDIO_FILE_OUT) {
                char buf[4096];
                ssize_t k;

                (void) fcntl(STDIN_FILENO, F_SETFL, flags0 | O_NONBLOCK);
                k = read(STDIN_FILENO, buf, sizeof(buf));
                stdin_left = k < 0 ? 0 : (int) k;
        }

        dprintf(report_fd, "new=%d rcode=%d drain=%d restored=%d sigwinch_blocked=%d stdin_left=%d\n", new_r,
                s.rcode, s.drain, restored, sigismember(&mask, SIGWINCH), stdin_left);

        if (!s.machine_exited)
                (void) kill(machine, SIGKILL);
        (void) waitpid(machine, NULL, 0);
        _exit(0);
}

/* ---- driving a run from outside ---- */

typedef struct Buffer {
        char *data;
        size_t size;
        bool eof;
} Buffer;

typedef struct Run {
        const Case *c;
        pid_t pid;
        pid_t machine_pid;
        int in_fd;       /* we write the supervisor's stdin here */
        int out_fd;      /* and read its stdout here (the file, for STDIO_FILE_OUT) */
        int outer_slave; /* STDIO_PTY: our copy of the supervisor's terminal */
        int report_fd;
        int log_fd;
        Buffer out, log, report;
        bool hold_out;   /* do not read stdout until the supervisor has ended */
        bool finished;
        int new_r, rcode, drain, restored, sigwinch_blocked, stdin_left;
} Run;

static void buffer_read(Buffer *b, int fd) {
        for (;;) {
                char tmp[65536];
                ssize_t k = read(fd, tmp, sizeof(tmp));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return;
                if (k <= 0) {
                        b->eof = true;
                        return;
                }
                char *n = realloc(b->data, b->size + (size_t) k + 1);
                if (!n)
                        abort();
                memcpy(n + b->size, tmp, (size_t) k);
                b->data = n;
                b->size += (size_t) k;
                b->data[b->size] = 0;
        }
}

static bool buffer_contains(const Buffer *b, const void *needle, size_t n) {
        return b->data && memmem(b->data, b->size, needle, n);
}

/* Reads what the supervisor and the machine have to say, waiting at most
 * timeout_ms for something. */
static void run_pump(Run *r, int timeout_ms) {
        struct pollfd p[3];
        Buffer *b[3];
        size_t n = 0;

        if (r->c->stdio != STDIO_FILE_OUT && !r->out.eof && !r->hold_out) {
                p[n] = (struct pollfd) { .fd = r->out_fd, .events = POLLIN };
                b[n++] = &r->out;
        }
        if (!r->log.eof) {
                p[n] = (struct pollfd) { .fd = r->log_fd, .events = POLLIN };
                b[n++] = &r->log;
        }
        if (!r->report.eof) {
                p[n] = (struct pollfd) { .fd = r->report_fd, .events = POLLIN };
                b[n++] = &r->report;
        }
        if (n == 0) {
                sleep_usec((uint64_t) timeout_ms * USEC_PER_MSEC);
                return;
        }
        if (poll(p, n, timeout_ms) <= 0)
                return;
        for (size_t i = 0; i < n; i++)
                if (p[i].revents)
                        buffer_read(b[i], p[i].fd);
}

static bool run_wait_for(Run *r, Buffer *b, const void *needle, size_t n, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        for (;;) {
                if (buffer_contains(b, needle, n))
                        return true;
                if (now_usec() >= deadline)
                        return false;
                run_pump(r, 20);
        }
}

static bool run_wait_output(Run *r, const char *s) {
        return run_wait_for(r, &r->out, s, strlen(s), TIMEOUT_USEC);
}

static bool run_wait_log(Run *r, const char *s) {
        return run_wait_for(r, &r->log, s, strlen(s), TIMEOUT_USEC);
}

static void run_write(Run *r, const char *s) {
        if (loop_write(r->in_fd, s, strlen(s)) < 0)
                diag("write to the supervisor's stdin failed: %s", strerror(errno));
}

static void set_nonblock(int fd) {
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int run_start(Run *r, const Case *c) {
        int in_pipe[2] = { -EBADF, -EBADF }, out_pipe[2] = { -EBADF, -EBADF };
        int report_pipe[2], log_pipe[2];
        int child_in = -EBADF, child_out = -EBADF;

        *r = (Run) {
                .c = c,
                .in_fd = -EBADF,
                .out_fd = -EBADF,
                .outer_slave = -EBADF,
                .rcode = NOT_CALLED,
                .drain = NOT_CALLED,
        };

        if (pipe2(report_pipe, O_CLOEXEC) < 0 || pipe2(log_pipe, O_CLOEXEC) < 0)
                return -errno;
        r->report_fd = report_pipe[0];
        r->log_fd = log_pipe[0];

        if (c->stdio == STDIO_PTY) {
                char path[64];
                int m, s, k;

                k = open_pty(&m, &s, path, sizeof(path));
                if (k < 0)
                        return k;
                if (c->winsize.ws_row > 0)
                        (void) ioctl(m, TIOCSWINSZ, &c->winsize);
                r->in_fd = r->out_fd = m;
                r->outer_slave = child_in = child_out = s;
        } else {
                if (c->stdio == STDIO_DEVNULL_IN) {
                        child_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        if (child_in < 0)
                                return -errno;
                } else {
                        if (pipe2(in_pipe, O_CLOEXEC) < 0)
                                return -errno;
                        child_in = in_pipe[0];
                        r->in_fd = in_pipe[1];
                        if (c->stdin_data)
                                (void) loop_write(r->in_fd, c->stdin_data, strlen(c->stdin_data));
                        if (c->stdio == STDIO_EOF_IN)
                                r->in_fd = safe_close(r->in_fd);
                }

                if (c->stdio == STDIO_FILE_OUT) {
                        child_out = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
                        if (child_out < 0)
                                return -errno;
                        r->out_fd = dup(child_out);
                } else {
                        if (pipe2(out_pipe, O_CLOEXEC) < 0)
                                return -errno;
                        child_out = out_pipe[1];
                        r->out_fd = out_pipe[0];
                        if (c->small_stdout)
                                (void) fcntl(child_out, F_SETPIPE_SZ, 4096);
                }
        }

        fflush(stdout);
        r->pid = fork();
        if (r->pid < 0)
                return -errno;
        if (r->pid == 0) {
                /* Our ends must not stay open in the supervisor: stdin would
                 * never see EOF, stdout never EPIPE. */
                if (r->in_fd >= 0)
                        close(r->in_fd);
                if (r->out_fd >= 0 && r->out_fd != r->in_fd)
                        close(r->out_fd);
                close(report_pipe[0]);
                close(log_pipe[0]);
                supervisor_main(c, child_in, child_out, report_pipe[1], log_pipe[1]);
        }

        close(report_pipe[1]);
        close(log_pipe[1]);
        if (c->stdio != STDIO_PTY) {
                safe_close(child_in);
                safe_close(child_out);
                set_nonblock(r->out_fd);
        } else
                set_nonblock(r->in_fd);
        set_nonblock(r->report_fd);
        set_nonblock(r->log_fd);
        return 0;
}

static void run_parse_report(Run *r) {
        const char *p;

        if (!r->report.data)
                return;
        p = strstr(r->report.data, "machine=");
        if (p)
                r->machine_pid = (pid_t) atoi(p + strlen("machine="));
        p = strstr(r->report.data, "new=");
        if (p && sscanf(p, "new=%d rcode=%d drain=%d restored=%d sigwinch_blocked=%d stdin_left=%d", &r->new_r,
                        &r->rcode, &r->drain, &r->restored, &r->sigwinch_blocked, &r->stdin_left) == 6)
                r->finished = true;
}

/* Waits for the supervisor to end and collects what it reported. Returns
 * false (and kills it) if it did not end in time. */
static bool run_wait_exit(Run *r, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        while (!r->report.eof && now_usec() < deadline)
                run_pump(r, 20);
        run_parse_report(r);

        if (!r->report.eof) {
                diag("supervisor did not finish, killing it");
                (void) kill(r->pid, SIGKILL);
                if (r->machine_pid > 0)
                        (void) kill(r->machine_pid, SIGKILL);
        }
        (void) waitpid(r->pid, NULL, 0);

        /* Everything it wrote is in the pipe before its report ended. */
        if (r->c->stdio == STDIO_FILE_OUT) {
                off_t size = lseek(r->out_fd, 0, SEEK_END);
                free(r->out.data);
                r->out.data = calloc(1, (size_t) size + 1);
                r->out.size = (size_t) pread(r->out_fd, r->out.data, (size_t) size, 0);
        } else
                buffer_read(&r->out, r->out_fd);
        buffer_read(&r->log, r->log_fd);
        return r->report.eof;
}

/* Reports the end of a run: whether it ended in time, and with what. */
static void run_check_exit(Run *r, const char *what, int expected_rcode) {
        bool ended = run_wait_exit(r, TIMEOUT_USEC);

        if (!check(ended && r->finished && r->new_r == 0 && r->rcode == expected_rcode,
                   "%s: forwarding ends with rcode %d (%s)", what, expected_rcode, strerror(-expected_rcode)))
                diag("ended=%d report=%s", ended, r->report.data ?: "(none)");
        check(r->finished && r->restored, "%s: stdin/stdout flags and termios restored", what);
}

static void run_done(Run *r) {
        if (r->in_fd >= 0)
                close(r->in_fd);
        if (r->out_fd >= 0 && r->out_fd != r->in_fd)
                close(r->out_fd);
        safe_close(r->outer_slave);
        safe_close(r->report_fd);
        safe_close(r->log_fd);
        free(r->out.data);
        free(r->log.data);
        free(r->report.data);
}

static bool buffer_is_pattern(const Buffer *b, size_t size) {
        if (b->size != size)
                return false;
        for (size_t i = 0; i < size; i++)
                if (b->data[i] != pattern_byte(i))
                        return false;
        return true;
}

static bool buffer_equal(const Buffer *b, const char *s) {
        return b->size == strlen(s) && (b->size == 0 || memcmp(b->data, s, b->size) == 0);
}

/* ---- the cases ---- */

static void test_pipes(void) {
        Case c = { .stdio = STDIO_PIPES, .machine = machine_echo };
        Run r;

        if (!check(run_start(&r, &c) >= 0, "pipes: start"))
                return;
        check(run_wait_output(&r, "MACHINE READY\n"), "pipes: the machine's output reaches stdout");
        run_write(&r, "hello");
        check(run_wait_log(&r, "hello") && run_wait_output(&r, "HELLO"), "pipes: input reaches the machine");
        run_write(&r, ESC ESC ESC "x");
        check(run_wait_log(&r, ESC ESC ESC "x"), "pipes: ^]^]^] from a pipe is data, not the escape");
        run_write(&r, "q");
        run_check_exit(&r, "pipes", 0);
        check(buffer_equal(&r.out, "MACHINE READY\nHELLO" ESC ESC ESC "XBYE\n"),
              "pipes: stdout got exactly the machine's output, up to its last byte");
        run_done(&r);
}

static void test_pty_escape(void) {
        Case c = { .stdio = STDIO_PTY, .machine = machine_echo, .winsize = { .ws_row = 24, .ws_col = 80 } };
        struct termios t;
        Run r;

        if (!check(run_start(&r, &c) >= 0, "pty: start"))
                return;
        check(run_wait_output(&r, "MACHINE READY\n"), "pty: the machine's output reaches the terminal");
        check(tcgetattr(r.outer_slave, &t) >= 0 && !(t.c_lflag & (ICANON | ECHO | ISIG)) && !(t.c_iflag & ICRNL),
              "pty: the terminal is in raw mode while forwarding");
        check(fcntl(r.outer_slave, F_GETFL) & O_NONBLOCK, "pty: the terminal is non-blocking while forwarding");
        run_write(&r, "ab");
        check(run_wait_output(&r, "AB"), "pty: typed input reaches the machine");
        run_write(&r, ESC);
        sleep_usec(150 * USEC_PER_MSEC);
        run_write(&r, ESC);
        sleep_usec(150 * USEC_PER_MSEC);
        run_write(&r, ESC);
        run_check_exit(&r, "pty: ^]^]^] within a second", -ECANCELED);
        check(buffer_equal(&r.log, "ab"), "pty: the escape's ^] presses did not reach the machine");
        check(tcgetattr(r.outer_slave, &t) >= 0 && (t.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO) &&
                      !(fcntl(r.outer_slave, F_GETFL) & O_NONBLOCK),
              "pty: the terminal is cooked and blocking again after free");
        check(r.finished && r.sigwinch_blocked == 0, "pty: SIGWINCH is unblocked again after free");
        run_done(&r);
}

static void test_pty_escape_window(void) {
        Case c = { .stdio = STDIO_PTY, .machine = machine_echo };
        uint64_t t0;
        Run r;

        if (!check(run_start(&r, &c) >= 0, "escape window: start"))
                return;
        check(run_wait_output(&r, "MACHINE READY\n"), "escape window: banner");

        run_write(&r, ESC ESC);
        sleep_usec(1200 * USEC_PER_MSEC);
        run_write(&r, ESC);
        for (t0 = now_usec(); now_usec() < t0 + 1300 * USEC_PER_MSEC;)
                run_pump(&r, 50);
        check(!r.report.eof && !strstr(r.report.data ?: "", "rcode="),
              "escape window: ^]^], a pause of more than a second, ^] is not the escape");
        check(run_wait_log(&r, ESC ESC ESC), "escape window: those ^] reached the machine after their second");

        t0 = now_usec();
        run_write(&r, ESC);
        sleep_usec(100 * USEC_PER_MSEC);
        run_write(&r, "x");
        check(run_wait_log(&r, ESC ESC ESC ESC "x") && now_usec() - t0 < 900 * USEC_PER_MSEC,
              "escape window: a lone ^] goes to the machine with the next byte, in order");

        t0 = now_usec();
        run_write(&r, ESC);
        check(run_wait_log(&r, ESC ESC ESC ESC "x" ESC) && now_usec() - t0 >= 900 * USEC_PER_MSEC &&
                      now_usec() - t0 < 3 * USEC_PER_SEC,
              "escape window: a lone ^] goes to the machine one second later");

        run_write(&r, ESC "y" ESC ESC "z");
        check(run_wait_log(&r, ESC "y" ESC ESC "z"), "escape window: another byte between ^] resets the count");

        run_write(&r, "q");
        run_check_exit(&r, "escape window", 0);
        run_done(&r);
}

static void test_winsize(void) {
        Case c = { .stdio = STDIO_PTY, .machine = machine_echo, .winsize = { .ws_row = 30, .ws_col = 100 } };
        struct winsize ws = { .ws_row = 40, .ws_col = 120 };
        bool ok = false;
        Run r;

        if (!check(run_start(&r, &c) >= 0, "window size: start"))
                return;
        check(run_wait_output(&r, "MACHINE READY\n"), "window size: banner");
        run_write(&r, "s");
        check(run_wait_output(&r, "size=30x100\n"), "window size: the terminal's size is copied at start");

        /* The kernel sends SIGWINCH to the supervisor: it is the terminal's
         * foreground process group. */
        (void) ioctl(r.in_fd, TIOCSWINSZ, &ws);
        for (unsigned i = 0; i < 25 && !ok; i++) {
                run_write(&r, "s");
                ok = run_wait_for(&r, &r.out, "size=40x120\n", strlen("size=40x120\n"), 200 * USEC_PER_MSEC);
        }
        check(ok, "window size: a resize (SIGWINCH) is copied to the console");

        run_write(&r, "q");
        run_check_exit(&r, "window size", 0);
        run_done(&r);
}

static void test_hangup_flood(void) {
        Case c = { .stdio = STDIO_PIPES, .machine = machine_flood, .flood_size = 1024 * 1024 };
        Run r;

        if (!check(run_start(&r, &c) >= 0, "hangup: start"))
                return;
        /* A slow reader: the machine has exited long before we read it all. */
        sleep_usec(500 * USEC_PER_MSEC);
        run_check_exit(&r, "hangup: the machine exits (EIO on the master)", 0);
        if (!check(buffer_is_pattern(&r.out, c.flood_size), "hangup: all 1 MiB written before the exit arrived"))
                diag("got %zu bytes", r.out.size);
        run_done(&r);
}

static void test_read_only(void) {
        Case c = { .stdio = STDIO_PIPES, .flags = PTY_FORWARD_READ_ONLY, .machine = machine_banner,
                   .stdin_data = "secret" };
        Case cp = { .stdio = STDIO_PTY, .flags = PTY_FORWARD_READ_ONLY, .machine = machine_banner };
        struct termios t;
        Run r;

        if (!check(run_start(&r, &c) >= 0, "read-only: start"))
                return;
        run_check_exit(&r, "read-only", 0);
        check(buffer_equal(&r.out, "MACHINE READY\nLATER\n"), "read-only: output is forwarded");
        check(r.stdin_left == 6 && r.log.size == 0, "read-only: stdin is never read");
        run_done(&r);

        if (!check(run_start(&r, &cp) >= 0, "read-only pty: start"))
                return;
        /* Not raw: the terminal turns \n into \r\n. */
        check(run_wait_output(&r, "MACHINE READY\r\n"), "read-only pty: banner");
        check(tcgetattr(r.outer_slave, &t) >= 0 && (t.c_lflag & ICANON), "read-only pty: no raw mode");
        run_write(&r, "abc\n");
        run_check_exit(&r, "read-only pty", 0);
        check(r.log.size == 0, "read-only pty: typed input does not reach the machine");
        run_done(&r);
}

static void test_stdin_variants(void) {
        Case cn = { .stdio = STDIO_DEVNULL_IN, .machine = machine_banner };
        Case ce = { .stdio = STDIO_EOF_IN, .machine = machine_echo, .stdin_data = "hiq" };
        Case cf = { .stdio = STDIO_FILE_OUT, .machine = machine_banner };
        Run r;

        if (check(run_start(&r, &cn) >= 0, "stdin /dev/null: start")) {
                run_check_exit(&r, "stdin /dev/null", 0);
                check(buffer_equal(&r.out, "MACHINE READY\nLATER\n"), "stdin /dev/null: output is forwarded");
                run_done(&r);
        }

        if (check(run_start(&r, &ce) >= 0, "stdin at EOF: start")) {
                run_check_exit(&r, "stdin at EOF", 0);
                check(buffer_equal(&r.log, "hiq"), "stdin at EOF: what came before EOF reached the machine");
                if (!check(buffer_equal(&r.out, "MACHINE READY\nHIBYE\n"),
                           "stdin at EOF: forwarding goes on after stdin's EOF"))
                        diag("got '%s'", r.out.data ?: "");
                run_done(&r);
        }

        if (check(run_start(&r, &cf) >= 0, "stdout a file: start")) {
                run_check_exit(&r, "stdout a file", 0);
                check(buffer_equal(&r.out, "MACHINE READY\nLATER\n"), "stdout a file: output is written to it");
                run_done(&r);
        }
}

static void test_epipe(void) {
        Case c = { .stdio = STDIO_PIPES, .machine = machine_echo };
        Run r;

        if (!check(run_start(&r, &c) >= 0, "EPIPE: start"))
                return;
        check(run_wait_output(&r, "MACHINE READY\n"), "EPIPE: banner");
        r.out_fd = safe_close(r.out_fd);
        r.out.eof = true;
        run_write(&r, "x");
        run_check_exit(&r, "EPIPE: stdout's reader is gone", -EPIPE);
        run_done(&r);
}

static void test_drain(void) {
        Case cv = { .stdio = STDIO_PIPES, .flags = PTY_FORWARD_IGNORE_VHANGUP, .machine = machine_reopen,
                    .drain_on_exit = true, .drain_timeout_usec = 5 * USEC_PER_SEC };
        Case ck = { .stdio = STDIO_PIPES, .machine = machine_flood, .flood_size = 200 * 1024,
                    .keep_slave = true, .drain_on_exit = true, .drain_timeout_usec = 5 * USEC_PER_SEC };
        /* Fits into the one-page pipe, the forwarder's buffer and the pty,
         * so the machine can exit, but not into the pipe alone. */
        Case ct = { .stdio = STDIO_PIPES, .machine = machine_flood, .flood_size = 24 * 1024,
                    .keep_slave = true, .drain_on_exit = true, .drain_timeout_usec = 300 * USEC_PER_MSEC,
                    .small_stdout = true };
        Run r;

        if (check(run_start(&r, &cv) >= 0, "vhangup: start")) {
                run_wait_exit(&r, TIMEOUT_USEC);
                check(r.finished && r.rcode == NOT_CALLED && r.drain == 0,
                      "vhangup: with IGNORE_VHANGUP the console closing does not end forwarding; drain does");
                check(buffer_equal(&r.out, "one\ntwo\n"), "vhangup: output from before and after the reopen");
                check(r.restored, "vhangup: restored");
                run_done(&r);
        }

        if (check(run_start(&r, &ck) >= 0, "drain: start")) {
                sleep_usec(300 * USEC_PER_MSEC);
                run_wait_exit(&r, TIMEOUT_USEC);
                check(r.finished && r.rcode == NOT_CALLED && r.drain == 0,
                      "drain: slave still open, the machine exits, drain returns 0");
                if (!check(buffer_is_pattern(&r.out, ck.flood_size), "drain: all 200 KiB written"))
                        diag("got %zu bytes", r.out.size);
                run_done(&r);
        }

        if (check(run_start(&r, &ct) >= 0, "drain timeout: start")) {
                r.hold_out = true;
                run_wait_exit(&r, TIMEOUT_USEC);
                if (!check(r.finished && r.drain == -ETIMEDOUT, "drain timeout: a stuck stdout gives -ETIMEDOUT"))
                        diag("report=%s", r.report.data ?: "(none)");
                run_done(&r);
        }
}

int main(void) {
        (void) signal(SIGPIPE, SIG_IGN);

        test_pipes();
        test_pty_escape();
        test_pty_escape_window();
        test_winsize();
        test_hangup_flood();
        test_read_only();
        test_stdin_variants();
        test_epipe();
        test_drain();

        printf("1..%u\n", n_run);
        printf("# %u passed, %u failed\n", n_run - n_failed, n_failed);
        return n_failed > 0 ? 1 : 0;
}
