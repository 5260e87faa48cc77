/*
 * api: the HTTP resources of radmap, one module per resource family, and the routing table that
 * binds them to paths (routes.c). Every handler follows http_handler: fill req->out and call
 * http_reply(), or return -1 with an rm_error.
 */
#ifndef RADMAP_API_H
#define RADMAP_API_H

#include "db/collection.h"
#include "http/http.h"

/* The routing table of `radmap serve`, terminated by a NULL pattern. */
extern const http_route api_routes[];
/* Limits of routes beyond the server's defaults (route_limits.c), terminated by a NULL pattern. */
extern const http_route_limit api_route_limits[];

/* The visibility class of the caller (DESIGN §5). */
vis_class api_caller_class(http_request *req);

/* landing.c: OGC API landing page, conformance, health; f= check of the JSON documents. */
int api_check_f_json(http_request *req, bool html_too, rm_error *err);
int api_landing(http_request *req, rm_error *err);
int api_conformance(http_request *req, rm_error *err);
int api_health(http_request *req, rm_error *err);
/* openapi.c: the OpenAPI 3.0 document. */
int api_openapi(http_request *req, rm_error *err);
/* features.c: OGC API - Features Part 1. */
int api_collections(http_request *req, rm_error *err);
int api_collection(http_request *req, rm_error *err);
int api_items(http_request *req, rm_error *err);
int api_item(http_request *req, rm_error *err);
/* Append feature id of c, as class vis sees it on day today in crs (NULL: CRS84), to out as a complete GeoJSON Feature
 * object without links. 1 found, 0 not found, -1 error (err). *version (may be NULL) receives the
 * row's version. */
struct crs_info;
int features_render_one(db_conn *db, const coll_def *c, int64_t id, vis_class vis, int32_t today,
                        const struct crs_info *crs, buf *out, int64_t *version, rm_error *err);
/* The ETag of a feature: its version (for If-Match) and a hash of its representation body[0..len). */
void features_etag(int64_t version, const char *body, size_t len, char out[64]);
/* edit.c: OGC API - Features Part 4. */
int api_item_create(http_request *req, rm_error *err);
int api_item_replace(http_request *req, rm_error *err);
int api_item_patch(http_request *req, rm_error *err);
int api_item_delete(http_request *req, rm_error *err);
int api_item_history(http_request *req, rm_error *err);
/* organizations.c: the licensees, a plain JSON resource. */
int api_organizations(http_request *req, rm_error *err);
int api_organization(http_request *req, rm_error *err);
int api_organization_create(http_request *req, rm_error *err);
int api_organization_replace(http_request *req, rm_error *err);
int api_organization_patch(http_request *req, rm_error *err);
int api_organization_delete(http_request *req, rm_error *err);
/* tiles.c: vector tiles and TileJSON. */
int api_tile(http_request *req, rm_error *err);
int api_tilejson(http_request *req, rm_error *err);
/* static.c: the web map's files under /map/. */
int api_static(http_request *req, rm_error *err);
int api_map_redirect(http_request *req, rm_error *err);
/* metrics.c: Prometheus text format. */
int api_metrics(http_request *req, rm_error *err);
/* proximity.c, proximity_area.c: what is near a point or inside an area. */
int api_proximity(http_request *req, rm_error *err);
int api_proximity_area(http_request *req, rm_error *err);
int api_nearest(http_request *req, rm_error *err);
/* zones.c: cordons and dose-rate zones of a source; lost and stolen sources. */
int api_source_zones(http_request *req, rm_error *err);
int api_alerts(http_request *req, rm_error *err);
/* Licensing (issue 5): procedures.c, licensing_fee.c, calendar_api.c, dossiers.c, dossier_receive.c, licensing_steps.c,
 * licensing_import.c, licensing_attach.c, licensing_forms.c, authorizations.c, inspection_plans.c (and the practices' inspection intervals), stats.c. */
int api_procedures(http_request *req, rm_error *err);
int api_procedure(http_request *req, rm_error *err);
int api_procedure_create(http_request *req, rm_error *err);
int api_procedure_version(http_request *req, rm_error *err);
int api_fee_schedule(http_request *req, rm_error *err);
int api_fee_schedule_put(http_request *req, rm_error *err);
int api_calendar(http_request *req, rm_error *err);
int api_calendar_put(http_request *req, rm_error *err);
int api_dossiers(http_request *req, rm_error *err);
int api_dossier(http_request *req, rm_error *err);
int api_dossier_create(http_request *req, rm_error *err);
int api_dossier_import(http_request *req, rm_error *err);
int api_dossier_steps(http_request *req, rm_error *err);
int api_dossier_step_add(http_request *req, rm_error *err);
int api_dossier_attachments(http_request *req, rm_error *err);
int api_dossier_attachment(http_request *req, rm_error *err);
int api_dossier_attachment_add(http_request *req, rm_error *err);
int api_dossier_receipt_form(http_request *req, rm_error *err);
int api_dossier_control_slip(http_request *req, rm_error *err);
int api_dossier_extension_letter(http_request *req, rm_error *err);
int api_dossier_result(http_request *req, rm_error *err);
int api_dossier_result_record(http_request *req, rm_error *err);
int api_authorization_import(http_request *req, rm_error *err);
int api_authorization_status(http_request *req, rm_error *err);
int api_inspection_plan(http_request *req, rm_error *err);
int api_inspection_plan_save(http_request *req, rm_error *err);
int api_practices(http_request *req, rm_error *err);
int api_practice_patch(http_request *req, rm_error *err);
int api_stats_one_stop(http_request *req, rm_error *err);
int api_stats_register(http_request *req, rm_error *err);
/* inspections.c: the inspections collection's editing routes, for inspectors. */
int api_inspection_create(http_request *req, rm_error *err);
int api_inspection_replace(http_request *req, rm_error *err);
int api_inspection_patch(http_request *req, rm_error *err);
int api_inspection_delete(http_request *req, rm_error *err);
/* compliance.c, compliance_defs.c, compliance_settings.c, persons.c, doses.c: X-ray compliance and
 * the people who work with radiation (issue 10). */
