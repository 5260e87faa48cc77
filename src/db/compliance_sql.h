/*
 * compliance_sql: the SQL that turns the checklist items of sql/007_compliance.sql (views
 * compliance_device_item, compliance_room_item, compliance_person_item,
 * compliance_document_item) into a status for a day, written
 * once here for the facility and device properties of db/collection.c (GeoJSON, tiles, filters) and
 * for the summary of api/compliance.c, so that all of them say the same.
 *
 * Ranks: 0 ok, 1 due (the due date is within the due window, compliance_setting due_window_days),
 * 2 overdue (the date has passed, or the record says fail/unfit), 3 missing (no record). A subject's
 * status is its worst item's. core/compliance_rules.h holds the same rule in C (cr_item_status);
 * the tests check that both agree.
 *
 * Expressions are over a facility row aliased t (facilities) or a device row t joined to its
 * facility f (devices), and use :today, the day number the caller binds. None contains client input.
 */
#ifndef RADMAP_COMPLIANCE_SQL_H
#define RADMAP_COMPLIANCE_SQL_H

/* Today and the end of the due window as 'YYYY-MM-DD' (day number 0 is Julian Day 2440587.5). */
#define CMP_TODAY_DATE "date(2440587.5 + :today)"
#define CMP_WINDOW_DAYS "(SELECT CAST(value AS INTEGER) FROM compliance_setting WHERE key = 'due_window_days')"
#define CMP_HORIZON_DATE "date(2440587.5 + :today + " CMP_WINDOW_DAYS ")"

/* Rank of item row i (columns due and state). */
#define CMP_RANK(i)                                                                                      \
    "(CASE " i ".state WHEN 'absent' THEN 3 WHEN 'failed' THEN 2 ELSE CASE WHEN " i ".due IS NULL THEN 0 " \
    "WHEN " i ".due < " CMP_TODAY_DATE " THEN 2 WHEN " i ".due <= " CMP_HORIZON_DATE " THEN 1 ELSE 0 END END)"

/* The status word of a rank expression r (NULL rank: ok). */
#define CMP_STATUS_OF(r) "(CASE " r " WHEN 3 THEN 'missing' WHEN 2 THEN 'overdue' WHEN 1 THEN 'due' ELSE 'ok' END)"

/* Whether item row i belongs to a role in force today (rows without a period always do). */
#define CMP_ACTIVE(i)                                                                                    \
    "((" i ".active_from IS NULL OR " i ".active_from <= " CMP_TODAY_DATE ") AND (" i ".active_to IS NULL " \
    "OR " i ".active_to >= " CMP_TODAY_DATE "))"

/* Whether role row r is in force today. */
#define CMP_ACTIVE_ROLE(r)                                                                               \
    "(" r ".start_date <= " CMP_TODAY_DATE " AND (" r ".end_date IS NULL OR " r ".end_date >= " CMP_TODAY_DATE "))"

/* No safety officer in post today at facility expression fac. */
#define CMP_NO_SAFETY_OFFICER(fac)                                                                       \
    "NOT EXISTS (SELECT 1 FROM person_role so WHERE so.facility_id = " fac " AND so.role = 'safety_officer' " \
    "AND so.start_date <= " CMP_TODAY_DATE " AND (so.end_date IS NULL OR so.end_date >= " CMP_TODAY_DATE "))"

/* The ranked items of facility t (seq, label, due, state, r), the safety officer included; a
 * person in two roles in post counts once (each item from the lowest role that gives it). One arm per
 * view: SQLite pushes t.id into each view's arms (an index look-up), which it does not through a
 * view of views, nor under DISTINCT. */
#define CMP_ITEM_COLS(i) i ".seq AS seq, " i ".label AS label, " i ".due AS due, " i ".state AS state, " \
    CMP_RANK(i) " AS r"
