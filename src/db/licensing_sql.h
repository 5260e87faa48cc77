/*
 * licensing_sql: SQL expressions of the licensing module that other modules' descriptors use
 * (facility properties in db/collection.c, the authorizations and inspections collections, stats),
 * written once here so that a facility's licence status means the same in GeoJSON, tiles, filters
 * and statistics.
 *
 * Every expression is over a facility row aliased t (or an authorization row of a given alias) and
 * may use :today, the day number the caller binds (core/date.h). None contains client input.
 */
#ifndef RADMAP_LICENSING_SQL_H
#define RADMAP_LICENSING_SQL_H

/* Today as 'YYYY-MM-DD' (day number 0 is Julian Day 2440587.5). */
#define LIC_TODAY_DATE "date(2440587.5 + :today)"

/* The status of authorization row `a` today: suspended, revoked and superseded as recorded;
 * otherwise expired after its expiry date, expiring within 90 days of it, else valid (no expiry
 * written: valid). */
#define LIC_AUTH_STATUS(a)                                                                               \
    "CASE WHEN " a ".status <> 'issued' THEN " a ".status WHEN " a ".expires IS NULL THEN 'valid' "        \
    "WHEN " a ".expires < " LIC_TODAY_DATE " THEN 'expired' "                                              \
    "WHEN " a ".expires <= date(" LIC_TODAY_DATE ", '+90 days') THEN 'expiring' ELSE 'valid' END"

/* A column of the facility's current authorization of a kind: among those not superseded, one in
 * force first, then the one that expires last. */
#define LIC_FAC_AUTH(kind, col)                                                                          \
    "(SELECT " col " FROM authorization a WHERE a.facility_id = t.id AND a.kind = '" kind "' "             \
    "AND a.status <> 'superseded' ORDER BY a.status = 'issued' DESC, coalesce(a.expires, '9999-12-31') "  \
    "DESC, a.issued DESC, a.id DESC LIMIT 1)"

#define LIC_FAC_LICENCE_STATUS LIC_FAC_AUTH("licence", LIC_AUTH_STATUS("a"))
#define LIC_FAC_LICENCE_EXPIRES LIC_FAC_AUTH("licence", "a.expires")
#define LIC_FAC_DECLARATION_STATUS LIC_FAC_AUTH("declaration_confirmation", LIC_AUTH_STATUS("a"))

/* The facility's inspection interval: the shortest over its practices (column of practice). */
#define LIC_FAC_INTERVAL(col)                                                                            \
    "coalesce((SELECT min(p." col ") FROM facility_practice fp JOIN practice p ON p.key = fp.practice "   \
    "WHERE fp.facility_id = t.id), (SELECT p." col " FROM practice p WHERE p.key = t.practice))"

/* A column of the facility's last inspection up to today. */
#define LIC_FAC_LAST_INSPECTION(col)                                                                     \
    "(SELECT i." col " FROM inspection i WHERE i.facility_id = t.id AND i.date <= " LIC_TODAY_DATE       \
    " ORDER BY i.date DESC, i.id DESC LIMIT 1)"

/* When the facility's next inspection is due: after a failed inspection, the earlier of its
 * follow-up date and the practice's shorter failed_interval_months; otherwise the practice's
 * inspection_interval_months after the last inspection, or, when it was never inspected, after the
 * earlier of its first licence or declaration and its entry in the register. NULL for a closed
 * facility. */
#define LIC_FAC_NEXT_INSPECTION                                                                          \
    "(CASE WHEN t.status = 'closed' THEN NULL "                                                            \
    "WHEN " LIC_FAC_LAST_INSPECTION("result") " = 'failed' THEN min(coalesce("                             \
    LIC_FAC_LAST_INSPECTION("follow_up_due") ", '9999-12-31'), date(" LIC_FAC_LAST_INSPECTION("date")      \
    ", '+' || " LIC_FAC_INTERVAL("failed_interval_months") " || ' months')) "                              \
    "ELSE date(coalesce(" LIC_FAC_LAST_INSPECTION("date") ", min(coalesce((SELECT min(a.issued) FROM "      \
    "authorization a WHERE a.facility_id = t.id AND a.kind IN ('licence','declaration_confirmation')), "    \
    "substr(t.created_at, 1, 10)), substr(t.created_at, 1, 10))), '+' || "                                  \
    LIC_FAC_INTERVAL("inspection_interval_months") " || ' months') END)"

/* An operating facility whose next inspection is before today (NULL for the others). */
#define LIC_FAC_INSPECTION_OVERDUE                                                                       \
    "(CASE WHEN t.status = 'operating' THEN " LIC_FAC_NEXT_INSPECTION " < " LIC_TODAY_DATE " END)"

#endif
