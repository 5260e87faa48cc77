/*
 * multipart: multipart/form-data parsing; see multipart.h.
 */
#include "io/multipart.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const unsigned char *find(const unsigned char *hay, size_t n, const char *needle, size_t k)
{
    if (k == 0 || n < k)
        return NULL;
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* The value of parameter key in a header value ('name="x"' or 'name=x'); 0 found, -1 not. */
static int header_param(const char *h, size_t hn, const char *key, char *out, size_t out_len)
{
    size_t kn = strlen(key);
    for (size_t i = 0; i + kn + 1 <= hn; i++) {
        if ((i == 0 || h[i - 1] == ';' || h[i - 1] == ' ' || h[i - 1] == '\t') && strncasecmp(h + i, key, kn) == 0 &&
            h[i + kn] == '=') {
            const char *v = h + i + kn + 1, *end = h + hn;
            size_t o = 0;
            if (v < end && *v == '"') {
                v++;
                while (v < end && *v != '"') {
                    if (*v == '\\' && v + 1 < end)
                        v++;
                    if (o + 1 < out_len)
                        out[o++] = *v;
                    v++;
                }
                if (v >= end)
                    return -1;
            } else {
                while (v < end && *v != ';' && *v != ' ' && *v != '\t' && *v != '\r') {
                    if (o + 1 < out_len)
                        out[o++] = *v;
                    v++;
                }
            }
            out[o] = 0;
            return 0;
        }
    }
    return -1;
}

int multipart_parse(const char *content_type, const unsigned char *body, size_t len, multipart_part *parts, int max,
                    int *n, char *why, size_t why_len)
{
    *n = 0;
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0) {
        snprintf(why, why_len, "the body must be multipart/form-data");
        return -1;
    }
    char boundary[80];
    if (header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary) < 0 || !boundary[0] ||
        strlen(boundary) > 70) {
        snprintf(why, why_len, "the Content-Type header has no usable boundary");
        return -1;
    }
    char delim[96];
    int dn = snprintf(delim, sizeof delim, "--%s", boundary);
    /* The first delimiter may start the body or follow a preamble line. */
    const unsigned char *p = find(body, len, delim, (size_t)dn);
    if (!p || (p != body && (p < body + 2 || p[-2] != '\r' || p[-1] != '\n'))) {
        snprintf(why, why_len, "the body does not start with the boundary");
        return -1;
    }
    const unsigned char *end = body + len;
    char close_delim[100];
    int cn = snprintf(close_delim, sizeof close_delim, "\r\n--%s", boundary);
    for (;;) {
        p += dn;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* the closing delimiter */
        /* Optional white space, then CRLF. */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            snprintf(why, why_len, "a boundary line is malformed");
            return -1;
        }
        p += 2;
        const unsigned char *hend = find(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend) {
            snprintf(why, why_len, "a part has no end of headers");
            return -1;
        }
        if (*n == max) {
            snprintf(why, why_len, "more than %d parts", max);
            return -1;
        }
        multipart_part *part = &parts[*n];
        memset(part, 0, sizeof *part);
        bool have_disp = false;
        for (const unsigned char *h = p; h < hend;) {
            const unsigned char *le = find(h, (size_t)(hend - h) + 2, "\r\n", 2);
            size_t hl = le ? (size_t)(le - h) : (size_t)(hend - h);
            const char *hs = (const char *)h;
            if (hl > 20 && strncasecmp(hs, "Content-Disposition:", 20) == 0) {
                const char *v = hs + 20;
                size_t vl = hl - 20;
                while (vl && (*v == ' ' || *v == '\t'))
                    v++, vl--;
                if (vl < 9 || strncasecmp(v, "form-data", 9) != 0) {
                    snprintf(why, why_len, "a part is not form-data");
                    return -1;
                }
                if (header_param(v, vl, "name", part->name, sizeof part->name) < 0) {
                    snprintf(why, why_len, "a part has no name");
                    return -1;
                }
                header_param(v, vl, "filename", part->filename, sizeof part->filename);
                have_disp = true;
            } else if (hl > 13 && strncasecmp(hs, "Content-Type:", 13) == 0) {
                const char *v = hs + 13;
                size_t vl = hl - 13;
                while (vl && (*v == ' ' || *v == '\t'))
                    v++, vl--;
                snprintf(part->content_type, sizeof part->content_type, "%.*s", (int)vl, v);
            }
            h += hl + 2;
        }
        if (!have_disp) {
            snprintf(why, why_len, "a part has no Content-Disposition");
            return -1;
        }
        const unsigned char *data = hend + 4;
        const unsigned char *next = find(data, (size_t)(end - data), close_delim, (size_t)cn);
        if (!next) {
            snprintf(why, why_len, "the body ends inside part '%s' (no closing boundary)", part->name);
            return -1;
        }
        part->data = data;
        part->len = (size_t)(next - data);
        (*n)++;
        p = next + 2;
    }
}

const multipart_part *multipart_find(const multipart_part *parts, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(parts[i].name, name) == 0)
            return &parts[i];
    return NULL;
}
