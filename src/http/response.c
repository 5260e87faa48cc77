/*
 * response: the finishing of every answer; see response.h.
 */
#include "http/response.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/json.h"
#include "http/server_int.h"

/* Bodies smaller than this go uncompressed: gzip's header and the CPU are not worth it. */
#define GZIP_MIN_BYTES 1024

void http_set_header(http_request *req, const char *name, const char *value)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->header_names[i], name) == 0) {
            free(req->header_values[i]);
            req->header_values[i] = strdup(value);
            return;
        }
    if (req->nheaders >= HTTP_MAX_HEADERS)
        return;
    req->header_names[req->nheaders] = strdup(name);
    req->header_values[req->nheaders] = strdup(value);
    req->nheaders++;
}

void http_reply(http_request *req, int status, const char *content_type)
{
    req->status = status;
    req->content_type = content_type;
}

/* Give a borrowed body back: the answer will not send it, or it was sent. */
void response_body_ref_drop(http_request *req)
{
    if (req->body_ref_release)
        req->body_ref_release(req->body_ref_arg);
    req->body_ref = NULL;
    req->body_ref_len = 0;
    req->body_ref_release = NULL;
    req->body_ref_arg = NULL;
}

void response_problem(http_request *req, const rm_error *err)
{
    response_body_ref_drop(req);
    buf_reset(&req->out);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "type", "about:blank");
    json_kv_str(&w, "title", err->title);
    json_kv_int(&w, "status", err->status);
    json_kv_str(&w, "detail", err->detail);
    json_kv_str(&w, "instance", req->path);
    json_obj_end(&w);
    req->status = err->status;
    req->content_type = "application/problem+json";
    req->no_etag = true;
}

/* zlib level 4 rather than its default 6: on a dense 320 KB vector tile it takes half the time (4.1
 * against 8.4 ms) for 5% more bytes (95 against 91 KB); an uncached tile spends a third of its time
 * in gzip. */
#define RESPONSE_GZIP_LEVEL 4

int response_gzip(const void *src, size_t n, buf *out)
{
    z_stream z = {0};
    if (deflateInit2(&z, RESPONSE_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&z, n);
    buf_grow(out, bound);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->data + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    if (rc == Z_STREAM_END)
        out->len += z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

bool response_accepts(const char *header, const char *token)
{
    if (!header)
        return false;
    size_t tl = strlen(token);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        bool hit = (size_t)(p - start) == tl && strncasecmp(start, token, tl) == 0;
        const char *params = p;
        while (*p && *p != ',')
            p++;
        if (hit) {
            const char *q = strstr(params, "q=");
            if (q && q < p && strtod(q + 2, NULL) == 0)
                return false;
            return true;
        }
    }
    return false;
}

/* Did the handler set header name? */
static bool has_header(const http_request *req, const char *name)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->header_names[i], name) == 0)
            return true;
    return false;
}

/* Headers every answer gets unless its handler set its own (the web map's pages set a full
 * Content-Security-Policy): no framing by other sites, no referrer leaking paths, and on HTTPS a
 * promise to browsers to keep using it. JSON documents get a policy that allows nothing, should a
 * browser ever render one. */
static void add_security_headers(http_request *req, struct MHD_Response *resp)
{
    if (!has_header(req, "Content-Security-Policy")) {
        bool json = req->content_type && strncmp(req->content_type, "application/", 12) == 0 &&
                    strstr(req->content_type, "json");
        MHD_add_response_header(resp, "Content-Security-Policy",
                                json ? "default-src 'none'; frame-ancestors 'none'" : "frame-ancestors 'none'");
    }
    if (!has_header(req, "X-Frame-Options"))
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (!has_header(req, "Referrer-Policy"))
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (req->config->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

/* Does If-None-Match list etag (or "*")? */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    return strstr(inm, etag) != NULL; /* weak comparison: W/"x" matches "x" */
}

/* Every header of an answer: the handler's, and those every answer gets. */
static void add_headers(http_request *req, struct MHD_Response *resp, int status, bool gz, const char *etag)
{
    if (req->content_type && status != 304 && status != 204)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                            "ETag, Location, Content-Crs, Link, Content-Disposition");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    add_security_headers(req, resp);
    bool vary_set = false;
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->header_names[i], "Vary") == 0)
            vary_set = true;
    if ((!req->no_compress || req->body_gzipped) && !vary_set)
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (etag[0]) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                req->cache_control ? req->cache_control : "no-cache");
    } else if (status >= 400) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    } else if (req->cache_control) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, req->cache_control);
    }
    for (int i = 0; i < req->nheaders; i++)
        MHD_add_response_header(resp, req->header_names[i], req->header_values[i]);
}

/*
 * Answers sent again (http.h, body_ref_shared): per thread, a few libmicrohttpd response objects
 * with their headers, each holding a reference to its body, so that the next request for the same
 * cached tile is queued as it is, without building a response and a dozen headers again (which
 * was a fifth of a cached tile's time). libmicrohttpd counts the uses of a response; a slot's is
 * given back when the slot is taken by another body, or when the thread ends. The key is the body
 * itself, which cannot be freed and reused while a slot holds it.
 */
#define SHARED_SLOTS 32
/* A slot keeps its body alive after the cache has dropped it: the bodies a thread's slots hold
 * add up to at most this, beyond the cache's bound (a body that does not fit goes the usual way). */
#define SHARED_MAX_BYTES (4 * 1024 * 1024)
typedef struct shared_slot {
    void *body;
    size_t len;
    bool gz;
    struct MHD_Response *resp;
    void (*release)(void *body);
} shared_slot;

