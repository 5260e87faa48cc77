/*
 * rm_error: filling the error struct; see error.h.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rm_error_set(rm_error *err, int status, const char *title, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->status = status;
    snprintf(err->title, sizeof err->title, "%s", title ? title : "Error");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return -1;
}

void rm_error_clear(rm_error *err)
{
    if (!err)
        return;
    err->status = 0;
    err->title[0] = 0;
    err->detail[0] = 0;
}
