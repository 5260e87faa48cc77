/*
 * openapi: the OpenAPI 3.0 document at /api, generated from the collection descriptors, so every
 * filter a collection accepts is described with its type and allowed values, and a property added
 * to a collection appears here without another edit.
 */
#include <stdio.h>
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
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, false, err) < 0)
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
    simple_get(&w, "/crs", "The supported coordinate systems (EPSG and VN-2000 TM-3 zones defined by admins, "
               "urn:ogc:def:crs:RADMAP::VN2000-TM3-DDD-MM) and the one pinned VN-2000 to WGS 84 transformation",
               "application/json", 1);
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
        param(&w, "crs", "query", "Output CRS URI (see the collection's crs list); default CRS84", "string", NULL, 0);
        param(&w, "bbox-crs", "query", "CRS URI of bbox; default CRS84", "string", NULL, 0);
        static const char *const fv[] = {"json", "geojson", NULL};
        static const char *const fv_items[] = {"json", "geojson", "csv", "xlsx", "gpkg", "kml", "shp", NULL};
        param(&w, "f", "query", "Output format: a page of GeoJSON (json, geojson), or every matching feature as a "
              "file (csv UTF-8 with BOM, xlsx, gpkg, kml, shp zipped); over 20 000 features the file comes from a "
              "job (202, /jobs/{id})", "string", fv_items, 0);
        for (const coll_prop *p = c->props; p->name; p++) {
            if (p->filter == FILTER_NONE || p->vis > vis)
                continue;
            const char *name = p->filter == FILTER_CATEGORY ? "category" : p->name;
            param(&w, name, "query", p->description, p->filter == FILTER_TEXT ? "string" : "integer", p->values, 0);
        }
        json_arr_end(&w);
        responses(&w, "application/geo+json", "A page of features (GeoJSON FeatureCollection)");
        json_obj_end(&w);
        if (c->fields) {
            json_key(&w, "post");
            json_obj_begin(&w);
            json_kv_str(&w, "summary", "Create a feature (GeoJSON Feature; 201 with Location)");
            json_key(&w, "parameters");
            json_arr_begin(&w);
            param(&w, "Content-Crs", "header", "CRS URI of the geometry, in angle brackets", "string", NULL, 0);
            json_arr_end(&w);
            responses(&w, "application/geo+json", "The created feature");
            json_obj_end(&w);
        }
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
        param(&w, "crs", "query", "Output CRS URI; default CRS84", "string", NULL, 0);
        param(&w, "f", "query", "Output format", "string", fv, 0);
        json_arr_end(&w);
        responses(&w, "application/geo+json", "The feature (GeoJSON Feature)");
        json_obj_end(&w);
        if (c->fields) {
            static const char *const ops[][2] = {{"put", "Replace the feature (If-Match required)"},
                                                 {"patch", "Update with a JSON Merge Patch (If-Match required)"},
                                                 {"delete", "Delete the feature (If-Match required)"}};
            for (int k = 0; k < 3; k++) {
                json_key(&w, ops[k][0]);
                json_obj_begin(&w);
                json_kv_str(&w, "summary", ops[k][1]);
                json_key(&w, "parameters");
                json_arr_begin(&w);
                param(&w, "featureId", "path", "Feature id", "integer", NULL, 1);
                param(&w, "If-Match", "header", "The ETag from GET", "string", NULL, 1);
                if (k < 2)
                    param(&w, "Content-Crs", "header", "CRS URI of the geometry, in angle brackets", "string", NULL, 0);
                json_arr_end(&w);
                responses(&w, "application/geo+json", ops[k][1]);
                json_obj_end(&w);
            }
        }
        json_obj_end(&w);

        if (c->fields) {
            buf_reset(&path);
            buf_appendf(&path, "/collections/%s/items/{featureId}/history", c->id);
            json_key(&w, path.data);
            json_obj_begin(&w);
            json_key(&w, "get");
            json_obj_begin(&w);
            json_kv_str(&w, "summary", "The feature's audit trail, newest first (licensing, leader, admin)");
            json_key(&w, "parameters");
            json_arr_begin(&w);
            param(&w, "featureId", "path", "Feature id", "integer", NULL, 1);
            json_arr_end(&w);
            responses(&w, "application/json", "The changes");
            json_obj_end(&w);
            json_obj_end(&w);
        }
        if (strcmp(c->id, "sources") == 0) { /* issue 11: the source's life as transactions */
            json_key(&w, "/collections/sources/items/{featureId}/transactions");
            json_obj_begin(&w);
            for (int k = 0; k < 2; k++) {
                json_key(&w, k ? "post" : "get");
                json_obj_begin(&w);
                json_kv_str(&w, "summary", k ? "Record a transaction (receipt, transfer, exchange, temporary_site, "
                            "site_end, disuse, return, disposal, loss, theft, recovery); the source's facility, status "
                            "and position follow" : "The source's transactions, the replayed state and whether the "
                            "register agrees with it");
                json_key(&w, "parameters");
                json_arr_begin(&w);
                param(&w, "featureId", "path", "Source id", "integer", NULL, 1);
                json_arr_end(&w);
                responses(&w, "application/json", k ? "The recorded transaction and the source" : "The transactions");
                json_obj_end(&w);
            }
            json_obj_end(&w);
        }
    }
    /* Every other route of the routing table, so that the document lists them all. */
    static const char *const methods[][2] = {{"get", "GET"}, {"post", "POST"}, {"put", "PUT"}, {"patch", "PATCH"},
                                             {"delete", "DELETE"}};
    static const int method_bits[] = {HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE};
    for (const http_route *r = api_routes; r->pattern; r++) {
        if (strncmp(r->pattern, "/collections", 12) == 0 || strcmp(r->pattern, "/") == 0 ||
            strcmp(r->pattern, "/conformance") == 0 || strcmp(r->pattern, "/api") == 0 ||
            strcmp(r->pattern, "/health") == 0 || strcmp(r->pattern, "/map/*") == 0)
            continue;
        /* Routes sharing a path were merged into the first one's entry. */
        bool seen = false;
        for (const http_route *q = api_routes; q < r; q++)
            if (strcmp(q->pattern, r->pattern) == 0)
                seen = true;
        if (seen)
            continue;
        buf_reset(&path);
        int np = 0;
        for (const char *p = r->pattern; *p; p++) {
            if (p[0] == '{' && p[1] == '}') {
                buf_appendf(&path, "{p%d}", ++np);
                p++;
            } else {
                buf_putc(&path, *p);
            }
        }
        json_key(&w, path.data);
        json_obj_begin(&w);
        for (size_t k = 0; k < sizeof method_bits / sizeof method_bits[0]; k++) {
            const http_route *hit = NULL;
            for (const http_route *q = r; q->pattern; q++)
                if (strcmp(q->pattern, r->pattern) == 0 && (q->methods & method_bits[k]))
                    hit = q;
            if (!hit)
                continue;
            json_key(&w, methods[k][0]);
            json_obj_begin(&w);
            char summary[200];
            snprintf(summary, sizeof summary, "%s %s", methods[k][1], r->pattern);
            json_kv_str(&w, "summary", summary);
            json_key(&w, "parameters");
            json_arr_begin(&w);
            for (int i = 1; i <= np; i++) {
                char name[16];
                snprintf(name, sizeof name, "p%d", i);
                param(&w, name, "path", "path segment (see README)", "string", NULL, 1);
            }
            json_arr_end(&w);
            responses(&w, "application/json", summary);
            json_obj_end(&w);
        }
        json_obj_end(&w);
    }
    buf_free(&path);
    json_obj_end(&w);
    json_obj_end(&w);
    http_reply(req, 200, "application/vnd.oai.openapi+json;version=3.0");
    return 0;
}
