/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

#include "log.h"
#include "pty-forward.h"

#define PTY_FORWARD_BUFFER_SIZE (16U * 1024U)

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

#define ESCAPE_CHAR '\x1d' /* ^] */
#define ESCAPE_PRESSES 3
#define ESCAPE_WINDOW_USEC USEC_PER_SEC

struct PtyForward {
        sd_event *event;
        int master;
        PtyForwardFlags flags;

        PtyForwardHandler handler;
        void *userdata;

        sd_event_source *stdin_source;
        sd_event_source *stdout_source;
        sd_event_source *master_source;
        sd_event_source *sigwinch_source;
        sd_event_source *escape_source;

        /* What free puts back; -1 or false where nothing was changed. */
        int saved_stdin_flags;
        int saved_stdout_flags;
        int saved_master_flags;
        bool saved_termios_valid;
        struct termios saved_termios;
        bool unblock_sigwinch;

        bool read_stdin;
        bool stdin_is_tty;

        /* Readiness: the sources are edge-triggered, so a flag is set by an
         * event and cleared only by EAGAIN. A descriptor epoll cannot watch
         * (a regular file, /dev/null) never blocks and so stays ready. */
        bool stdin_readable;
        bool stdout_writable;
        bool master_readable;
        bool master_writable;

        bool stdin_eof;
        bool master_hangup;
        bool done;
        int stdout_error;

        /* ^] presses held back because they may still become the escape,
         * with the times they were read, oldest first. Invariant:
         * in_size + escape_pending <= sizeof(in_buf). */
        unsigned escape_pending;
        uint64_t escape_times[ESCAPE_PRESSES - 1];