#define CMP_FACILITY_ROWS                                                                                \
    "SELECT " CMP_ITEM_COLS("i") " FROM compliance_device_item i WHERE i.facility_id = t.id "               \
    "UNION ALL SELECT " CMP_ITEM_COLS("j") " FROM compliance_room_item j WHERE j.facility_id = t.id "        \
    "UNION ALL SELECT " CMP_ITEM_COLS("k") " FROM compliance_person_item k WHERE k.facility_id = t.id AND "  \
    CMP_ACTIVE("k") " AND NOT EXISTS (SELECT 1 FROM person_role k2 WHERE k2.person_id = k.person_id AND "    \
    "k2.facility_id = k.facility_id AND k2.id < k.role_id AND " CMP_ACTIVE_ROLE("k2") " AND (k.kind <> "      \
    "'worker_certificate' OR k2.role = 'safety_officer' OR (SELECT value FROM compliance_setting WHERE key = " \
    "'certificate_for_all_workers') = 1)) "                                                                  \
    "UNION ALL SELECT " CMP_ITEM_COLS("l") " FROM compliance_document_item l WHERE l.facility_id = t.id "    \
    "UNION ALL SELECT 50, 'Safety officer', NULL, 'absent', 3 WHERE " CMP_NO_SAFETY_OFFICER("t.id")

/* The ranked items of device t (its own and its room's). */
#define CMP_DEVICE_ROWS                                                                                  \
    "SELECT " CMP_ITEM_COLS("i") " FROM compliance_device_item i WHERE i.device_id = t.id "                 \
    "UNION ALL SELECT " CMP_ITEM_COLS("j") " FROM compliance_room_item j WHERE j.room_id = "                  \
    "(SELECT ro.id FROM room ro WHERE ro.facility_id = t.facility_id AND ro.name = t.room)"

/* Worst status over rows (a SELECT with column r). */
#define CMP_WORST(rows) "(SELECT " CMP_STATUS_OF("max(u.r)") " FROM (" rows ") u)"

/* "label: what is wrong" of the worst item (then the earliest in checking order), with how many
 * more are not ok; NULL when all are ok. One pass over the rows: the window counts them. */
#define CMP_REASON(rows)                                                                                 \
    "(SELECT u.label || CASE u.r WHEN 3 THEN ': missing' WHEN 2 THEN CASE WHEN u.state = 'failed' "          \
    "THEN ': failed' ELSE ': overdue (due ' || u.due || ')' END ELSE ': due ' || u.due END || "               \
    "coalesce(' (+' || nullif(u.n - 1, 0) || ' more)', '') FROM (SELECT v.*, sum(v.r > 0) OVER () AS n "       \
    "FROM (" rows ") v) u WHERE u.r > 0 ORDER BY u.r DESC, u.seq, u.due LIMIT 1)"

/* Which facilities and devices have a compliance status at all. */
#define CMP_FACILITY_APPLIES "t.status = 'operating'"
#define CMP_DEVICE_APPLIES "(t.status = 'in_use' AND t.record_owner = 'department' AND f.status = 'operating')"

/* The properties. */
#define CMP_FACILITY_STATUS "(CASE WHEN " CMP_FACILITY_APPLIES " THEN " CMP_WORST(CMP_FACILITY_ROWS) " END)"
#define CMP_FACILITY_REASON "(CASE WHEN " CMP_FACILITY_APPLIES " THEN " CMP_REASON(CMP_FACILITY_ROWS) " END)"
#define CMP_DEVICE_STATUS "(CASE WHEN " CMP_DEVICE_APPLIES " THEN " CMP_WORST(CMP_DEVICE_ROWS) " END)"
#define CMP_DEVICE_REASON "(CASE WHEN " CMP_DEVICE_APPLIES " THEN " CMP_REASON(CMP_DEVICE_ROWS) " END)"

/* The device's QC test alone: its status (NULL when its type needs none or it is not checked) and
 * the expiry of its last certificate. */
#define CMP_DEVICE_QC_STATUS                                                                             \
    "(SELECT " CMP_STATUS_OF(CMP_RANK("i")) " FROM compliance_device_item i WHERE i.device_id = t.id "      \
    "AND i.kind = 'qc_test')"
#define CMP_DEVICE_QC_EXPIRES                                                                            \
    "(SELECT q.expires FROM qc_test q WHERE q.device_id = t.id ORDER BY q.test_date DESC, q.id DESC LIMIT 1)"

#endif
