/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int max_level = LOG_INFO;
static LogSink sink = NULL;
static void *sink_userdata = NULL;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_sink(LogSink s, void *userdata) {
        sink = s;
        sink_userdata = userdata;
}

int log_internal(int level, int error, const char *format, ...) {
        int saved = errno;
        if (error < 0)
                error = -error;

        if (level <= max_level) {
                char buf[2048];
                va_list ap;

                errno = error;
                va_start(ap, format);
                (void) vsnprintf(buf, sizeof(buf), format, ap);
                va_end(ap);

                if (sink)
                        sink(level, buf, sink_userdata);
                else
                        (void) fprintf(stderr, "%s\n", buf);
        }

        errno = saved;
        return -error;
}
