/*
 * routes: the routing table of `radmap serve`: path, methods, handler and who may call it (role
 * masks of api/auth.h, checked before the handler runs). Order matters only where a path and
 * method match several entries: the first wins.
 */
#include "api/api.h"
#include "api/auth.h"

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
    {HTTP_POST, "/proximity", api_proximity_area, R_READERS},
    {HTTP_GET, "/nearest", api_nearest, R_READERS},
    {HTTP_GET, "/sources/{}/zones", api_source_zones, R_READERS},
    {HTTP_GET, "/alerts", api_alerts, R_READERS},
    {0, NULL, NULL, 0},
};
