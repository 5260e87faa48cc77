/*
 * request: reading a request's query string and headers; see http.h.
 */
#include "http/http.h"

#include <stdio.h>
#include <string.h>

const char *http_query(http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

typedef struct check_ctx {
    const char *const *allowed;
    const char *bad;
    const char *dup;
    const char *seen[64];
    int nseen;
} check_ctx;

static enum MHD_Result check_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    check_ctx *c = cls;
    int ok = 0;
    for (const char *const *a = c->allowed; *a; a++)
        if (strcmp(*a, key) == 0)
            ok = 1;
    if (!ok) {
        c->bad = key;
        return MHD_NO;
    }
    for (int i = 0; i < c->nseen; i++)
        if (strcmp(c->seen[i], key) == 0) {
            c->dup = key;
            return MHD_NO;
        }
    if (c->nseen < 64)
        c->seen[c->nseen++] = key;
    return MHD_YES;
}

int http_query_check(http_request *req, const char *const *allowed, rm_error *err)
{
    check_ctx c = {.allowed = allowed};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, check_one, &c);
    if (c.bad || c.dup) {
        buf list = BUF_INIT;
        for (const char *const *a = allowed; *a; a++)
            buf_appendf(&list, "%s%s", a == allowed ? "" : ", ", *a);
        if (c.bad)
            rm_error_set(err, 400, "Unknown parameter", "unknown query parameter '%.100s'; allowed here: %s",
                         c.bad, list.data ? list.data : "none");
        else
            rm_error_set(err, 400, "Repeated parameter", "query parameter '%.100s' is given more than once",
                         c.dup);
        buf_free(&list);
        return -1;
    }
    return 0;
}

void http_base_url(http_request *req, buf *b)
{
    if (req->config->public_url && req->config->public_url[0]) {
        const char *u = req->config->public_url;
        size_t n = strlen(u);
        while (n > 0 && u[n - 1] == '/')
            n--;
        buf_append(b, u, n);
        return;
    }
    const char *host = http_header(req, "Host");
    /* The Host header is client input: keep only characters a host[:port] may contain, so a
     * forged header cannot inject markup or another scheme into our links. */
    char clean[256];
    size_t k = 0;
    if (host)
        for (const char *p = host; *p && k + 1 < sizeof clean; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '.' || *p == '-' || *p == ':' || *p == '[' || *p == ']')
                clean[k++] = *p;
    clean[k] = 0;
    if (!k)
        snprintf(clean, sizeof clean, "%s:%d", req->config->bind, req->config->port);
    buf_appendf(b, "%s://%s", req->config->tls ? "https" : "http", clean);
}

void http_url_encode(buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~' || *p == ',')
            buf_putc(b, (char)*p);
        else {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        }
    }
}

typedef struct rebuild_ctx {
    buf *b;
    const char *const *drop;
    int n;
} rebuild_ctx;

static enum MHD_Result rebuild_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    rebuild_ctx *c = cls;
    if (c->drop)
        for (const char *const *d = c->drop; *d; d++)
            if (strcmp(*d, key) == 0)
                return MHD_YES;
    buf_putc(c->b, c->n ? '&' : '?');
    http_url_encode(c->b, key);
    if (value) {
        buf_putc(c->b, '=');
        http_url_encode(c->b, value);
    }
    c->n++;
    return MHD_YES;
}

int http_query_rebuild(http_request *req, buf *b, const char *const *drop)
{
    rebuild_ctx c = {b, drop, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, rebuild_one, &c);
    return c.n;
}
