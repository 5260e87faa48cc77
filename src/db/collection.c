/*
 * collection: the descriptors of the feature collections; see collection.h. Property order is the
 * order of the GeoJSON properties.
 */
#include "db/collection.h"
#include "db/compliance_sql.h"
#include "db/licensing_sql.h"

#include <stddef.h>
#include <string.h>

static const char *const facility_status[] = {"operating", "suspended", "closed", NULL};
static const char *const source_status[] = {"in_use", "stored", "disused", "transferred", "disposed",
                                            "lost", "stolen", "found", NULL};
static const char *const device_status[] = {"in_use", "stored", "disused", "transferred", "disposed", NULL};
static const char *const compliance_statuses[] = {"ok", "due", "overdue", "missing", NULL};
static const char *const record_owner[] = {"department", "varans", NULL};
static const char *const source_form[] = {"sealed", "unsealed", NULL};
static const char *const receptor_kind[] = {"school", "kindergarten", "hospital", "market", "water_intake",
                                            "stadium", "shopping_centre", "religious_site", "other", NULL};
/* Licensing (db/licensing_sql.h, sql/005_licensing.sql). */
static const char *const auth_kind[] = {"licence", "declaration_confirmation", "worker_certificate",
                                        "emergency_plan_approval", NULL};
static const char *const auth_status[] = {"valid", "expiring", "expired", "suspended", "revoked", "superseded", NULL};
static const char *const auth_subject[] = {"facility", "device", "person", NULL};
static const char *const auth_change[] = {"new", "renewal", "amendment", "reissue", NULL};
static const char *const inspection_kind[] = {"planned", "unannounced", "follow_up", NULL};
static const char *const inspection_result[] = {"passed", "passed_with_findings", "failed", NULL};
static const char *const true_false[] = {"true", "false", NULL};
static const char *const enforcement_statuses[] = {"overdue", "sanctioned", "open", NULL};
static const char *const event_kinds[] = {"loss", "theft", "overexposure", "contamination", "orphan_found",
                                          "equipment_failure", "transport_accident", NULL};
static const char *const event_severities[] = {"low", "medium", "high", "critical", NULL};
static const char *const event_statuses[] = {"open", "closed", NULL};

/* Lifecycle expressions (issue 11). */
#define LC_SRC_TX_COUNT "(SELECT count(*) FROM source_transaction x WHERE x.source_id = t.id)"
#define LC_SRC_DISUSE(col) \
    "(CASE WHEN t.status = 'disused' THEN (SELECT x." col " FROM source_transaction x WHERE x.source_id = t.id " \
    "AND x.kind = 'disuse' ORDER BY x.seq DESC LIMIT 1) END)"
#define LC_SRC_DISUSE_OVERDUE "(" LC_SRC_DISUSE("plan_due") " < date(2440587.5 + :today))"
#define LC_FAC_ENFORCEMENT \
    "(SELECT CASE WHEN max(EXISTS (SELECT 1 FROM corrective_action ca WHERE ca.violation_id = v.id AND " \
    "ca.verified_on IS NULL AND ca.due < date(2440587.5 + :today))) THEN 'overdue' " \
    "WHEN max(EXISTS (SELECT 1 FROM sanction sa WHERE sa.violation_id = v.id)) THEN 'sanctioned' " \
    "WHEN count(*) THEN 'open' END FROM violation v WHERE v.facility_id = t.id AND v.closed_on IS NULL)"

/* Current activity, A/D and category of source row s joined to nuclide n. */
#define ACT_NOW(s, n) "rm_decay(" s ".activity_bq, " s ".reference_date, " n ".half_life_s, :today)"
#define AOD(s, n) "rm_aod(" ACT_NOW(s, n) ", " n ".d_value_tbq)"
#define CATEGORY(s, n) "rm_category(" AOD(s, n) ")"

#define FAC_MAX_CATEGORY \
    "(SELECT min(" CATEGORY("s", "n") ") FROM source s JOIN nuclide n ON n.nuclide = s.nuclide " \
    "WHERE s.facility_id = t.id AND s.status IN " COLL_HELD_SOURCE ")"
