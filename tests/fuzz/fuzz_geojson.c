/*
 * fuzz_geojson: the body of POST/PUT/PATCH /collections/{c}/items as the editing routes read it
 * (api/edit.c): jansson's parser with duplicate keys refused, the Feature checks, the geometry check
 * (with a Content-Crs when the first byte asks for one: PROJ then transforms whatever numbers came)
 * and the property validation of every writable collection (db/validate.h), against an in-memory
 * register with the real schema and reference lists. No HTTP, no writes.
 *
 * Input: byte 0 picks the Content-Crs (none, EPSG:9210, EPSG:4756, CRS84 with lat/lon order) and
 * the rest is the body.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/edit_int.h"
#include "core/date.h"
#include "db/collection.h"
#include "db/db.h"
#include "db/migrate.h"
#include "db/validate.h"
#include "geo/crs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static db_conn *db;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    rm_error err = {0};
    db_global_init();
    if (db_open(":memory:", DB_READWRITE | DB_CREATE, &db, &err) < 0 || migrate_apply(db, 0, NULL, &err) < 0) {
        fprintf(stderr, "fuzz_geojson: cannot make the register: %s\n", err.detail);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    static const char *const crs_uris[] = {NULL, "http://www.opengis.net/def/crs/EPSG/0/9210", "EPSG:4756",
                                           "http://www.opengis.net/def/crs/EPSG/0/4326"};
    const char *uri = crs_uris[data[0] % 4];
    rm_error err = {0};
    const crs_info *crs = uri ? crs_from_uri(uri, "Content-Crs", &err) : NULL;
    if (uri && !crs)
        abort(); /* the supported systems must parse */
    json_error_t je;
    json_t *body = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &je);
    if (!body)
        return 0;
    edit_errors *e = calloc(1, sizeof *e);
    if (!e)
        abort();
    double area[4];
    validate_service_area(db, area);
    point_in pt;
    check_geometry(json_object_get(body, "geometry"), crs, area, &pt, e);
    if (pt.given && (pt.lon < area[0] || pt.lon > area[2] || pt.lat < area[1] || pt.lat > area[3]))
        abort(); /* an accepted point is inside the service area */
    json_t *props = json_object_get(body, "properties");
    if (json_is_object(props)) {
        int32_t today = date_today();
        for (const coll_def *c = coll_all; c->id; c++) {
            if (!c->fields)
                continue;
            e->n = 0;
            validate_properties(db, c, props, today, NULL, e);
            if (e->n > VALIDATE_MAX_ERRORS)
                abort();
            for (int i = 0; i < e->n; i++)
                if (!memchr(e->field[i], 0, sizeof e->field[i]) || !memchr(e->reason[i], 0, sizeof e->reason[i]))
                    abort();
        }
    }
    free(e);
    json_decref(body);
    return 0;
}
