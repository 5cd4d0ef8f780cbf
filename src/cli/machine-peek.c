/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fd-util.h"
#include "log.h"
#include "machine-peek.h"
#include "strv.h"
#include "user.h"

int os_release_value(const char *text, const char *key, char **ret) {
        size_t klen = strlen(key);
        char *found = NULL;

        for (const char *line = text; line && *line;) {
                const char *end = strchrnul(line, '\n'), *p = line;
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                if ((size_t) (end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
                        /* Shell quoting: '...' literal, "..." with \" \\ \$ \` escapes, and a
                         * backslash outside quotes takes the next character as it is. */
                        _cleanup_free_ char *v = malloc(end - p);
                        char *o = v, quote = 0;
                        if (!v)
                                return free(found), -ENOMEM;
                        for (p += klen + 1; p < end; p++) {
                                if (quote == '\'') {
                                        if (*p == '\'')
                                                quote = 0;
                                        else
                                                *o++ = *p;
                                } else if (quote == '"') {
                                        if (*p == '"')
                                                quote = 0;
                                        else if (*p == '\\' && p + 1 < end && strchr("\"\\$`", p[1]))
                                                *o++ = *++p;
                                        else
                                                *o++ = *p;
                                } else if (*p == '\'' || *p == '"')
                                        quote = *p;
                                else if (*p == '\\' && p + 1 < end)
                                        *o++ = *++p;
                                else if (*p == ' ' || *p == '\t' || *p == '#')
                                        break;
                                else
                                        *o++ = *p;
                        }
                        *o = 0;
                        free(found);
                        found = TAKE_PTR(v); /* the last assignment counts, as in a shell */
                }
                line = *end ? end + 1 : NULL;
        }
        *ret = found;
        return 0;
}

int machine_peek_os(pid_t leader, char **ret) {
        _cleanup_free_ char *text = NULL, *pretty = NULL;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return -errno;
        /* What the machine's root put there instead of a file (a FIFO, a device, a dangling
         * link) counts as no os-release: nothing to ask machined about either, whose own reading
         * of a FIFO there would never return. */
        r = read_regular_file_in_root(root_fd, "/etc/os-release", &text);
        if (r >= 0 && !text)
                r = read_regular_file_in_root(root_fd, "/usr/lib/os-release", &text);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !text) {
                *ret = NULL;
                return 0;
        }
        r = os_release_value(text, "PRETTY_NAME", &pretty);
        if (r >= 0 && (!pretty || !*pretty)) {
                free(pretty);
                r = os_release_value(text, "ID", &pretty);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(pretty);
        return 0;
}

typedef struct Address {
        int family;
        unsigned char scope;
        int ifindex;
        unsigned char bytes[16];
} Address;

static int address_compare(const void *a, const void *b) {
        const Address *x = a, *y = b;
        if (x->family != y->family)
                return x->family == AF_INET ? -1 : 1;
        if (x->ifindex != y->ifindex)
                return x->ifindex < y->ifindex ? -1 : 1;
        return memcmp(x->bytes, y->bytes, sizeof(x->bytes));
}

/* A NETLINK_ROUTE socket of the leader's network namespace: made there, it stays there. */
static int netlink_socket_of(pid_t leader) {
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) leader);
        _cleanup_close_ int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
        if (own < 0 || ns < 0)
                return -errno;
        if (setns(ns, CLONE_NEWNET) < 0)
                return -errno;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        int e = errno;
        if (setns(own, CLONE_NEWNET) < 0) {
                /* Going on in a machine's network namespace would reach the wrong D-Bus. */
                log_error_errno(errno, "Failed to return to berth's network namespace: %m");
                abort();
        }
        return fd < 0 ? -e : fd;
}

int machine_peek_addresses(pid_t leader, char ***ret) {
        _cleanup_free_ Address *list = NULL;
        size_t n = 0, allocated = 0;
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg m;
        } req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                .h.nlmsg_type = RTM_GETADDR,
                .h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .h.nlmsg_seq = 1,
                .m.ifa_family = AF_UNSPEC,
        };

        _cleanup_close_ int fd = netlink_socket_of(leader);
        if (fd < 0)
                return fd;
        struct timeval tv = { .tv_sec = 2 };
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (send(fd, &req, req.h.nlmsg_len, 0) < 0)
                return -errno;

        for (bool done = false; !done;) {
                char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
                ssize_t k = recv(fd, buf, sizeof(buf), 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EPROTO;
                size_t left = (size_t) k;
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
                        if (h->nlmsg_type == NLMSG_DONE) {
                                done = true;
                                break;
                        }
                        if (h->nlmsg_type == NLMSG_ERROR)
                                return -EPROTO;
                        if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
                                continue;
                        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
                        if (ifa->ifa_scope >= RT_SCOPE_HOST || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
                                continue;
                        size_t want = ifa->ifa_family == AF_INET ? 4 : 16;
                        const void *local = NULL, *address = NULL;
                        size_t alen = IFA_PAYLOAD(h);
                        for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                                if (RTA_PAYLOAD(a) != want)
                                        continue;
                                if (a->rta_type == IFA_LOCAL)
                                        local = RTA_DATA(a);
                                else if (a->rta_type == IFA_ADDRESS)
                                        address = RTA_DATA(a);
                        }
                        /* On a point-to-point link IFA_ADDRESS is the peer's; IFA_LOCAL is ours. */
                        const void *ours = local ?: address;
                        if (!ours)
                                continue;
                        if (n == allocated) {
                                allocated = allocated ? allocated * 2 : 8;
                                Address *more = reallocarray(list, allocated, sizeof(Address));
                                if (!more)
                                        return -ENOMEM;
                                list = more;
                        }
                        list[n] = (Address) { .family = ifa->ifa_family, .scope = ifa->ifa_scope,
                                              .ifindex = (int) ifa->ifa_index };
                        memcpy(list[n].bytes, ours, want);
                        n++;
                }
        }

        qsort(list, n, sizeof(Address), address_compare);
        _cleanup_strv_free_ char **l = NULL;
        for (size_t i = 0; i < n; i++) {
                char text[INET6_ADDRSTRLEN];
                if (!inet_ntop(list[i].family, list[i].bytes, text, sizeof(text)))
                        continue;
                if (strv_extend(&l, text) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
