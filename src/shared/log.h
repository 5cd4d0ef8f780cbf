/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

/* Messages go to stderr, one line each, unless a sink is installed (the
 * launcher's child sends them to its parent, which prints them). */
typedef void (*LogSink)(int level, const char *message, void *userdata);

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_sink(LogSink sink, void *userdata);

/* Logs at level; %m expands to strerror(error). Returns -abs(error), or 0 if error is 0. */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_debug_errno(error, ...) log_internal(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_internal(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...) log_internal(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_internal(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_internal(LOG_ERR, (error), __VA_ARGS__)

#define log_debug(...) log_debug_errno(0, __VA_ARGS__)
#define log_info(...) log_info_errno(0, __VA_ARGS__)
#define log_notice(...) log_notice_errno(0, __VA_ARGS__)
#define log_warning(...) log_warning_errno(0, __VA_ARGS__)
#define log_error(...) log_error_errno(0, __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
