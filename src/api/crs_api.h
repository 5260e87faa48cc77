/*
 * crs_api: the coordinate systems over HTTP, and the request-side helpers every route that takes
 * a CRS uses so that it sees the database's current zones and transformation (api/crs_store.h):
 *
 *   GET    /crs                  every supported system (EPSG and admin zones), the pinned
 *                                transformation; whoever may read the register
 *   GET    /crs/zones/{id}       one admin zone
 *   POST   /crs/zones            define a zone {"central_meridian": 106.75 | "106-45", "name": ...}
 *   DELETE /crs/zones/{id}       remove one
 *   PUT    /crs/transformation   {"transformation": "EPSG:5194" | "+proj=helmert ..." | null}
 *
 * The writes are the admins' (routes.c); each is one audited transaction.
 */
#ifndef RADMAP_CRS_API_H
#define RADMAP_CRS_API_H

#include "geo/crs.h"
#include "http/http.h"

/* Bring this process's CRS settings up to date with the database (cheap when unchanged). 0 or -1. */
int api_crs_sync(http_request *req, rm_error *err);
/* crs_from_uri after api_crs_sync: admin zones defined a moment ago are found. */
const crs_info *api_crs_from_uri(http_request *req, const char *s, const char *param, rm_error *err);

int api_crs_list(http_request *req, rm_error *err);
int api_crs_zone(http_request *req, rm_error *err);
int api_crs_zone_create(http_request *req, rm_error *err);
int api_crs_zone_delete(http_request *req, rm_error *err);
int api_crs_transformation_put(http_request *req, rm_error *err);

#endif
