/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

/* Connects the user's terminal (stdin, stdout) to a machine's console, given
 * as the master side of a pty, on an sd-event loop: bytes from stdin go to
 * the master, bytes from the master go to stdout, with a buffer each way so
 * a slow side stalls only its own direction and no byte is lost.
 *
 * While it runs, stdin (if read) and stdout are O_NONBLOCK, and a terminal on
 * stdin is in raw mode; pty_forward_free() puts all of it back. If stdout is a
 * terminal its window size is copied to the master at start and on every
 * SIGWINCH.
 *
 * What the caller must know:
 *  - SIGPIPE must be ignored (SIG_IGN): a closed stdout is then reported to
 *    the handler as -EPIPE instead of killing the process.
 *  - SIGWINCH is watched with sd_event_add_signal() when stdout is a terminal.
 *    If the caller has not blocked it, the forwarder blocks it in the calling
 *    thread and unblocks it again on free. No other source on the same loop
 *    may watch SIGWINCH (sd-event allows one per signal).
 *  - Somebody must hold the slave open when forwarding starts (normally the
 *    machine, which got it as its console before this is called): a master
 *    without any open slave reports a hangup at once.
 *  - The escape: ^] (0x1D) pressed three times within one second, with no
 *    other byte in between, ends forwarding with -ECANCELED (the caller then
 *    kills the machine). It is only looked for when stdin is a terminal, so
 *    piped binary input is never mistaken for it. The ^] presses are held back
 *    while they may still become the escape: the ones that form it never
 *    reach the machine; a lone ^] reaches it as soon as another byte is typed
 *    or one second after it was pressed. */
typedef struct PtyForward PtyForward;

typedef enum PtyForwardFlags {
        /* Forward output only: stdin is never read, the terminal is not put
         * into raw mode, there is no escape. */
        PTY_FORWARD_READ_ONLY = 1 << 0,
        /* A hangup of the master (EIO: no slave open) is not the end: a
         * booted machine's init and gettys vhangup() and reopen their console.
         * Forwarding then goes on until pty_forward_drain() or free. */
        PTY_FORWARD_IGNORE_VHANGUP = 1 << 1,
} PtyForwardFlags;

/* Called once when forwarding ends: rcode 0 when the machine's side hung up
 * and all its output has been written to stdout; -ECANCELED on the escape;
 * another negative errno on a failure (e.g. -EPIPE or -EIO writing stdout).
 * All event sources are off by then; the handler may free f. Its return value
 * is ignored. Without a handler, the event loop is exited with rcode. */
typedef int (*PtyForwardHandler)(PtyForward *f, int rcode, void *userdata);

/* Starts forwarding between stdin/stdout and master, which stays the
 * caller's (it is not closed; its O_NONBLOCK is put back on free). */
int pty_forward_new(sd_event *event, int master, PtyForwardFlags flags, PtyForward **ret);

/* Stops forwarding and restores the terminal and the descriptors' flags.
 * Accepts NULL; returns NULL. */
PtyForward *pty_forward_free(PtyForward *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(PtyForward *, pty_forward_free);

void pty_forward_set_handler(PtyForward *f, PtyForwardHandler handler, void *userdata);

/* For when the machine has exited: stops reading stdin, reads what is left on
 * the master (until it is empty or hung up) and writes it and what was
 * buffered to stdout, waiting at most timeout_usec (UINT64_MAX: no limit)
 * for a slow stdout. Forwarding is over afterwards (the handler is not
 * called any more); free f next. Returns 0 when everything was written,
 * -ETIMEDOUT, or the negative errno of writing stdout. */
int pty_forward_drain(PtyForward *f, uint64_t timeout_usec);
