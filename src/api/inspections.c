/*
 * inspections: the editing routes of the inspections collection, which inspectors (not the
 * register's editors) use. The routing table names the collection in the path
 * (/collections/inspections/items...), so these wrappers put it back where the generic OGC API
 * editing handlers of edit.c read it (path parameter 0, the feature id after it) and hand over.
 */
#include "api/api.h"

/* Shift the captured path parameters right by one and put the collection id first. */
static void name_collection(http_request *req)
{
    for (int i = HTTP_MAX_PATH_PARAMS - 1; i > 0; i--)
        req->path_params[i] = req->path_params[i - 1];
    req->path_params[0] = "inspections";
    req->npath_params++;
}

int api_inspection_create(http_request *req, rm_error *err)
{
    name_collection(req);
    return api_item_create(req, err);
}

int api_inspection_replace(http_request *req, rm_error *err)
{
    name_collection(req);
    return api_item_replace(req, err);
}

int api_inspection_patch(http_request *req, rm_error *err)
{
    name_collection(req);
    return api_item_patch(req, err);
}

int api_inspection_delete(http_request *req, rm_error *err)
{
    name_collection(req);
    return api_item_delete(req, err);
}