int api_facility_compliance(http_request *req, rm_error *err);
int api_cmp_rooms(http_request *req, rm_error *err);
int api_cmp_room(http_request *req, rm_error *err);
int api_cmp_area_surveys(http_request *req, rm_error *err);
int api_cmp_area_survey(http_request *req, rm_error *err);
int api_cmp_qc_tests(http_request *req, rm_error *err);
int api_cmp_qc_test(http_request *req, rm_error *err);
int api_cmp_documents(http_request *req, rm_error *err);
int api_cmp_document(http_request *req, rm_error *err);
int api_cmp_findings(http_request *req, rm_error *err);
int api_cmp_finding(http_request *req, rm_error *err);
int api_document_kinds(http_request *req, rm_error *err);
int api_document_kind(http_request *req, rm_error *err);
int api_compliance_settings(http_request *req, rm_error *err);
int api_persons(http_request *req, rm_error *err);
int api_person(http_request *req, rm_error *err);
int api_person_roles(http_request *req, rm_error *err);
int api_person_role(http_request *req, rm_error *err);
int api_person_trainings(http_request *req, rm_error *err);
int api_person_training(http_request *req, rm_error *err);
int api_person_health_checks(http_request *req, rm_error *err);
int api_person_health_check(http_request *req, rm_error *err);
int api_person_certificates(http_request *req, rm_error *err);
int api_person_certificate(http_request *req, rm_error *err);
int api_person_doses(http_request *req, rm_error *err);
int api_dose_record(http_request *req, rm_error *err);
int api_facility_persons(http_request *req, rm_error *err);
int api_dose_import(http_request *req, rm_error *err);
int api_facility_dose_summary(http_request *req, rm_error *err);
int api_dossier_dose_summary(http_request *req, rm_error *err);

/* features.c, shared with exports.c: the at=, crs= and bbox= (with bbox-crs=) parameters of items. */
struct params_bbox;
int features_parse_at(http_request *req, int32_t *today, rm_error *err);
const struct crs_info *features_output_crs(http_request *req, rm_error *err);
int features_parse_bbox(http_request *req, const char *s, struct params_bbox *out, rm_error *err);
/* imports.c: GIS files in (POST /imports, a job), past imports, candidate duplicates. */
int api_imports_create(http_request *req, rm_error *err);
int api_imports_list(http_request *req, rm_error *err);
int api_duplicates(http_request *req, rm_error *err);
/* jobs_api.c: background jobs (imports, large exports). */
int api_job(http_request *req, rm_error *err);
int api_job_result(http_request *req, rm_error *err);
/* basemap.c: MBTiles basemaps from --tiles DIR, and their TileJSON. */
int api_basemaps(http_request *req, rm_error *err);
int api_basemap_tile(http_request *req, rm_error *err);
int api_basemap_tilejson(http_request *req, rm_error *err);

/* Source lifecycle, events and enforcement (issue 11): transactions.c, events.c, enforcement.c,
 * catalogue.c, reconcile.c. */
int api_source_transactions(http_request *req, rm_error *err);
int api_source_transaction_add(http_request *req, rm_error *err);
int api_orphan_register(http_request *req, rm_error *err);
int api_events(http_request *req, rm_error *err);
int api_event(http_request *req, rm_error *err);
int api_event_create(http_request *req, rm_error *err);
int api_event_update(http_request *req, rm_error *err);
int api_violations(http_request *req, rm_error *err);
int api_violation(http_request *req, rm_error *err);
int api_violation_create(http_request *req, rm_error *err);
int api_sanction_create(http_request *req, rm_error *err);
int api_corrective_action_create(http_request *req, rm_error *err);
int api_corrective_action_update(http_request *req, rm_error *err);
int api_catalogue(http_request *req, rm_error *err);
int api_catalogue_add(http_request *req, rm_error *err);
int api_serial_duplicates(http_request *req, rm_error *err);
int api_reconcile(http_request *req, rm_error *err);

#endif
