/*
 * openapi: the OpenAPI 3.0 document at /api, generated from the collection descriptors, so every
 * filter a collection accepts is described with its type and allowed values, and a property added
 * to a collection appears here without another edit.
 */
#include <string.h>

#include "api/api.h"
#include "core/json.h"

static void param(json_writer *w, const char *name, const char *in, const char *desc, const char *type,
                  const char *const *values, int required)
{
    json_obj_begin(w);
    json_kv_str(w, "name", name);
    json_kv_str(w, "in", in);
    json_kv_str(w, "description", desc);
    json_kv_bool(w, "required", required);
    json_key(w, "schema");
    json_obj_begin(w);
    json_kv_str(w, "type", type);
    if (values) {
        json_key(w, "enum");
        json_arr_begin(w);
        for (; *values; values++)
            json_str(w, *values);
        json_arr_end(w);
    }
    json_obj_end(w);
    json_obj_end(w);
}

static void responses(json_writer *w, const char *ok_type, const char *ok_desc)
{
    json_key(w, "responses");
    json_obj_begin(w);
    json_key(w, "200");
    json_obj_begin(w);
    json_kv_str(w, "description", ok_desc);
    json_key(w, "content");
    json_obj_begin(w);
    json_key(w, ok_type);
    json_obj_begin(w);
    json_obj_end(w);
    json_obj_end(w);
    json_obj_end(w);
    static const char *const codes[][2] = {
        {"304", "Not modified (If-None-Match matched the ETag)"},
        {"400", "Invalid or unknown parameter (application/problem+json naming it)"},
        {"404", "No such resource"},
        {"500", "Server error (application/problem+json)"},
        {"503", "Database unavailable or busy (application/problem+json)"},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        json_key(w, codes[i][0]);
        json_obj_begin(w);
        json_kv_str(w, "description", codes[i][1]);
        json_obj_end(w);
    }
    json_obj_end(w);
}

static void simple_get(json_writer *w, const char *path, const char *summary, const char *type,
                       int with_f)
{
    json_key(w, path);
    json_obj_begin(w);
    json_key(w, "get");
    json_obj_begin(w);
    json_kv_str(w, "summary", summary);
    json_key(w, "parameters");
    json_arr_begin(w);
    if (with_f) {
        static const char *const fv[] = {"json", NULL};
        param(w, "f", "query", "Output format", "string", fv, 0);
    }
    json_arr_end(w);
    responses(w, type, summary);
    json_obj_end(w);
    json_obj_end(w);
}

int api_openapi(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    vis_class vis = api_caller_class(req);
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_kv_str(&w, "openapi", "3.0.3");
    json_key(&w, "info");
    json_obj_begin(&w);
    json_kv_str(&w, "title", "radmap");
    json_kv_str(&w, "version", "1.0");
    json_kv_str(&w, "description",
                "Register of radiation facilities, sources and devices. Errors are application/problem+json "
                "(RFC 7807). Values that depend on the date are computed for today in Asia/Ho_Chi_Minh.");
    json_obj_end(&w);
    json_key(&w, "servers");
    json_arr_begin(&w);
    json_obj_begin(&w);
    buf base = BUF_INIT;
    http_base_url(req, &base);
    json_kv_str(&w, "url", base.data);
    buf_free(&base);
    json_obj_end(&w);
    json_arr_end(&w);
    json_key(&w, "paths");
    json_obj_begin(&w);
    simple_get(&w, "/", "Landing page", "application/json", 1);
    simple_get(&w, "/conformance", "Conformance classes", "application/json", 1);
    simple_get(&w, "/api", "This OpenAPI document", "application/vnd.oai.openapi+json;version=3.0", 1);
    simple_get(&w, "/health", "Health check", "application/json", 0);
    simple_get(&w, "/collections", "The feature collections", "application/json", 1);
    buf path = BUF_INIT;
    for (const coll_def *c = coll_all; c->id; c++) {
        if (c->vis > vis)
            continue;
        buf_reset(&path);
        buf_appendf(&path, "/collections/%s", c->id);
        simple_get(&w, path.data, c->title, "application/json", 1);

        buf_reset(&path);
        buf_appendf(&path, "/collections/%s/items", c->id);
        json_key(&w, path.data);
        json_obj_begin(&w);
        json_key(&w, "get");
        json_obj_begin(&w);
        json_kv_str(&w, "summary", c->title);
        json_kv_str(&w, "description", c->description);
        json_key(&w, "parameters");
        json_arr_begin(&w);
        param(&w, "limit", "query", "Features per page, 1-10000 (larger values are clamped)", "integer", NULL, 0);
        param(&w, "offset", "query", "Features to skip (prefer the next link)", "integer", NULL, 0);
        param(&w, "after", "query", "Keyset cursor: features with a larger id (used by the next link)",
              "integer", NULL, 0);
        param(&w, "before", "query", "Keyset cursor: features with a smaller id (used by the prev link)",
              "integer", NULL, 0);
        param(&w, "bbox", "query", "minlon,minlat,maxlon,maxlat (CRS84), or six numbers with heights", "string",
              NULL, 0);
        param(&w, "q", "query", "Text search ignoring case and Vietnamese diacritics", "string", NULL, 0);
        param(&w, "at", "query", "Date YYYY-MM-DD for decayed activities and categories (default today)",
              "string", NULL, 0);
        static const char *const fv[] = {"json", "geojson", NULL};
        param(&w, "f", "query", "Output format", "string", fv, 0);
        for (const coll_prop *p = c->props; p->name; p++) {
            if (p->filter == FILTER_NONE || p->vis > vis)
                continue;
            const char *name = p->filter == FILTER_CATEGORY ? "category" : p->name;
            param(&w, name, "query", p->description, p->filter == FILTER_TEXT ? "string" : "integer", p->values, 0);
        }
        json_arr_end(&w);
        responses(&w, "application/geo+json", "A page of features (GeoJSON FeatureCollection)");
        json_obj_end(&w);
        json_obj_end(&w);

        buf_reset(&path);
        buf_appendf(&path, "/collections/%s/items/{featureId}", c->id);
        json_key(&w, path.data);
        json_obj_begin(&w);
        json_key(&w, "get");
        json_obj_begin(&w);
        json_kv_str(&w, "summary", "One feature, with an ETag");
        json_key(&w, "parameters");
        json_arr_begin(&w);
        param(&w, "featureId", "path", "Feature id", "integer", NULL, 1);
        param(&w, "at", "query", "Date YYYY-MM-DD for decayed values", "string", NULL, 0);
        json_arr_end(&w);
        responses(&w, "application/geo+json", "The feature (GeoJSON Feature)");
        json_obj_end(&w);
        json_obj_end(&w);
    }
    buf_free(&path);
    json_obj_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/vnd.oai.openapi+json;version=3.0");
    return 0;
}
