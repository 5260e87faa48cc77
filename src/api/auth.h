/*
 * auth: who is calling, and may they (DESIGN §5). The caller is resolved once per request from a
 * bearer token (Authorization: Bearer rm_...) or the session cookie set by POST /auth/login, and
 * checked against the route's role mask before its handler runs: 401 for nobody, 403 for the wrong
 * role or a read-only token on a write. Each role maps to one visibility class.
 */
#ifndef RADMAP_AUTH_H
#define RADMAP_AUTH_H

#include "db/collection.h"
#include "db/users.h"
#include "http/http.h"

/* Role masks for http_route.roles. */
#define R_PUBLIC (1u << 0)     /* anonymous, when the server runs with --public on */
#define R_VIEWER (1u << ROLE_VIEWER)
#define R_INSPECTOR (1u << ROLE_INSPECTOR)
#define R_PLANNER (1u << ROLE_PLANNER)
#define R_COUNTER (1u << ROLE_COUNTER)
#define R_LICENSING (1u << ROLE_LICENSING)
#define R_LEADER (1u << ROLE_LEADER)
#define R_ADMIN (1u << ROLE_ADMIN)
#define R_USERS (R_VIEWER | R_INSPECTOR | R_PLANNER | R_COUNTER | R_LICENSING | R_LEADER | R_ADMIN)
#define R_READERS (R_PUBLIC | R_USERS)
#define R_OPEN (1u << 30)      /* no authentication at all (landing page, login, the web map's files) */
#define R_QUERY (1u << 29)     /* a POST that only reads (an area query): allowed to read-only tokens and,
                                * with R_PUBLIC, to anonymous callers */

#define AUTH_COOKIE "radmap_session"
#define AUTH_SESSION_TTL_S (12 * 3600)

/* The http_config.authorize hook. */
int auth_authorize(http_request *req, const http_route *route, rm_error *err);
/* Resolve the caller into req (user_id, user_name, role, write_scope) if not done yet. 0, or -1
 * with err: 401 for a token that is invalid, expired or revoked. */
int auth_resolve(http_request *req, rm_error *err);
/* The visibility class of a role (ROLE_NONE: the public class). */
vis_class auth_class_of_role(int role);
/* The methods a route family allows this caller (for OPTIONS/Allow reflecting the role). */
bool auth_may(http_request *req, unsigned roles);

int api_login(http_request *req, rm_error *err);
int api_logout(http_request *req, rm_error *err);
int api_me(http_request *req, rm_error *err);

#endif