        size_t in_size;
        size_t out_size;
        char in_buf[PTY_FORWARD_BUFFER_SIZE];  /* stdin → master */
        char out_buf[PTY_FORWARD_BUFFER_SIZE]; /* master → stdout */
};

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void source_off(sd_event_source *s) {
        if (s)
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

static void pty_forward_disable(PtyForward *f) {
        source_off(f->stdin_source);
        source_off(f->stdout_source);
        source_off(f->master_source);
        source_off(f->sigwinch_source);
        source_off(f->escape_source);
}

/* Ends forwarding and tells the owner. The handler may free f, so this must
 * be the last thing its caller does with f. */
static void pty_forward_finish(PtyForward *f, int rcode) {
        if (f->done)
                return;

        f->done = true;
        pty_forward_disable(f);

        log_debug_errno(rcode, "Console forwarding ended: %m");
        if (f->handler)
                (void) f->handler(f, rcode, f->userdata);
        else
                (void) sd_event_exit(f->event, rcode);
}

/* Moves the n oldest held-back ^] presses into the input buffer: they will
 * not be part of an escape. */
static void escape_release(PtyForward *f, unsigned n) {
        if (n > f->escape_pending)
                n = f->escape_pending;
        if (n == 0)
                return;

        memset(f->in_buf + f->in_size, ESCAPE_CHAR, n);
        f->in_size += n;
        f->escape_pending -= n;
        memmove(f->escape_times, f->escape_times + n, f->escape_pending * sizeof(f->escape_times[0]));
}

/* Releases the held-back presses that are too old to be part of an escape
 * completed at time now. */
static void escape_release_expired(PtyForward *f, uint64_t now) {
        while (f->escape_pending > 0 && now - f->escape_times[0] > ESCAPE_WINDOW_USEC)
                escape_release(f, 1);
}

static int on_escape_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* Makes sure held-back presses are released when their second is over, even
 * if nothing else is typed. */
static int escape_arm_timer(PtyForward *f) {
        uint64_t when;
        int r;

        if (f->escape_pending == 0) {
                source_off(f->escape_source);
                return 0;
        }

        when = f->escape_times[0] + ESCAPE_WINDOW_USEC + 1;
        if (!f->escape_source) {
                r = sd_event_add_time(f->event, &f->escape_source, CLOCK_MONOTONIC, when, USEC_PER_MSEC,
                                      on_escape_timer, f);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(f->escape_source, "pty-forward-escape");
                return 0;
        }

        r = sd_event_source_set_time(f->escape_source, when);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(f->escape_source, SD_EVENT_ONESHOT);
}

/* Appends bytes read from stdin to the input buffer, holding back ^] presses
 * that may yet form the escape. Returns -ECANCELED when they did. */
static int pty_forward_feed_input(PtyForward *f, const char *p, size_t n) {
        uint64_t now;

        if (!f->stdin_is_tty) {
                memcpy(f->in_buf + f->in_size, p, n);
                f->in_size += n;
                return 0;
        }

        now = now_usec();
        for (size_t i = 0; i < n; i++) {
                if (p[i] != ESCAPE_CHAR) {
                        escape_release(f, f->escape_pending);
                        f->in_buf[f->in_size++] = p[i];
                        continue;
                }

                escape_release_expired(f, now);
                if (f->escape_pending == ESCAPE_PRESSES - 1)
                        return -ECANCELED;
                f->escape_times[f->escape_pending++] = now;
        }

        return 0;
}

static void pty_forward_stop_stdin(PtyForward *f) {
        f->stdin_eof = true;
        source_off(f->stdin_source);
        escape_release(f, f->escape_pending);
        source_off(f->escape_source);
}

/* Each step below returns > 0 when it moved something, 0 when it could not,
 * or a negative errno that ends forwarding. */

static int pty_forward_read_stdin(PtyForward *f) {
        char buf[PTY_FORWARD_BUFFER_SIZE];
        size_t room;
        ssize_t k;
        int r;

        if (!f->read_stdin || f->stdin_eof || !f->stdin_readable || f->master_hangup)
                return 0;

        room = sizeof(f->in_buf) - f->in_size - f->escape_pending;
        if (room == 0)
                return 0;

        k = read(STDIN_FILENO, buf, room);
        if (k < 0) {
                if (errno == EINTR)
                        return 1;
                if (errno == EAGAIN) {
                        f->stdin_readable = false;
                        return 0;
                }
                /* EIO: the terminal hung up. Nothing more will come either way. */
                log_debug_errno(errno, "Failed to read stdin, no longer forwarding input: %m");
                k = 0;
        }
        if (k == 0) {
                /* The machine's console stays open: only our input ended. */
                pty_forward_stop_stdin(f);
                return 1;
        }

        r = pty_forward_feed_input(f, buf, (size_t) k);
        if (r < 0)
                return r;

        r = escape_arm_timer(f);
        if (r < 0)
                return r;

        return 1;
}

/* A hangup on the master: with IGNORE_VHANGUP it only means "not now" (like
 * EAGAIN; the next event brings it back), otherwise the machine's side is
 * gone and forwarding ends once its output is written. */
static int pty_forward_master_hangup(PtyForward *f, bool *ready) {
        if (f->flags & PTY_FORWARD_IGNORE_VHANGUP) {
                *ready = false;
                return 0;
        }

        f->master_hangup = true;
        f->in_size = 0;
        if (f->read_stdin && !f->stdin_eof)
                pty_forward_stop_stdin(f);
        return 1;
}

static int pty_forward_write_master(PtyForward *f) {
        ssize_t k;

        if (!f->master_writable || f->in_size == 0 || f->master_hangup)
                return 0;

        k = write(f->master, f->in_buf, f->in_size);
        if (k < 0) {
                if (errno == EINTR)
                        return 1;
                if (errno == EAGAIN) {
                        f->master_writable = false;
                        return 0;
                }
                if (errno == EIO)
                        return pty_forward_master_hangup(f, &f->master_writable);
                return -errno;
        }

        f->in_size -= (size_t) k;
        memmove(f->in_buf, f->in_buf + k, f->in_size);
        return 1;
}

static int pty_forward_read_master(PtyForward *f) {
        size_t room;
        ssize_t k;

        if (!f->master_readable || f->master_hangup)
                return 0;

        room = sizeof(f->out_buf) - f->out_size;
        if (room == 0)
                return 0;

        k = read(f->master, f->out_buf + f->out_size, room);
        if (k < 0) {
                if (errno == EINTR)
                        return 1;
                if (errno == EAGAIN) {
                        f->master_readable = false;
                        return 0;
                }
                if (errno == EIO)
                        return pty_forward_master_hangup(f, &f->master_readable);
                return -errno;
        }
        if (k == 0)
                return pty_forward_master_hangup(f, &f->master_readable);

        f->out_size += (size_t) k;
        return 1;
}

static int pty_forward_write_stdout(PtyForward *f) {
        ssize_t k;

        if (!f->stdout_writable || f->out_size == 0)
                return 0;

        k = write(STDOUT_FILENO, f->out_buf, f->out_size);
        if (k < 0) {
                if (errno == EINTR)
                        return 1;
                if (errno == EAGAIN) {
                        f->stdout_writable = false;
                        return 0;
                }
                f->stdout_error = -errno;
                return f->stdout_error;
        }

        f->out_size -= (size_t) k;
        memmove(f->out_buf, f->out_buf + k, f->out_size);
        return 1;
}

/* Moves bytes in both directions until nothing can move without waiting,
 * then ends forwarding if that is due. Last thing its callers do with f. */
static void pty_forward_shovel(PtyForward *f) {
        int (*const steps[])(PtyForward *) = {
                pty_forward_read_stdin,
                pty_forward_write_master,
                pty_forward_read_master,
                pty_forward_write_stdout,
        };
        bool progress;

        if (f->done)
                return;

        do {
                progress = false;
                for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                        int r = steps[i](f);
                        if (r < 0) {
                                pty_forward_finish(f, r);
                                return;
                        }
                        if (r > 0)
                                progress = true;
                }
        } while (progress);

        if (f->master_hangup && f->out_size == 0)
                pty_forward_finish(f, 0);
}

