/*
 * static: the web map's files, GET /map/... from the --web directory (DESIGN §1: radmap serves the
 * built application itself, so it works with no other web server and no internet).
 *
 * Only regular files below the web directory are served: the requested path is resolved with
 * realpath() and must stay inside it, so "..", symlinks out of it and absolute paths get 404.
 * Text is gzipped by the response layer when the client accepts it; the ETag is the content hash.
 * /map/ serves index.html.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"

#define STATIC_MAX_BYTES (32u << 20)

static const struct {
    const char *ext, *type;
    int binary;
} types[] = {
    {".html", "text/html; charset=utf-8", 0}, {".js", "text/javascript; charset=utf-8", 0},
    {".mjs", "text/javascript; charset=utf-8", 0}, {".css", "text/css; charset=utf-8", 0},
    {".json", "application/json", 0}, {".svg", "image/svg+xml", 0}, {".png", "image/png", 1},
    {".jpg", "image/jpeg", 1}, {".ico", "image/x-icon", 1}, {".woff2", "font/woff2", 1},
    {".woff", "font/woff", 1}, {".ttf", "font/ttf", 1}, {".pbf", "application/x-protobuf", 0},
    {".txt", "text/plain; charset=utf-8", 0}, {".map", "application/json", 0},
};

int api_static(http_request *req, rm_error *err)
{
    if (!req->config->web_dir)
        return rm_error_set(err, 404, "Not Found", "this server was started without --web, so it serves no web map");
    const char *rel = req->npath_params ? req->path_params[0] : "";
    char root[PATH_MAX], want[PATH_MAX], real[PATH_MAX];
    if (!realpath(req->config->web_dir, root))
        return rm_error_set(err, 404, "Not Found", "the web directory is missing");
    int w = (!*rel || rel[strlen(rel) - 1] == '/') ? snprintf(want, sizeof want, "%s/%sindex.html", root, rel)
                                                   : snprintf(want, sizeof want, "%s/%s", root, rel);
    if (w < 0 || (size_t)w >= sizeof want)
        return rm_error_set(err, 414, "URI Too Long", "the file path is too long");
    size_t rl = strlen(root);
    struct stat sb;
    if (!realpath(want, real) || strncmp(real, root, rl) != 0 || (real[rl] != '/' && real[rl] != 0) ||
        stat(real, &sb) != 0 || !S_ISREG(sb.st_mode))
        return rm_error_set(err, 404, "Not Found", "no file %s in the web map", req->path);
    if ((size_t)sb.st_size > STATIC_MAX_BYTES)
        return rm_error_set(err, 500, "File too large", "%s is larger than %u bytes", req->path, STATIC_MAX_BYTES);
    FILE *f = fopen(real, "rb");
    if (!f)
        return rm_error_set(err, 404, "Not Found", "%s cannot be read: %s", req->path, strerror(errno));
    buf_grow(&req->out, (size_t)sb.st_size);
    size_t n = fread(req->out.data, 1, (size_t)sb.st_size, f);
    fclose(f);
    req->out.len = n;
    req->out.data[n] = 0;
    const char *type = "application/octet-stream";
    const char *dot = strrchr(real, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) {
            type = types[i].type;
            req->no_compress = types[i].binary;
        }
    if (strncmp(type, "text/html", 9) == 0) {
        /* The web map runs under a strict policy: scripts, styles and workers only from here. */
        http_set_header(req, "Content-Security-Policy",
                        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; "
                        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
                        "font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
        http_set_header(req, "X-Frame-Options", "DENY");
        http_set_header(req, "Referrer-Policy", "same-origin");
    }
    http_reply(req, 200, type);
    return 0;
}

int api_map_redirect(http_request *req, rm_error *err)
{
    (void)err;
    buf loc = BUF_INIT;
    http_base_url(req, &loc);
    buf_puts(&loc, "/map/");
    http_set_header(req, "Location", loc.data);
    buf_free(&loc);
    req->no_etag = true;
    http_reply(req, 301, NULL);
    return 0;
}