#define FAC_AGGREGATE_AOD \
    "(SELECT sum(" AOD("s", "n") ") FROM source s JOIN nuclide n ON n.nuclide = s.nuclide " \
    "WHERE s.facility_id = t.id AND s.form = 'sealed' AND s.status IN " COLL_HELD_SOURCE ")"

static const coll_prop facility_props[] = {
    {"code", "t.code", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, NULL, "Register code"},
    {"name", "t.name", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Facility name"},
    {"organization_id", "t.organization_id", PROP_INT, VIS_PUBLIC, FILTER_ID, NULL, NULL, NULL,
     "Licensee (organization) id"},
    {"organization", "(SELECT o.name FROM organization o WHERE o.id = t.organization_id)", PROP_TEXT,
     VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Licensee name"},
    {"practice", "t.practice", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT,
     "EXISTS (SELECT 1 FROM facility_practice fp WHERE fp.facility_id = t.id AND fp.practice = ?)",
     "SELECT key FROM practice ORDER BY key", NULL,
     "Primary practice (map symbol); the filter matches any of the facility's practices"},
    {"practices", "(SELECT group_concat(fp.practice) FROM facility_practice fp WHERE fp.facility_id = t.id)",
     PROP_TEXT_LIST, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "All practices of the facility"},
    {"status", "t.status", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, facility_status,
     "operating, suspended or closed"},
    {"address", "t.address", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Street address"},
    {"ward", "t.ward", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, NULL, "Ward or commune (2025 units)"},
    {"legacy_district", "t.legacy_district", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL,
     "District before the 2025 reorganisation"},
    {"legacy_ward", "t.legacy_ward", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL,
     "Ward before the 2025 reorganisation"},
    {"legacy_province", "t.legacy_province", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL,
     "Province before the 2025 reorganisation"},
    {"contact_name", "t.contact_name", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Contact person"},
    {"contact_phone", "t.contact_phone", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Contact phone"},
    {"contact_email", "t.contact_email", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Contact e-mail"},
    {"source_count", "(SELECT count(*) FROM source s WHERE s.facility_id = t.id AND s.status IN "
     COLL_HELD_SOURCE ")", PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Sources the facility holds (in use, stored, disused, found)"},
    {"device_count", "(SELECT count(*) FROM device d WHERE d.facility_id = t.id AND d.status IN "
     "('in_use','stored','disused'))", PROP_INT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Radiation generators the facility holds"},
    {"max_category", FAC_MAX_CATEGORY, PROP_INT, VIS_FULL, FILTER_CATEGORY, NULL, NULL, NULL,
     "Highest IAEA category (1 is the most dangerous) among the sources it holds; the filter "
     "?category= matches it"},
    {"aggregate_a_over_d", FAC_AGGREGATE_AOD, PROP_REAL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Sum of A/D over the sealed sources it holds (RS-G-1.9 aggregation)"},
    {"aggregate_category", "rm_category(" FAC_AGGREGATE_AOD ")", PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL,
     NULL, "IAEA category of the aggregate A/D"},
    {"nuclide", NULL, PROP_TEXT, VIS_FULL, FILTER_TEXT,
     "EXISTS (SELECT 1 FROM source s WHERE s.facility_id = t.id AND s.nuclide = ? AND s.status IN "
     COLL_HELD_SOURCE ")", "SELECT nuclide FROM nuclide ORDER BY nuclide", NULL,
     "Filter only: facilities holding a source of this nuclide"},
    {"type", NULL, PROP_TEXT, VIS_VIEWER, FILTER_TEXT,
     "EXISTS (SELECT 1 FROM device d WHERE d.facility_id = t.id AND d.type = ? AND d.status IN "
     "('in_use','stored','disused'))",
     "SELECT key FROM device_type ORDER BY key", NULL, "Filter only: facilities with a device of this type"},
    {"licence_status", LIC_FAC_LICENCE_STATUS, PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, auth_status,
     "Today's status of the facility's licence (valid, expiring within 90 days, expired, suspended, revoked); "
     "null without one"},
    {"licence_expires", LIC_FAC_LICENCE_EXPIRES, PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Expiry of that licence, as written on it"},
    {"declaration_status", LIC_FAC_DECLARATION_STATUS, PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, auth_status,
     "Today's status of the facility's declaration confirmation; null without one"},
    {"next_inspection_due", LIC_FAC_NEXT_INSPECTION, PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "When the next inspection is due: the practice's interval after the last one, shorter after a failed one"},
    {"inspection_overdue", LIC_FAC_INSPECTION_OVERDUE, PROP_BOOL, VIS_FULL, FILTER_TEXT,
     "coalesce(" LIC_FAC_INSPECTION_OVERDUE ", 0) = (? = 'true')", NULL, true_false,
     "true for an operating facility whose next inspection is overdue; ?inspection_overdue=true filters them"},
    {"compliance_status", CMP_FACILITY_STATUS, PROP_TEXT, VIS_VIEWER, FILTER_TEXT, CMP_FACILITY_STATUS " = ?", NULL,
     compliance_statuses, "X-ray compliance today (GET /facilities/{id}/compliance): missing, overdue, due (within "
     "the due window, 60 days) or ok, the worst of its devices, rooms, people and documents; null unless operating"},
    {"compliance_reason", CMP_FACILITY_REASON, PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "The worst item behind compliance_status and how many more are not ok (people by id only); null when ok"},
    {"enforcement_status", LC_FAC_ENFORCEMENT, PROP_TEXT, VIS_VIEWER, FILTER_TEXT, LC_FAC_ENFORCEMENT " = ?", NULL,
     enforcement_statuses, "Enforcement today: overdue (a corrective action past its deadline, not verified), "
     "sanctioned (an open violation with a sanction), open (an open violation); null without open violations"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, record_owner,
     "department, or varans (national regulator; read-only here)"},
    {"external_ref", "t.external_ref", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Reference in the owner's system"},
    {"legacy_system", "t.legacy_system", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Register the record was migrated from"},
    {"legacy_id", "t.legacy_id", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Id in that register"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const coll_prop source_props[] = {
    {"facility_id", "t.facility_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL, "Holding facility"},
    {"facility", "f.name", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Holding facility's name"},
    {"nuclide", "t.nuclide", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, "SELECT nuclide FROM nuclide ORDER BY nuclide",
     NULL, "Radionuclide"},
    {"form", "t.form", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, source_form, "sealed or unsealed"},
    {"serial_no", "t.serial_no", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Serial number"},
    {"manufacturer", "t.manufacturer", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Manufacturer"},
    {"model", "t.model", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Model"},
    {"activity_bq", "t.activity_bq", PROP_REAL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Activity at the reference date, Bq"},
    {"reference_date", "t.reference_date", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Date of the reference activity"},
    {"activity_bq_now", ACT_NOW("t", "n"), PROP_REAL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Activity decayed to today (Asia/Ho_Chi_Minh) or to ?at=, Bq"},
    {"a_over_d", AOD("t", "n"), PROP_REAL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Current activity over the nuclide's D-value (null without a D-value)"},
    {"iaea_category", CATEGORY("t", "n"), PROP_INT, VIS_FULL, FILTER_CATEGORY, NULL, NULL, NULL,
     "IAEA category 1-5 by A/D (RS-G-1.9); ?category= filters it"},
    {"exemption_checked", "CASE WHEN " CATEGORY("t", "n") " = 5 THEN 0 END", PROP_BOOL, VIS_FULL, FILTER_NONE,
     NULL, NULL, NULL, "false on category 5: exemption levels are not known, so 5 may be exempt"},
    {"category_reason", "CASE WHEN n.d_value_tbq IS NULL THEN 'no D-value is known for ' || t.nuclide END",
     PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Why there is no category"},
    {"status", "t.status", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, source_status, "Source status"},
    {"own_location", "t.own_location", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "true when the position is the source's own (mobile, temporary site, last known), not its facility's"},
    {"alert", "(t.status IN ('lost','stolen') OR (t.orphan = 1 AND t.status = 'found'))", PROP_BOOL, VIS_FULL,
     FILTER_NONE, NULL, NULL, NULL,
     "true while the source is lost or stolen, or an orphan not yet secured (listed by /alerts); the position is "
     "its last known one"},
    /* Lifecycle (issue 11, sql/008_lifecycle.sql). */
    {"orphan", "t.orphan", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "true for a source found without an owner (registered as orphan, POST /orphans)"},
    {"container", "t.container", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "The device or container the source sits in (a radiography camera), from its exchanges"},
    {"transaction_count", LC_SRC_TX_COUNT, PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Recorded transactions; once there is one, facility_id, status and position derive from them"},
    {"disuse_plan", LC_SRC_DISUSE("plan"), PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "For a disused source: return, disposal or storage (from its disuse transaction)"},
    {"disuse_due", LC_SRC_DISUSE("plan_due"), PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "The date the disused source's plan is due"},
    {"disuse_overdue", LC_SRC_DISUSE_OVERDUE, PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "true when the disused source's plan is past its due date"},
    {"practice", "f.practice", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, "SELECT key FROM practice ORDER BY key", NULL,
     "The facility's primary practice"},
    {"ward", "f.ward", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, NULL, "The facility's ward"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, record_owner,
     "department or varans"},
    {"external_ref", "t.external_ref", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Owner's reference"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const coll_prop device_props[] = {
    {"facility_id", "t.facility_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL, "Holding facility"},
    {"facility", "f.name", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Holding facility's name"},
    {"type", "t.type", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, "SELECT key FROM device_type ORDER BY key", NULL,
     "Device type"},
    {"manufacturer", "t.manufacturer", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Manufacturer"},
    {"model", "t.model", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Model"},
    {"serial_no", "t.serial_no", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Serial number"},
    {"max_kv", "t.max_kv", PROP_REAL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Maximum tube voltage, kV"},
    {"max_ma", "t.max_ma", PROP_REAL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Maximum tube current, mA"},
    {"room", "t.room", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Room"},
    {"status", "t.status", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, device_status, "Device status"},
    {"practice", "f.practice", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, "SELECT key FROM practice ORDER BY key", NULL,
     "The facility's primary practice"},
    {"ward", "f.ward", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, NULL, "The facility's ward"},
    {"compliance_status", CMP_DEVICE_STATUS, PROP_TEXT, VIS_FULL, FILTER_TEXT, CMP_DEVICE_STATUS " = ?", NULL,
     compliance_statuses, "Compliance today of a device in use on this department's register: its declaration "
     "confirmation, QC test (kiểm định) and room (shielding, area survey); missing, overdue, due or ok"},
    {"compliance_reason", CMP_DEVICE_REASON, PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "The worst item behind compliance_status; null when ok"},
    {"qc_status", CMP_DEVICE_QC_STATUS, PROP_TEXT, VIS_FULL, FILTER_TEXT, CMP_DEVICE_QC_STATUS " = ?", NULL,
     compliance_statuses, "Its QC test alone: ?qc_status=overdue lists the devices whose QC certificate has expired "
     "(or whose last test failed); null when its type needs none"},
    {"qc_expires", CMP_DEVICE_QC_EXPIRES, PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Expiry of its last QC test certificate"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, record_owner,
     "department or varans"},
    {"external_ref", "t.external_ref", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Owner's reference"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const char *const device_statuses[] = {"in_use", "stored", "disused", "transferred", "disposed", NULL};

#define NO_RANGE 0, 0
static const coll_field facility_fields[] = {
    {"code", "code", PROP_TEXT, true, 32, NO_RANGE, NULL, NULL, NULL, RULE_CODE},
    {"name", "name", PROP_TEXT, true, 200, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"organization_id", "organization_id", PROP_INT, false, 0, 1, 9e15, NULL, NULL,
     "SELECT 1 FROM organization WHERE id = ?", RULE_NONE},
    {"practice", "practice", PROP_TEXT, true, 40, NO_RANGE, NULL, "SELECT key FROM practice ORDER BY key", NULL,
     RULE_NONE},
    {"practices", NULL, PROP_TEXT_LIST, false, 40, NO_RANGE, NULL, "SELECT key FROM practice ORDER BY key", NULL,
     RULE_NONE},
    {"status", "status", PROP_TEXT, false, 20, NO_RANGE, facility_status, NULL, NULL, RULE_NONE},
    {"address", "address", PROP_TEXT, false, 300, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"ward", "ward", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_district", "legacy_district", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_ward", "legacy_ward", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_province", "legacy_province", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"contact_name", "contact_name", PROP_TEXT, false, 200, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"contact_phone", "contact_phone", PROP_TEXT, false, 40, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"contact_email", "contact_email", PROP_TEXT, false, 200, NO_RANGE, NULL, NULL, NULL, RULE_EMAIL},
    {"external_ref", "external_ref", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_system", "legacy_system", PROP_TEXT, false, 60, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_id", "legacy_id", PROP_TEXT, false, 60, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
};

static const coll_field source_fields[] = {
    {"facility_id", "facility_id", PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?",
     RULE_NONE},
    {"nuclide", "nuclide", PROP_TEXT, true, 40, NO_RANGE, NULL, "SELECT nuclide FROM nuclide ORDER BY nuclide", NULL,
     RULE_NONE},
    {"form", "form", PROP_TEXT, false, 10, NO_RANGE, source_form, NULL, NULL, RULE_NONE},
    {"serial_no", "serial_no", PROP_TEXT, false, 60, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"manufacturer", "manufacturer", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"model", "model", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    /* 1e18 Bq (1 EBq) is far above any sealed source ever made. */
    {"activity_bq", "activity_bq", PROP_REAL, true, 0, 1e-3, 1e18, NULL, NULL, NULL, RULE_NONE},
    {"reference_date", "reference_date", PROP_TEXT, true, 10, NO_RANGE, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"status", "status", PROP_TEXT, false, 20, NO_RANGE, source_status, NULL, NULL, RULE_NONE},
    {"external_ref", "external_ref", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
};

static const coll_field device_fields[] = {
    {"facility_id", "facility_id", PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?",
     RULE_NONE},
    {"type", "type", PROP_TEXT, true, 40, NO_RANGE, NULL, "SELECT key FROM device_type ORDER BY key", NULL,
     RULE_NONE},
    {"manufacturer", "manufacturer", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"model", "model", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"serial_no", "serial_no", PROP_TEXT, false, 60, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"max_kv", "max_kv", PROP_REAL, false, 0, 1, 100000, NULL, NULL, NULL, RULE_NONE},
    {"max_ma", "max_ma", PROP_REAL, false, 0, 0.001, 100000, NULL, NULL, NULL, RULE_NONE},
    {"room", "room", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"status", "status", PROP_TEXT, false, 20, NO_RANGE, device_statuses, NULL, NULL, RULE_NONE},
    {"external_ref", "external_ref", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
};

#define FACILITY_SEARCH_UPDATE \
    "UPDATE facility SET search_key = rm_fold(coalesce(name, '') || ' ' || coalesce(code, '') || ' ' || " \
    "coalesce(address, '') || ' ' || coalesce(ward, '') || ' ' || coalesce(legacy_district, '') || ' ' || " \
    "coalesce(legacy_ward, '') || ' ' || coalesce((SELECT o.name FROM organization o WHERE o.id = " \
    "facility.organization_id), '')) WHERE id = ?1"
#define SERIAL_CHECK(table, gone) \
    "SELECT id FROM " table " WHERE manufacturer = ?1 AND model = ?2 AND serial_no = ?3 AND id <> ?4 " \
    "AND status NOT IN " gone " LIMIT 1"

static const coll_prop receptor_props[] = {
    {"name", "t.name", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Name of the site"},
    {"kind", "t.kind", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, receptor_kind,
     "school, kindergarten, hospital, market, water_intake, stadium, shopping_centre, religious_site or other"},
    {"capacity", "t.capacity", PROP_INT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL,
     "People present at a busy time (pupils, beds, visitors), when known"},
    {"address", "t.address", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Street address"},
    {"ward", "t.ward", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, NULL, "Ward or commune (2025 units)"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_PUBLIC, FILTER_TEXT, NULL, NULL, record_owner,
     "department or varans"},
    {"external_ref", "t.external_ref", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Reference in the owner's system"},
    {"legacy_system", "t.legacy_system", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Register or GIS file the record came from"},
    {"legacy_id", "t.legacy_id", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Id in that register"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_PUBLIC, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const coll_field receptor_fields[] = {
    {"name", "name", PROP_TEXT, true, 200, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"kind", "kind", PROP_TEXT, true, 20, NO_RANGE, receptor_kind, NULL, NULL, RULE_NONE},
    {"capacity", "capacity", PROP_INT, false, 0, 0, 1e7, NULL, NULL, NULL, RULE_NONE},
    {"address", "address", PROP_TEXT, false, 300, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"ward", "ward", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"external_ref", "external_ref", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_system", "legacy_system", PROP_TEXT, false, 60, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"legacy_id", "legacy_id", PROP_TEXT, false, 60, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
};
#define RECEPTOR_SEARCH_UPDATE \
    "UPDATE receptor SET search_key = rm_fold(coalesce(name, '') || ' ' || coalesce(address, '') || ' ' || " \
    "coalesce(ward, '')) WHERE id = ?1"

static const coll_prop authorization_props[] = {
    {"number", "t.number", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, NULL, "Number written on the document"},
    {"kind", "t.kind", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, auth_kind,
     "licence, declaration_confirmation, worker_certificate or emergency_plan_approval"},
    {"status", LIC_AUTH_STATUS("t"), PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, auth_status,
     "Today: valid, expiring (within 90 days), expired, suspended, revoked or superseded"},
    {"issued", "t.issued", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Date of issue"},
    {"expires", "t.expires", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "Expiry date as written on the document (never computed); null when none is written"},
    {"days_to_expiry", "CAST(julianday(t.expires) - julianday(" LIC_TODAY_DATE ") AS INTEGER)", PROP_INT, VIS_VIEWER,
     FILTER_NONE, NULL, NULL, NULL, "Days from today to the expiry (negative once expired)"},
    {"subject_type", "t.subject_type", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, auth_subject,
     "What it authorizes: a facility, a device or a person"},
    {"facility_id", "t.facility_id", PROP_INT, VIS_VIEWER, FILTER_ID, NULL, NULL, NULL, "The subject's facility"},
    {"facility", "f.name", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Facility name"},
    {"organization_id", "f.organization_id", PROP_INT, VIS_VIEWER, FILTER_ID, NULL, NULL, NULL,
     "The facility's licensee"},
    {"device_id", "t.device_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL, "The device, for a device subject"},
    {"person_name", "t.person_name", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "The person, for a worker certificate"},
    {"change_kind", "t.change_kind", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, auth_change,
     "new, renewal, amendment or reissue"},
    {"supersedes_id", "t.supersedes_id", PROP_INT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL,
     "The authorization this one renews, amends or re-issues"},
    {"superseded_by_id", "(SELECT s.id FROM authorization s WHERE s.supersedes_id = t.id ORDER BY s.id DESC LIMIT 1)",
     PROP_INT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "The authorization that replaced this one"},
    {"conditions", "t.conditions", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Conditions as JSON text: practices, devices, rooms; nuclides and possession limits"},
    {"dossier_id", "t.dossier_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL, "The dossier it answers"},
    {"receipt_no", "(SELECT d.receipt_no FROM dossier d WHERE d.id = t.dossier_id)", PROP_TEXT, VIS_FULL, FILTER_NONE,
     NULL, NULL, NULL, "Receipt number of that dossier"},
    {"status_reason", "t.status_reason", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Why it was suspended, revoked or reinstated"},
    {"signed_by", "t.signed_by", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Who signed it"},
    {"practice", "f.practice", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, "SELECT key FROM practice ORDER BY key", NULL,
     "The facility's primary practice"},
    {"ward", "f.ward", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, NULL, "The facility's ward"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_VIEWER, FILTER_TEXT, NULL, NULL, record_owner,
     "department, or varans (issued by the national regulator, imported, read-only)"},
    {"external_ref", "t.external_ref", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Owner's reference"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_VIEWER, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const coll_prop inspection_props[] = {
    {"facility_id", "t.facility_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL, "Inspected facility"},
    {"facility", "f.name", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Facility name"},
    {"organization_id", "f.organization_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL,
     "The facility's licensee (enterprise)"},
    {"date", "t.date", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Date of the inspection"},
    {"year", "substr(t.date, 1, 4)", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, NULL, "Year of the inspection"},
    {"inspectors", "t.inspectors", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Inspectors"},
    {"kind", "t.kind", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, inspection_kind,
     "planned, unannounced or follow_up"},
    {"findings", "t.findings", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Findings"},
    {"result", "t.result", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, inspection_result,
     "passed, passed_with_findings or failed"},
    {"follow_up_due", "t.follow_up_due", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Date by which the findings must be corrected"},
    {"practice", "f.practice", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, "SELECT key FROM practice ORDER BY key", NULL,
     "The facility's primary practice"},
    {"ward", "f.ward", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, NULL, "The facility's ward"},
    {"own_location", "t.own_location", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "true when held at a place of its own, not at the facility"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, record_owner,
     "department or varans"},
    {"external_ref", "t.external_ref", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Owner's reference"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const coll_field inspection_fields[] = {
    {"facility_id", "facility_id", PROP_INT, true, 0, 1, 9e15, NULL, NULL, "SELECT 1 FROM facility WHERE id = ?",
     RULE_NONE},
    {"date", "date", PROP_TEXT, true, 10, NO_RANGE, NULL, NULL, NULL, RULE_DATE_NOT_FUTURE},
    {"inspectors", "inspectors", PROP_TEXT, false, 300, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"kind", "kind", PROP_TEXT, true, 20, NO_RANGE, inspection_kind, NULL, NULL, RULE_NONE},
    {"findings", "findings", PROP_TEXT, false, 8000, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"result", "result", PROP_TEXT, false, 30, NO_RANGE, inspection_result, NULL, NULL, RULE_NONE},
    /* A date (the table's CHECK refuses anything else). */
    {"follow_up_due", "follow_up_due", PROP_TEXT, false, 10, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {"external_ref", "external_ref", PROP_TEXT, false, 100, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
    {NULL, NULL, 0, false, 0, NO_RANGE, NULL, NULL, NULL, RULE_NONE},
};

static const coll_prop event_props[] = {
    {"kind", "t.kind", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, event_kinds,
     "loss, theft, overexposure, contamination, orphan_found, equipment_failure or transport_accident"},
    {"occurred_at", "t.occurred_at", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "When it happened"},
    {"place", "t.place", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Where, in words"},
    {"severity", "t.severity", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, event_severities,
     "low, medium, high or critical"},
    {"status", "t.status", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, event_statuses, "open or closed"},
    {"alert", "(t.status = 'open')", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "true while the event is open (listed by /alerts)"},
    {"description", "t.description", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "What happened"},
    {"facility_id", "t.facility_id", PROP_INT, VIS_FULL, FILTER_ID, NULL, NULL, NULL, "The facility concerned"},
    {"source_ids", "(SELECT group_concat(es.source_id) FROM event_source es WHERE es.event_id = t.id)",
     PROP_TEXT_LIST, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Sources involved"},
    {"facility_ids", "(SELECT group_concat(ef.facility_id) FROM event_facility ef WHERE ef.event_id = t.id)",
     PROP_TEXT_LIST, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Facilities involved"},
    {"person_count", "(SELECT count(*) FROM event_person ep WHERE ep.event_id = t.id)", PROP_INT, VIS_FULL,
     FILTER_NONE, NULL, NULL, NULL, "Persons involved (names at /events/{id})"},
    {"notifications", "t.notifications", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL,
     "Notifications made, as JSON text: national regulator, police, planners"},
    {"follow_up", "t.follow_up", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Follow-up"},
    {"closed_at", "t.closed_at", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "When it was closed"},
    {"closed_reason", "t.closed_reason", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Why it was closed"},
    {"record_owner", "t.record_owner", PROP_TEXT, VIS_FULL, FILTER_TEXT, NULL, NULL, record_owner,
     "department or varans"},
    {"demo", "t.is_demo", PROP_BOOL, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Generated demo data"},
    {"version", "t.version", PROP_INT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Edit version"},
    {"updated_at", "t.updated_at", PROP_TEXT, VIS_FULL, FILTER_NONE, NULL, NULL, NULL, "Last change (UTC)"},
    {NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

const coll_def coll_all[] = {
    {"facilities", "Radiation facilities",
     "Every licensed radiation facility in the province: medical X-ray, nuclear medicine, radiotherapy, "
     "industrial radiography and gauges, well logging, irradiation, research, storage.",
     "facility", "facility t", "idx_facility_geom",
     "t.search_key", VIS_PUBLIC,
     /* Public callers never see a facility holding a Category 1-3 source: its point is the source's. */
     "coalesce(" FAC_MAX_CATEGORY ", 9) > 3", facility_props, facility_fields, true, NULL, NULL,
     FACILITY_SEARCH_UPDATE, NULL},
    {"sources", "Radioactive sources",
     "Sealed and unsealed radioactive sources with their current activity and IAEA category.",
     "source", "source t JOIN nuclide n ON n.nuclide = t.nuclide JOIN facility f ON f.id = t.facility_id",
     "idx_source_geom", "f.search_key", VIS_FULL, NULL, source_props, source_fields, false,
     "SELECT lon, lat FROM facility WHERE id = ?", "facility_id", NULL,
     SERIAL_CHECK("source", "('transferred','disposed')")},
    {"devices", "Radiation generators",
     "X-ray devices, accelerators and other radiation generators.",
     "device", "device t JOIN facility f ON f.id = t.facility_id", "idx_device_geom", "f.search_key",
     VIS_FULL, NULL, device_props, device_fields, false, "SELECT lon, lat FROM facility WHERE id = ?",
     "facility_id", NULL, SERIAL_CHECK("device", "('transferred','disposed')")},
    {"receptors", "Sensitive sites",
     "Schools, kindergartens, hospitals, markets, drinking-water intakes, stadiums, shopping centres and "
     "places of worship that emergency planners protect first.",
     "receptor", "receptor t", "idx_receptor_geom", "t.search_key", VIS_PUBLIC, NULL, receptor_props,
     receptor_fields, true, NULL, NULL, RECEPTOR_SEARCH_UPDATE, NULL},
    {"authorizations", "Authorizations",
     "Licences, declaration confirmations, worker certificates and emergency-plan approvals, at their facility; "
     "the national regulator's (record_owner varans) included. Read-only: results are recorded on dossiers.",
     "authorization", "authorization t JOIN facility f ON f.id = t.facility_id", "idx_authorization_geom",
     "(f.search_key || ' ' || rm_fold(t.number))", VIS_VIEWER, NULL, authorization_props, NULL, true, NULL, NULL,
     NULL, NULL},
    {"inspections", "Inspections",
     "Inspections of facilities: date, inspectors, kind, findings, result and follow-up; recorded by inspectors.",
     "inspection", "inspection t JOIN facility f ON f.id = t.facility_id", "idx_inspection_geom", "f.search_key",
     VIS_FULL, NULL, inspection_props, inspection_fields, false, "SELECT lon, lat FROM facility WHERE id = ?",
     "facility_id", NULL, NULL},
    {"events", "Events",
     "Incidents: loss, theft, overexposure, contamination, orphan sources found, equipment failures and transport "
     "accidents, at the place they happened; recorded and closed through /events.",
     "event", "event t", "idx_event_geom", NULL, VIS_FULL, NULL, event_props, NULL, true, NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL},
};

const coll_def *coll_find(const char *id)
{
    for (const coll_def *c = coll_all; c->id; c++)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

const coll_field *coll_field_find(const coll_def *c, const char *name)
{
    if (c->fields)
        for (const coll_field *f = c->fields; f->name; f++)
            if (strcmp(f->name, name) == 0)
                return f;
    return NULL;
}

const coll_prop *coll_prop_find(const coll_def *c, const char *name)
{
    for (const coll_prop *p = c->props; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}