static int on_stdin_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PtyForward *f = userdata;

        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                f->stdin_readable = true;

        pty_forward_shovel(f);
        return 0;
}

static int on_stdout_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PtyForward *f = userdata;

        /* On an error or hangup the next write says what it is. */
        if (revents & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                f->stdout_writable = true;

        pty_forward_shovel(f);
        return 0;
}

static int on_master_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PtyForward *f = userdata;

        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                f->master_readable = true;
        if (revents & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                f->master_writable = true;

        pty_forward_shovel(f);
        return 0;
}

static int on_escape_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PtyForward *f = userdata;
        int r;

        escape_release_expired(f, now_usec());
        r = escape_arm_timer(f);
        if (r < 0) {
                pty_forward_finish(f, r);
                return 0;
        }

        pty_forward_shovel(f);
        return 0;
}

static void pty_forward_copy_window_size(PtyForward *f) {
        struct winsize ws;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
                return;
        if (ioctl(f->master, TIOCSWINSZ, &ws) < 0)
                log_debug_errno(errno, "Failed to set the console's window size: %m");
}

static int on_sigwinch(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        pty_forward_copy_window_size(userdata);
        return 0;
}

/* Sets O_NONBLOCK on fd; *saved gets the old flags if they were changed. */
static int fd_set_nonblock(int fd, int flags, int *saved) {
        if (flags & O_NONBLOCK)
                return 0;
        if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        *saved = flags;
        return 0;
}

static int pty_forward_watch_sigwinch(PtyForward *f) {
        sigset_t mask, old;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        r = pthread_sigmask(SIG_BLOCK, &mask, &old);
        if (r != 0)
                return -r;
        f->unblock_sigwinch = !sigismember(&old, SIGWINCH);

        r = sd_event_add_signal(f->event, &f->sigwinch_source, SIGWINCH, on_sigwinch, f);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(f->sigwinch_source, "pty-forward-sigwinch");
        return 0;
}

int pty_forward_new(sd_event *event, int master, PtyForwardFlags flags, PtyForward **ret) {
        _cleanup_(pty_forward_freep) PtyForward *f = NULL;
        int stdin_flags = -1, stdout_flags, master_flags, r;
        struct winsize ws;

        if (!event || master < 0 || !ret)
                return -EINVAL;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->event = sd_event_ref(event);
        f->master = master;
        f->flags = flags;
        f->saved_stdin_flags = f->saved_stdout_flags = f->saved_master_flags = -1;
        f->read_stdin = !(flags & PTY_FORWARD_READ_ONLY);

        /* Read all flags before changing any: stdin and stdout may be one
         * terminal opened once, where O_NONBLOCK on one is on the other. */
        master_flags = fcntl(master, F_GETFL);
        if (master_flags < 0)
                return -errno;
        stdout_flags = fcntl(STDOUT_FILENO, F_GETFL);
        if (stdout_flags < 0)
                return -errno;
        if (f->read_stdin) {
                stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
                if (stdin_flags < 0) {
                        log_debug_errno(errno, "stdin is not usable, not forwarding input: %m");
                        f->read_stdin = false;
                }
        }

        r = fd_set_nonblock(master, master_flags, &f->saved_master_flags);
        if (r < 0)
                return r;
        r = fd_set_nonblock(STDOUT_FILENO, stdout_flags, &f->saved_stdout_flags);
        if (r < 0)
                return r;
        if (f->read_stdin) {
                r = fd_set_nonblock(STDIN_FILENO, stdin_flags, &f->saved_stdin_flags);
                if (r < 0)
                        return r;
        }

        if (f->read_stdin && tcgetattr(STDIN_FILENO, &f->saved_termios) >= 0) {
                struct termios raw = f->saved_termios;

                f->stdin_is_tty = true;
                cfmakeraw(&raw);
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
                        return -errno;
                f->saved_termios_valid = true;
        }

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0) {
                pty_forward_copy_window_size(f);
                r = pty_forward_watch_sigwinch(f);
                if (r < 0)
                        return r;
        }

        /* The master is always ready for something at first (writable, or
         * hung up), so this source's first event starts the shoveling, also
         * for descriptors that have no source. */
        r = sd_event_add_io(event, &f->master_source, master, EPOLLIN | EPOLLOUT | EPOLLET, on_master_event, f);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(f->master_source, "pty-forward-master");

        r = sd_event_add_io(event, &f->stdout_source, STDOUT_FILENO, EPOLLOUT | EPOLLET, on_stdout_event, f);
        if (r == -EPERM)
                f->stdout_writable = true;
        else if (r < 0)
                return r;
        else
                (void) sd_event_source_set_description(f->stdout_source, "pty-forward-stdout");

        if (f->read_stdin) {
                r = sd_event_add_io(event, &f->stdin_source, STDIN_FILENO, EPOLLIN | EPOLLET, on_stdin_event, f);
                if (r == -EPERM)
                        f->stdin_readable = true;
                else if (r < 0)
                        return r;
                else
                        (void) sd_event_source_set_description(f->stdin_source, "pty-forward-stdin");
        }

        *ret = TAKE_PTR(f);
        return 0;
}