static pthread_key_t shared_key;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static _Thread_local size_t shared_bytes; /* held by this thread's slots */

static void shared_slot_clear(shared_slot *s)
{
    shared_bytes -= s->len;
    if (s->resp)
        MHD_destroy_response(s->resp);
    if (s->release)
        s->release(s->body);
    memset(s, 0, sizeof *s);
}

static void shared_destroy(void *p)
{
    shared_slot *slots = p;
    for (int i = 0; i < SHARED_SLOTS; i++)
        shared_slot_clear(&slots[i]);
    free(slots);
}

static void shared_key_create(void) { pthread_key_create(&shared_key, shared_destroy); }

static shared_slot *shared_slot_of(const void *body, bool gz)
{
    pthread_once(&shared_once, shared_key_create);
    shared_slot *slots = pthread_getspecific(shared_key);
    if (!slots) {
        slots = calloc(SHARED_SLOTS, sizeof *slots);
        if (!slots || pthread_setspecific(shared_key, slots) != 0) {
            free(slots);
            return NULL;
        }
    }
    uintptr_t h = (uintptr_t)body >> 4;
    return &slots[(h ^ h >> 7 ^ (gz ? 13 : 0)) % SHARED_SLOTS];
}

/* Queue the shared answer of req's body (building and keeping it first if this thread has none);
 * MHD_NO when that cannot be done (the caller goes the usual way). req keeps its reference to the
 * body until the request ends. */
static enum MHD_Result queue_shared(http_request *req, bool gz, const char *etag, bool *done)
{
    *done = false;
    shared_slot *s = shared_slot_of(req->body_ref_arg, gz);
    if (!s)
        return MHD_NO;
    if (s->resp && (s->body != req->body_ref_arg || s->gz != gz))
        shared_slot_clear(s);
    if (!s->resp && shared_bytes + req->body_ref_len > SHARED_MAX_BYTES)
        return MHD_NO;
    if (!s->resp) {
        /* libmicrohttpd only reads the buffer; its prototype lacks the const. */
        struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
            req->body_ref_len, (void *)(uintptr_t)req->body_ref, NULL, NULL);
        if (!resp)
            return MHD_NO;
        add_headers(req, resp, 200, gz, etag);
        req->body_ref_acquire(req->body_ref_arg);
        *s = (shared_slot){req->body_ref_arg, req->body_ref_len, gz, resp, req->body_ref_release};
        shared_bytes += req->body_ref_len;
    }
    req->bytes_out = req->body_ref_len;
    server_slot_release(req);
    *done = true;
    return MHD_queue_response(req->conn, 200, s->resp);
}

enum MHD_Result response_queue(http_request *req)
{
    if (req->status == 0) {
        rm_error err;
        rm_error_set(&err, 500, "Internal Server Error", "no answer was produced");
        response_problem(req, &err);
    }
    int status = req->status;
    char etag[64] = "";
    bool is_get = req->method == HTTP_GET || req->method == HTTP_HEAD;
    if (is_get && (status == 200 || (status == 204 && req->etag[0])) && !req->no_etag) {
        if (req->etag[0]) {
            buf_strcpy(etag, sizeof etag, req->etag);
        } else {
            unsigned char h[16];
            crypto_generichash(h, sizeof h, (const unsigned char *)req->out.data, req->out.len, NULL, 0);
            etag[0] = '"';
            sodium_bin2hex(etag + 1, 33, h, sizeof h);
            strcat(etag, "\"");
        }
        if (etag_matches(http_header(req, "If-None-Match"), etag)) {
            status = 304;
            buf_reset(&req->out);
            response_body_ref_drop(req);
        }
    }
    bool gz = req->body_gzipped && status != 304;
    buf zipped = BUF_INIT;
    if (!gz && status != 304 && req->out.len >= GZIP_MIN_BYTES && !req->no_compress &&
        response_accepts(http_header(req, "Accept-Encoding"), "gzip")) {
        if (response_gzip(req->out.data, req->out.len, &zipped) == 0 && zipped.len < req->out.len) {
            buf_free(&req->out);
            req->out = zipped;
            gz = true;
        } else {
            buf_free(&zipped);
        }
    }
    req->status = status;
    if (req->body_ref && req->body_ref_shared && req->body_ref_acquire && status == 200 &&
        req->method == HTTP_GET) {
        bool done;
        enum MHD_Result r = queue_shared(req, gz, etag, &done);
        if (done)
            return r;
    }
    struct MHD_Response *resp;
    if (req->body_ref) {
        /* A borrowed body (a cached tile) goes out as it is; libmicrohttpd gives it back when sent. */
        req->bytes_out = req->body_ref_len;
        /* libmicrohttpd only reads the buffer; its prototype lacks the const. */
        resp = MHD_create_response_from_buffer_with_free_callback_cls(
            req->body_ref_len, (void *)(uintptr_t)req->body_ref, req->body_ref_release, req->body_ref_arg);
        if (!resp) {
            response_body_ref_drop(req);
            return MHD_NO;
        }
        req->body_ref = NULL;
        req->body_ref_release = NULL;
        req->body_ref_arg = NULL;
    } else {
        size_t len = req->out.len;
        req->bytes_out = len;
        char *body = buf_detach(&req->out, NULL);
        resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
    }
    add_headers(req, resp, status, gz, etag);
    server_slot_release(req);
    enum MHD_Result r = MHD_queue_response(req->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return r;
}
