/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* What berth list shows of a running machine, read by berth itself through the machine's leader
 * (root only): machined answers GetMachineOSRelease and GetMachineAddresses by forking into the
 * machine, one machine after the other, several milliseconds each. */

/* The value of KEY in os-release text, unquoted and unescaped as a shell would; NULL (and 0) if
 * the key is not there. */
int os_release_value(const char *text, const char *key, char **ret);

/* The machine's PRETTY_NAME, or its ID, from its /etc/os-release or /usr/lib/os-release, read
 * inside its root; NULL (and 0) if it has neither as a regular file. An error only when the
 * leader's root cannot be opened (not root, no such process). */
int machine_peek_os(pid_t leader, char **ret);

/* The addresses of the machine's network namespace as text, as machined lists them: no
 * host-scoped (loopback) ones, IPv4 before IPv6, then by interface. */
int machine_peek_addresses(pid_t leader, char ***ret);
