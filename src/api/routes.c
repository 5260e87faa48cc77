/*
 * routes: the routing table of `radmap serve`. Order matters only where patterns overlap: the
 * first match wins.
 */
#include "api/api.h"

const http_route api_routes[] = {
    {HTTP_GET, "/", api_landing},
    {HTTP_GET, "/conformance", api_conformance},
    {HTTP_GET, "/api", api_openapi},
    {HTTP_GET, "/health", api_health},
    {HTTP_GET, "/collections", api_collections},
    {HTTP_GET, "/collections/{}", api_collection},
    {HTTP_GET, "/collections/{}/items", api_items},
    {HTTP_GET, "/collections/{}/items/{}", api_item},
    {HTTP_GET, "/tiles/{}/{}/{}/{}", api_tile},
    {HTTP_GET, "/tiles/{}", api_tilejson},
    {HTTP_GET, "/metrics", api_metrics},
    {HTTP_GET, "/map", api_map_redirect},
    {HTTP_GET, "/map/*", api_static},
    {0, NULL, NULL},
};

vis_class api_caller_class(http_request *req)
{
    (void)req;
    /* Accounts and roles arrive with the editing work; until then every caller of a server bound
     * to its default loopback address is staff. */
    return VIS_FULL;
}
