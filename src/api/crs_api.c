/*
 * crs_api: /crs and the CRS helpers of the request side; see crs_api.h.
 */
#include "api/crs_api.h"
#include "api/body.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/crs_store.h"
#include "api/edit_int.h"
#include "api/state.h"
#include "core/json.h"

int api_crs_sync(http_request *req, rm_error *err)
{
    db_conn *db = http_thread_db(req, err);
    if (!db)
        return -1;
    return crs_store_sync(db, err);
}

const crs_info *api_crs_from_uri(http_request *req, const char *s, const char *param, rm_error *err)
{
    if (api_crs_sync(req, err) < 0)
        return NULL;
    return crs_from_uri(s, param, err);
}

static void write_system(json_writer *w, const crs_info *c)
{
    json_obj_begin(w);
    json_kv_str(w, "uri", c->uri);
    json_kv_str(w, "label", c->label);
    json_kv_str(w, "title", c->title);
    json_kv_str(w, "kind", c->zone_id ? "zone" : c->wgs84 || c->code == 3857 ? "wgs84" : "vn2000");
    json_kv_bool(w, "geographic", c->geographic);
    json_kv_str(w, "axis_order", c->lat_first ? "north,east" : "east,north");
    json_key(w, "area_of_use");
    json_arr_begin(w);
    for (int i = 0; i < 4; i++)
        json_num(w, c->area[i]);
    json_arr_end(w);
    if (c->tm3_minutes) {
        char dm[16];
        crs_format_meridian(c->tm3_minutes, dm, sizeof dm);
        json_kv_str(w, "central_meridian", dm);
        json_kv_num(w, "central_meridian_deg", c->tm3_minutes / 60.0);
        json_kv_num(w, "scale_factor", 0.9999);
        json_kv_int(w, "false_easting", 500000);
    }
    if (c->zone_id) {
        json_kv_int(w, "zone_id", c->zone_id);
        json_kv_str(w, "name", c->zone_name);
        json_kv_str(w, "projection", c->proj_def);
        /* The whole pipeline to WGS 84, so that anyone can check a position with PROJ's cct. */
        json_kv_str(w, "pipeline", crs_pipeline(c, NULL));
    }
    json_obj_end(w);
}

static void write_transformation(json_writer *w, db_conn *db)
{
    char spec[1024], desc[200], stored[1024];
    crs_transformation_current(spec, sizeof spec, desc, sizeof desc);
    crs_store_transformation(db, stored, sizeof stored);
    char *partb = crs_transformation_pipeline(NULL);
    json_obj_begin(w);
    json_kv_str(w, "spec", spec);
    json_kv_str(w, "description", desc);
    json_kv_bool(w, "default", stored[0] == 0);
    json_kv_str(w, "pipeline", partb);
    json_obj_end(w);
    free(partb);
}

int api_crs_list(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {"f", NULL};
    if (http_query_check(req, allowed, err) < 0 || api_check_f_json(req, false, err) < 0)
        return -1;
    db_conn *db = http_thread_db(req, err);
    if (!db || crs_store_sync(db, err) < 0)
        return -1;
    size_t cap = crs_all(NULL, 0) + 8;
    const crs_info **all = malloc(cap * sizeof *all);
    if (!all)
        return rm_error_set(err, 500, "Out of memory", "listing the coordinate systems");
    size_t n = crs_all(all, cap);
    if (n > cap) /* zones came meanwhile: list those there is room for */
        n = cap;
    json_writer w;
    json_init(&w, &req->out);
    json_obj_begin(&w);
    json_key(&w, "transformation");
    write_transformation(&w, db);
    json_key(&w, "systems");
    json_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        write_system(&w, all[i]);
    json_arr_end(&w);
    json_obj_end(&w);
    free(all);
    http_reply(req, 200, "application/json");
    return 0;
}

/* The zone of path parameter 0, installed; NULL with err 404. */
static const crs_info *path_zone(http_request *req, rm_error *err)
{
    char *end;
    long long id = strtoll(req->path_params[0], &end, 10);
    const crs_info *z = NULL;
    if (*end == 0 && id > 0 && id <= 1000000)
        z = crs_find(-(int)id);
    if (!z)
        rm_error_set(err, 404, "Not Found", "there is no coordinate system zone '%.40s'; GET /crs lists them",
                     req->path_params[0]);
    return z;
}

int api_crs_zone(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0 || api_crs_sync(req, err) < 0)
        return -1;
    const crs_info *z = path_zone(req, err);
    if (!z)
        return -1;
    json_writer w;
    json_init(&w, &req->out);
    write_system(&w, z);
    http_reply(req, 200, "application/json");
    return 0;
}


/* Run a store write on the writer connection, then bring this process up to date. */
static db_conn *writer(http_request *req, rm_error *err) { return app_writer_lock(app_state_of(req), err); }

