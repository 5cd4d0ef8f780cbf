/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsystemd, loaded when berth first calls it rather than when berth starts.
 *
 * Mapping libsystemd.so.0 and what it needs (libgcrypt, liblzma, libzstd, liblz4, libcap) costs
 * about 1 ms at every start of berth on a small machine, and again when the process exits: a
 * third of what a plain berth run --register=no takes, which needs none of it. berth is linked
 * without it and defines the functions it uses itself, each calling the library's own, found
 * with dlsym() the first time. The prototypes come from libsystemd's headers, so the compiler
 * checks every one of them against the library's declaration. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "libsystemd-lazy.h"
#include "macro.h"

static void *libsystemd;

bool libsystemd_loaded(void) {
        return libsystemd;
}

static void *lazy_symbol(const char *name) {
        if (!libsystemd) {
                libsystemd = dlopen("libsystemd.so.0", RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
                if (!libsystemd) {
                        fprintf(stderr, "berth needs libsystemd.so.0: %s\n", dlerror());
                        _exit(EXIT_FAILURE);
                }
        }
        void *p = dlsym(libsystemd, name);
        if (!p) {
                fprintf(stderr, "berth needs %s of libsystemd.so.0 (systemd 246 or newer): %s\n", name, dlerror());
                _exit(EXIT_FAILURE);
        }
        return p;
}

#define LAZY(ret, name, params, args)                                                   \
        ret name params {                                                               \
                static ret(*f) params;                                                  \
                if (!f)                                                                 \
                        f = (ret(*) params) lazy_symbol(#name);                         \
                return f args;                                                          \
        }

#define LAZY_VOID(name, params, args)                                                   \
        void name params {                                                              \
                static void(*f) params;                                                 \
                if (!f)                                                                 \
                        f = (void(*) params) lazy_symbol(#name);                        \
                f args;                                                                 \
        }

/* Before libsystemd is loaded, no object of it exists: what frees one has nothing to do then,
 * and loads nothing (berth's cleanup handlers call them on NULL). An sd_bus_error can only
 * have been set by berth itself then, never with memory of libsystemd's to free. */
#define LAZY_FREE(ret, name, params, args)                                              \
        ret name params {                                                               \
                static ret(*f) params;                                                  \
                if (!libsystemd)                                                        \
                        return NULL;                                                    \
                if (!f)                                                                 \
                        f = (ret(*) params) lazy_symbol(#name);                         \
                return f args;                                                          \
        }

#define LAZY_VOID_FREE(name, params, args)                                              \
        void name params {                                                              \
                static void(*f) params;                                                 \
                if (!libsystemd)                                                        \
                        return;                                                         \
                if (!f)                                                                 \
                        f = (void(*) params) lazy_symbol(#name);                        \
                f args;                                                                 \
        }

LAZY(int, sd_bus_attach_event, (sd_bus *bus, sd_event *e, int priority), (bus, e, priority))
LAZY(int, sd_bus_call, (sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply), (bus, m, usec, ret_error, reply))
LAZY(int, sd_bus_call_async, (sd_bus *bus, sd_bus_slot **slot, sd_bus_message *m, sd_bus_message_handler_t callback, void *userdata, uint64_t usec), (bus, slot, m, callback, userdata, usec))
LAZY(int, sd_bus_creds_get_unique_name, (sd_bus_creds *c, const char **name), (c, name))
LAZY_FREE(sd_bus_creds*, sd_bus_creds_unref, (sd_bus_creds *c), (c))
LAZY(int, sd_bus_detach_event, (sd_bus *bus), (bus))
LAZY(int, sd_bus_error_copy, (sd_bus_error *dest, const sd_bus_error *e), (dest, e))
LAZY_VOID_FREE(sd_bus_error_free, (sd_bus_error *e), (e))
LAZY(int, sd_bus_error_has_name, (const sd_bus_error *e, const char *name), (e, name))
LAZY(int, sd_bus_error_is_set, (const sd_bus_error *e), (e))
LAZY_FREE(sd_bus*, sd_bus_flush_close_unref, (sd_bus *bus), (bus))
LAZY(int, sd_bus_get_name_creds, (sd_bus *bus, const char *name, uint64_t mask, sd_bus_creds **creds), (bus, name, mask, creds))
LAZY(int, sd_bus_get_property_string, (sd_bus *bus, const char *destination, const char *path, const char *interface, const char *member, sd_bus_error *ret_error, char **ret), (bus, destination, path, interface, member, ret_error, ret))
LAZY(int, sd_bus_get_property_strv, (sd_bus *bus, const char *destination, const char *path, const char *interface, const char *member, sd_bus_error *ret_error, char ***ret), (bus, destination, path, interface, member, ret_error, ret))
LAZY(int, sd_bus_get_property_trivial, (sd_bus *bus, const char *destination, const char *path, const char *interface, const char *member, sd_bus_error *ret_error, char type, void *ret_ptr), (bus, destination, path, interface, member, ret_error, type, ret_ptr))
LAZY(int, sd_bus_get_unique_name, (sd_bus *bus, const char **unique), (bus, unique))
LAZY(int, sd_bus_match_signal, (sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface, const char *member, sd_bus_message_handler_t callback, void *userdata), (bus, ret, sender, path, interface, member, callback, userdata))
LAZY(int, sd_bus_message_append_array, (sd_bus_message *m, char type, const void *ptr, size_t size), (m, type, ptr, size))
LAZY(int, sd_bus_message_append_strv, (sd_bus_message *m, char **l), (m, l))
LAZY(int, sd_bus_message_close_container, (sd_bus_message *m), (m))
LAZY(int, sd_bus_message_enter_container, (sd_bus_message *m, char type, const char *contents), (m, type, contents))
LAZY(int, sd_bus_message_exit_container, (sd_bus_message *m), (m))
LAZY(const sd_bus_error*, sd_bus_message_get_error, (sd_bus_message *m), (m))
LAZY(const char*, sd_bus_message_get_sender, (sd_bus_message *m), (m))
LAZY(int, sd_bus_message_is_method_error, (sd_bus_message *m, const char *name), (m, name))
LAZY(int, sd_bus_message_new_method_call, (sd_bus *bus, sd_bus_message **m, const char *destination, const char *path, const char *interface, const char *member), (bus, m, destination, path, interface, member))
LAZY(int, sd_bus_message_open_container, (sd_bus_message *m, char type, const char *contents), (m, type, contents))
LAZY(int, sd_bus_message_peek_type, (sd_bus_message *m, char *type, const char **contents), (m, type, contents))
LAZY(int, sd_bus_message_read_array, (sd_bus_message *m, char type, const void **ptr, size_t *size), (m, type, ptr, size))
LAZY(int, sd_bus_message_read_basic, (sd_bus_message *m, char type, void *p), (m, type, p))
LAZY(sd_bus_message*, sd_bus_message_ref, (sd_bus_message *m), (m))
LAZY(int, sd_bus_message_skip, (sd_bus_message *m, const char *types), (m, types))
LAZY_FREE(sd_bus_message*, sd_bus_message_unref, (sd_bus_message *m), (m))
LAZY(int, sd_bus_open_system, (sd_bus **ret), (ret))
LAZY(int, sd_bus_process, (sd_bus *bus, sd_bus_message **r), (bus, r))
LAZY_FREE(sd_bus_slot*, sd_bus_slot_unref, (sd_bus_slot *slot), (slot))
LAZY(int, sd_bus_wait, (sd_bus *bus, uint64_t timeout_usec), (bus, timeout_usec))
LAZY(int, sd_event_add_child, (sd_event *e, sd_event_source **s, pid_t pid, int options, sd_event_child_handler_t callback, void *userdata), (e, s, pid, options, callback, userdata))
LAZY(int, sd_event_add_child_pidfd, (sd_event *e, sd_event_source **s, int pidfd, int options, sd_event_child_handler_t callback, void *userdata), (e, s, pidfd, options, callback, userdata))
LAZY(int, sd_event_add_io, (sd_event *e, sd_event_source **s, int fd, uint32_t events, sd_event_io_handler_t callback, void *userdata), (e, s, fd, events, callback, userdata))
LAZY(int, sd_event_add_signal, (sd_event *e, sd_event_source **s, int sig, sd_event_signal_handler_t callback, void *userdata), (e, s, sig, callback, userdata))
LAZY(int, sd_event_add_time, (sd_event *e, sd_event_source **s, clockid_t clock, uint64_t usec, uint64_t accuracy, sd_event_time_handler_t callback, void *userdata), (e, s, clock, usec, accuracy, callback, userdata))
LAZY(int, sd_event_default, (sd_event **e), (e))
LAZY(int, sd_event_exit, (sd_event *e, int code), (e, code))
LAZY(int, sd_event_loop, (sd_event *e), (e))
LAZY(int, sd_event_new, (sd_event **e), (e))
LAZY(sd_event*, sd_event_ref, (sd_event *e), (e))
LAZY_FREE(sd_event_source*, sd_event_source_disable_unref, (sd_event_source *s), (s))
LAZY(sd_event*, sd_event_source_get_event, (sd_event_source *s), (s))
LAZY(int, sd_event_source_set_description, (sd_event_source *s, const char *description), (s, description))
LAZY(int, sd_event_source_set_enabled, (sd_event_source *s, int enabled), (s, enabled))
LAZY(int, sd_event_source_set_time, (sd_event_source *s, uint64_t usec), (s, usec))
LAZY_FREE(sd_event_source*, sd_event_source_unref, (sd_event_source *s), (s))
LAZY_FREE(sd_event*, sd_event_unref, (sd_event *e), (e))
LAZY(int, sd_journal_add_disjunction, (sd_journal *j), (j))
LAZY(int, sd_journal_add_match, (sd_journal *j, const void *data, size_t size), (j, data, size))
LAZY_VOID_FREE(sd_journal_close, (sd_journal *j), (j))
LAZY(int, sd_journal_get_data, (sd_journal *j, const char *field, const void **data, size_t *l), (j, field, data, l))
LAZY(int, sd_journal_next, (sd_journal *j), (j))
LAZY(int, sd_journal_open, (sd_journal **ret, int flags), (ret, flags))
LAZY(int, sd_journal_previous_skip, (sd_journal *j, uint64_t skip), (j, skip))
LAZY(int, sd_journal_seek_tail, (sd_journal *j), (j))

/* The variadic ones call the library's va_list forms. */

int sd_bus_message_append(sd_bus_message *m, const char *types, ...) {
        static int (*f)(sd_bus_message *, const char *, va_list);
        va_list ap;
        if (!f)
                f = (int (*)(sd_bus_message *, const char *, va_list)) lazy_symbol("sd_bus_message_appendv");
        va_start(ap, types);
        int r = f(m, types, ap);
        va_end(ap);
        return r;
}

int sd_bus_message_read(sd_bus_message *m, const char *types, ...) {
        static int (*f)(sd_bus_message *, const char *, va_list);
        va_list ap;
        if (!f)
                f = (int (*)(sd_bus_message *, const char *, va_list)) lazy_symbol("sd_bus_message_readv");
        va_start(ap, types);
        int r = f(m, types, ap);
        va_end(ap);
        return r;
}

int sd_bus_call_method(sd_bus *bus, const char *destination, const char *path, const char *interface,
                       const char *member, sd_bus_error *ret_error, sd_bus_message **reply, const char *types, ...) {
        static int (*f)(sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,
                        sd_bus_message **, const char *, va_list);
        va_list ap;
        if (!f)
                f = (int (*)(sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,
                             sd_bus_message **, const char *, va_list)) lazy_symbol("sd_bus_call_methodv");
        va_start(ap, types);
        int r = f(bus, destination, path, interface, member, ret_error, reply, types, ap);
        va_end(ap);
        return r;
}

int sd_bus_error_has_names_sentinel(const sd_bus_error *e, ...) {
        va_list ap;
        int r = 0;
        va_start(ap, e);
        for (const char *n; !r && (n = va_arg(ap, const char *));)
                r = sd_bus_error_has_name(e, n);
        va_end(ap);
        return r;
}

/* Without $NOTIFY_SOCKET there is nothing to notify, and libsystemd would say so (0): no need
 * to load it for that. */
int sd_notify(int unset_environment, const char *state) {
        static int (*f)(int, const char *);
        if (!getenv("NOTIFY_SOCKET"))
                return 0;
        if (!f)
                f = (int (*)(int, const char *)) lazy_symbol("sd_notify");
        return f(unset_environment, state);
}

int sd_notifyf(int unset_environment, const char *format, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        va_start(ap, format);
        int r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return sd_notify(unset_environment, s);
}
