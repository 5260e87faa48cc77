/*
 * landing: the OGC API landing page, the conformance declaration and the health check.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/json.h"

static void add_link(json_writer *w, http_request *req, const char *rel, const char *type, const char *title,
                 const char *path)
{
    buf href = BUF_INIT;
    http_base_url(req, &href);
    buf_puts(&href, path);
    json_obj_begin(w);
    json_kv_str(w, "href", href.data);
    json_kv_str(w, "rel", rel);
    json_kv_str(w, "type", type);
    json_kv_str(w, "title", title);
    json_obj_end(w);
    buf_free(&href);
}

/* f= on the JSON documents: json only (html on the landing page). */
int api_check_f_json(http_request *req, bool html_too, rm_error *err)
{
    const char *f = http_query(req, "f");
    if (f && strcmp(f, "json") != 0 && !(html_too && strcmp(f, "html") == 0))
        return rm_error_set(err, 400, "Invalid parameter", "f='%.40s' is not offered here; allowed: json%s", f,
                            html_too ? ", html" : "");
    return 0;
}

int api_landing(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, true, err) < 0)
        return -1;
    /* A browser asking for HTML gets the web map. */
    const char *accept = http_header(req, "Accept");
    const char *f = http_query(req, "f");
    if ((f && strcmp(f, "html") == 0) || (!f && accept && strstr(accept, "text/html"))) {
        buf loc = BUF_INIT;
        http_base_url(req, &loc);
        buf_puts(&loc, "/map/");
        http_set_header(req, "Location", loc.data);
        buf_free(&loc);
        req->no_etag = true;
        http_reply(req, 303, NULL);
        return 0;
    }
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "title", "radmap");
    json_kv_str(&w, "description",
                "Register of radiation facilities, radioactive sources and X-ray devices of the provincial "
                "Department of Science and Technology: OGC API - Features, vector tiles and the web map.");
    json_key(&w, "links");
    json_arr_begin(&w);
    add_link(&w, req, "self", "application/json", "This document", "/");
    add_link(&w, req, "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition", "/api");
    add_link(&w, req, "conformance", "application/json", "Conformance classes", "/conformance");
    add_link(&w, req, "data", "application/json", "Collections", "/collections");
    add_link(&w, req, "alternate", "text/html", "The web map", "/map/");
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_conformance(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    static const char *const classes[] = {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
        NULL,
    };
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, false, err) < 0)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "conformsTo");
    json_arr_begin(&w);
    for (const char *const *c = classes; *c; c++)
        json_str(&w, *c);
    json_arr_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/json");
    return 0;
}

int api_health(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = 'demo'", err);
    if (!st)
        return -1;
    int s = sqlite3_step(st);
    int demo = s == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    db_stmt_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return db_error(db, err, 503, "reading the database");
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "status", "ok");
    json_kv_bool(&w, "demo", demo);
    json_obj_end(&w);
    req->no_etag = true;
    req->cache_control = "no-store";
    http_reply(req, 200, "application/json");
    return 0;
}