int api_crs_zone_create(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    json_t *b = api_json_body(req, false, err);
    if (!b)
        return -1;
    int rc = -1;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e) {
        json_decref(b);
        return rm_error_set(err, 500, "Out of memory", "reading the zone");
    }
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) if (strcmp(k, "central_meridian") != 0 && strcmp(k, "name") != 0)
        add_error(e, k, "is not a member; members: central_meridian, name");
    json_t *cm = json_object_get(b, "central_meridian"), *nm = json_object_get(b, "name");
    int minutes = -1;
    rm_error perr = {0};
    if (!cm)
        add_error(e, "central_meridian", "is required: decimal degrees (106.75) or degrees and minutes (\"106-45\")");
    else if (json_is_number(cm) || json_is_string(cm)) {
        char s[64];
        if (json_is_number(cm))
            snprintf(s, sizeof s, "%.12f", json_number_value(cm));
        else
            snprintf(s, sizeof s, "%s", json_string_value(cm));
        minutes = crs_parse_meridian(s, "central_meridian", &perr);
        if (minutes < 0)
            add_error(e, "central_meridian", "%s", perr.detail);
    } else
        add_error(e, "central_meridian", "must be a number of degrees or a string DDD-MM");
    if (nm && !json_is_string(nm))
        add_error(e, "name", "must be a string");
    if (e->n) {
        rc = reply_invalid(req, e);
        goto done;
    }
    char dm[16], def_name[40];
    crs_format_meridian(minutes, dm, sizeof dm);
    snprintf(def_name, sizeof def_name, "TM-3 %s", dm);
    const char *name = nm ? json_string_value(nm) : def_name;
    db_conn *db = writer(req, err);
    if (!db)
        goto done;
    int64_t id = 0;
    int s = crs_store_add_zone(db, minutes, name, req->user_name, &id, err);
    if (s == 0)
        s = crs_store_sync(db, err);
    app_writer_unlock(app_state_of(req));
    if (s < 0) {
        if (err->status == 422) { /* a field's fault: the usual 422 list */
            add_error(e, strstr(err->detail, "name") == err->detail ? "name" : "central_meridian", "%s", err->detail);
            rc = reply_invalid(req, e);
        }
        goto done;
    }
    const crs_info *z = crs_find(-(int)id);
    char loc[64];
    snprintf(loc, sizeof loc, "/crs/zones/%lld", (long long)id);
    buf url = BUF_INIT;
    http_base_url(req, &url);
    buf_puts(&url, loc);
    http_set_header(req, "Location", url.data);
    buf_free(&url);
    json_writer w;
    json_init(&w, &req->out);
    if (z)
        write_system(&w, z);
    else
        json_obj_begin(&w), json_kv_int(&w, "zone_id", id), json_obj_end(&w);
    req->no_etag = true;
    http_reply(req, 201, "application/json");
    rc = 0;
done:
    free(e);
    json_decref(b);
    return rc;
}

int api_crs_zone_delete(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    char *end;
    long long id = strtoll(req->path_params[0], &end, 10);
    if (*end || id <= 0 || id > 1000000)
        return rm_error_set(err, 404, "Not Found", "there is no coordinate system zone '%.40s'; GET /crs lists them",
                            req->path_params[0]);
    db_conn *db = writer(req, err);
    if (!db)
        return -1;
    int s = crs_store_remove_zone(db, id, req->user_name, err);
    if (s == 0)
        s = crs_store_sync(db, err);
    app_writer_unlock(app_state_of(req));
    if (s < 0)
        return -1;
    http_reply(req, 204, NULL);
    return 0;
}

int api_crs_transformation_put(http_request *req, rm_error *err)
{
    static const char *const allowed[] = {NULL};
    if (http_query_check(req, allowed, err) < 0)
        return -1;
    json_t *b = api_json_body(req, false, err);
    if (!b)
        return -1;
    json_t *t = json_object_get(b, "transformation");
    int rc = -1;
    if (json_object_size(b) != 1 || !t || !(json_is_string(t) || json_is_null(t))) {
        rm_error_set(err, 400, "Invalid body", "give {\"transformation\": \"EPSG:6960\" | \"EPSG:5194\" | "
                     "\"+proj=helmert ...\" | \"+proj=pipeline ...\" | null (the default, EPSG:6960)}");
        goto done;
    }
    db_conn *db = writer(req, err);
    if (!db)
        goto done;
    char canon[1024];
    int s = crs_store_set_transformation(db, json_string_value(t), req->user_name, canon, sizeof canon, err);
    if (s == 0)
        s = crs_store_sync(db, err);
    if (s == 0) {
        json_writer w;
        json_init(&w, &req->out);
        write_transformation(&w, db);
    }
    app_writer_unlock(app_state_of(req));
    if (s < 0)
        goto done;
    req->no_etag = true;
    http_reply(req, 200, "application/json");
    rc = 0;
done:
    json_decref(b);
    return rc;
}