PtyForward *pty_forward_free(PtyForward *f) {
        if (!f)
                return NULL;

        f->stdin_source = sd_event_source_disable_unref(f->stdin_source);
        f->stdout_source = sd_event_source_disable_unref(f->stdout_source);
        f->master_source = sd_event_source_disable_unref(f->master_source);
        f->escape_source = sd_event_source_disable_unref(f->escape_source);
        f->sigwinch_source = sd_event_source_disable_unref(f->sigwinch_source);

        if (f->unblock_sigwinch) {
                sigset_t mask;

                sigemptyset(&mask);
                sigaddset(&mask, SIGWINCH);
                (void) pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
        }

        if (f->saved_termios_valid)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &f->saved_termios);
        if (f->saved_stdin_flags >= 0)
                (void) fcntl(STDIN_FILENO, F_SETFL, f->saved_stdin_flags);
        if (f->saved_stdout_flags >= 0)
                (void) fcntl(STDOUT_FILENO, F_SETFL, f->saved_stdout_flags);
        if (f->saved_master_flags >= 0)
                (void) fcntl(f->master, F_SETFL, f->saved_master_flags);

        sd_event_unref(f->event);
        free(f);
        return NULL;
}

void pty_forward_set_handler(PtyForward *f, PtyForwardHandler handler, void *userdata) {
        if (!f)
                return;

        f->handler = handler;
        f->userdata = userdata;
}

int pty_forward_drain(PtyForward *f, uint64_t timeout_usec) {
        uint64_t deadline, now;
        bool master_empty;

        if (!f)
                return -EINVAL;

        f->done = true;
        pty_forward_disable(f);
        if (f->stdout_error < 0)
                return f->stdout_error;

        now = now_usec();
        deadline = timeout_usec > UINT64_MAX - now ? UINT64_MAX : now + timeout_usec;
        master_empty = f->master_hangup;

        for (;;) {
                ssize_t k;
                int error;

                /* Whatever the machine wrote is in the master by now: it is
                 * empty when a non-blocking read says EAGAIN (or EIO, when
                 * no slave is open any more). */
                while (!master_empty && f->out_size < sizeof(f->out_buf)) {
                        k = read(f->master, f->out_buf + f->out_size, sizeof(f->out_buf) - f->out_size);
                        if (k > 0)
                                f->out_size += (size_t) k;
                        else if (k < 0 && errno == EINTR)
                                continue;
                        else {
                                if (k < 0 && errno != EAGAIN && errno != EIO)
                                        log_debug_errno(errno, "Failed to read the console: %m");
                                master_empty = true;
                        }
                }

                if (master_empty && f->out_size == 0)
                        return 0;

                k = write(STDOUT_FILENO, f->out_buf, f->out_size);
                error = k < 0 ? errno : 0;
                if (k > 0) {
                        f->out_size -= (size_t) k;
                        memmove(f->out_buf, f->out_buf + k, f->out_size);
                } else if (error != 0 && error != EINTR && error != EAGAIN) {
                        f->stdout_error = -error;
                        return f->stdout_error;
                }

                now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;

                if (error == EAGAIN) {
                        /* A slow terminal: wait for it, but not forever. */
                        struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
                        uint64_t left_ms = (deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC;
                        int timeout_ms = deadline == UINT64_MAX || left_ms > INT32_MAX ? -1 : (int) left_ms;

                        if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
                                return -errno;
                }
        }
}
