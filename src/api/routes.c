/*
 * routes: the routing table of `radmap serve`: path, methods, handler and who may call it (role
 * masks of api/auth.h, checked before the handler runs). Order matters only where a path and
 * method match several entries: the first wins.
 */
#include "api/api.h"
#include "api/auth.h"
#include "api/licensing_int.h"

/* Who edits the register. */
#define R_REGISTER_EDIT (R_LICENSING | R_ADMIN)

const http_route api_routes[] = {
    {HTTP_GET, "/", api_landing, R_OPEN},
    {HTTP_GET, "/conformance", api_conformance, R_OPEN},
    {HTTP_GET, "/api", api_openapi, R_OPEN},
    {HTTP_GET, "/health", api_health, R_OPEN},
    {HTTP_POST, "/auth/login", api_login, R_OPEN},
    {HTTP_POST, "/auth/logout", api_logout, R_USERS},
    {HTTP_GET, "/auth/me", api_me, R_OPEN},
    {HTTP_GET, "/collections", api_collections, R_READERS},
    {HTTP_GET, "/collections/{}", api_collection, R_READERS},
    {HTTP_GET, "/collections/{}/items", api_items, R_READERS},
    {HTTP_GET, "/collections/{}/items/{}", api_item, R_READERS},
    /* Inspectors record inspections; the generic edit routes below are the register editors'. */
    {HTTP_POST, "/collections/inspections/items", api_inspection_create, R_INSPECTOR | R_ADMIN},
    {HTTP_PUT, "/collections/inspections/items/{}", api_inspection_replace, R_INSPECTOR | R_ADMIN},
    {HTTP_PATCH, "/collections/inspections/items/{}", api_inspection_patch, R_INSPECTOR | R_ADMIN},
    {HTTP_DELETE, "/collections/inspections/items/{}", api_inspection_delete, R_INSPECTOR | R_ADMIN},
    {HTTP_POST, "/collections/{}/items", api_item_create, R_REGISTER_EDIT},
    {HTTP_PUT, "/collections/{}/items/{}", api_item_replace, R_REGISTER_EDIT},
    {HTTP_PATCH, "/collections/{}/items/{}", api_item_patch, R_REGISTER_EDIT},
    {HTTP_DELETE, "/collections/{}/items/{}", api_item_delete, R_REGISTER_EDIT},
    {HTTP_GET, "/collections/{}/items/{}/history", api_item_history, R_LICENSING | R_LEADER | R_ADMIN},
    {HTTP_GET, "/organizations", api_organizations, R_USERS},
    {HTTP_GET, "/organizations/{}", api_organization, R_USERS},
    {HTTP_POST, "/organizations", api_organization_create, R_REGISTER_EDIT},
    {HTTP_PUT, "/organizations/{}", api_organization_replace, R_REGISTER_EDIT},
    {HTTP_PATCH, "/organizations/{}", api_organization_patch, R_REGISTER_EDIT},
    {HTTP_DELETE, "/organizations/{}", api_organization_delete, R_REGISTER_EDIT},
    {HTTP_GET, "/tiles/{}/{}/{}/{}", api_tile, R_READERS},
    {HTTP_GET, "/tiles/{}", api_tilejson, R_READERS},
    {HTTP_GET, "/metrics", api_metrics, R_ADMIN | R_OPEN},
    {HTTP_GET, "/map", api_map_redirect, R_OPEN},
    {HTTP_GET, "/map/*", api_static, R_OPEN},
    {HTTP_GET, "/proximity", api_proximity, R_READERS},
    {HTTP_POST, "/proximity", api_proximity_area, R_READERS | R_QUERY},
    {HTTP_GET, "/nearest", api_nearest, R_READERS},
    {HTTP_GET, "/sources/{}/zones", api_source_zones, R_READERS},
    {HTTP_GET, "/alerts", api_alerts, R_READERS},
    /* Licensing (issue 5): procedures, calendar, dossiers, results, inspection plans, figures. */
    {HTTP_GET, "/procedures", api_procedures, R_READERS},
    {HTTP_POST, "/procedures", api_procedure_create, R_ADMIN},
    {HTTP_GET, "/procedures/{}", api_procedure, R_READERS},
    {HTTP_PUT, "/procedures/{}", api_procedure_version, R_ADMIN},
    {HTTP_GET, "/calendar/{}", api_calendar, R_READERS},
    {HTTP_PUT, "/calendar/{}", api_calendar_put, R_ADMIN},
    {HTTP_GET, "/dossiers", api_dossiers, R_STAFF},
    {HTTP_POST, "/dossiers", api_dossier_create, R_COUNTER | R_LICENSING},
    {HTTP_POST, "/dossiers/import", api_dossier_import, R_COUNTER | R_LICENSING | R_ADMIN},
    {HTTP_GET, "/dossiers/{}", api_dossier, R_STAFF},
    {HTTP_GET, "/dossiers/{}/steps", api_dossier_steps, R_STAFF},
    {HTTP_POST, "/dossiers/{}/steps", api_dossier_step_add, R_COUNTER | R_LICENSING | R_LEADER},
    {HTTP_GET, "/dossiers/{}/attachments", api_dossier_attachments, R_ATTACH},
    {HTTP_POST, "/dossiers/{}/attachments", api_dossier_attachment_add, R_ATTACH},
    {HTTP_GET, "/dossiers/{}/attachments/{}", api_dossier_attachment, R_ATTACH},
    {HTTP_GET, "/dossiers/{}/receipt", api_dossier_receipt_form, R_STAFF},
    {HTTP_GET, "/dossiers/{}/control-slip", api_dossier_control_slip, R_STAFF},
    {HTTP_GET, "/dossiers/{}/extension-letter", api_dossier_extension_letter, R_STAFF},
    {HTTP_GET, "/dossiers/{}/result", api_dossier_result, R_STAFF},
    {HTTP_POST, "/dossiers/{}/result", api_dossier_result_record, R_LEADER},
    {HTTP_POST, "/authorizations/import", api_authorization_import, R_LICENSING | R_ADMIN},
    {HTTP_POST, "/authorizations/{}/status", api_authorization_status, R_LEADER},
    {HTTP_GET, "/inspection-plans/{}", api_inspection_plan, R_STAFF},
    {HTTP_POST, "/inspection-plans/{}", api_inspection_plan_save, R_INSPECTOR | R_LEADER | R_ADMIN},
    {HTTP_GET, "/stats/one-stop", api_stats_one_stop, R_STAFF},
    {HTTP_GET, "/stats/register", api_stats_register, R_READERS},
    {0, NULL, NULL, 0},
};
