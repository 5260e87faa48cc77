-- 007_compliance: what provincial inspectors of medical X-ray check, as records with due dates.
-- Per device: its declaration confirmation (an authorization, 005), quality-control test
-- certificates (kiểm định) and the room it stands in; per room: shielding and area surveys (kiểm
-- xạ); the people who work with radiation (person, their roles at facilities with periods, worker
-- certificates as authorizations, training, health checks, personal dose records by monitoring
-- period); facility documents with due dates (annual safety assessment report, emergency plan and
-- kinds an admin defines); settings (the due window, default intervals, dose limits and
-- investigation levels) as data; and inspection findings that point at these items.
--
-- Ids are AUTOINCREMENT, as the register's: never reused after a delete, so an audit history
-- belongs to one record. Dates are 'YYYY-MM-DD' in Asia/Ho_Chi_Minh. "expires" is the last valid day written on a
-- certificate; "next_due" the day by which the next one is due: either is overdue from the day
-- after. Statuses are never stored: the views below give each item's due date and state, and
-- db/compliance_sql.h turns them into ok / due / overdue / missing for a given day (:today), so the
-- map, the items API, the filters and the inspection checklist agree.
--
-- Personal data (person and the tables that hang off it) is readable only through the persons
-- routes, by the licensing, inspector, leader and admin roles, and every read is logged.

-- ---- settings ---------------------------------------------------------------------------------

CREATE TABLE compliance_setting (
  key TEXT PRIMARY KEY,
  value REAL NOT NULL,
  unit TEXT NOT NULL,
  min_value REAL NOT NULL,
  max_value REAL NOT NULL,
  name_en TEXT NOT NULL,
  name_vi TEXT NOT NULL,
  updated_by TEXT,
  updated_at TEXT,
  CHECK (value BETWEEN min_value AND max_value)
) WITHOUT ROWID;
INSERT INTO compliance_setting(key, value, unit, min_value, max_value, name_en, name_vi) VALUES
 ('due_window_days', 60, 'days', 1, 365,
  'An item is "due" this many days before its expiry or due date',
  'Số ngày trước hạn được coi là sắp đến hạn'),
 ('qc_interval_months', 12, 'months', 1, 120,
  'Validity of a QC test certificate that states no expiry',
  'Thời hạn giấy chứng nhận kiểm định khi không ghi ngày hết hạn'),
 ('area_survey_interval_months', 12, 'months', 1, 120,
  'Next area survey due after the last one, when not stated',
  'Chu kỳ kiểm xạ khi không ghi hạn kế tiếp'),
 ('health_check_interval_months', 12, 'months', 1, 120,
  'Next health check due after the last one, when not stated',
  'Chu kỳ khám sức khỏe khi không ghi hạn kế tiếp'),
 ('dose_report_grace_days', 190, 'days', 31, 730,
  'Dose monitoring is overdue when the last record ended longer ago than this (a quarter, the report''s delay and a missed quarter)',
  'Quá hạn theo dõi liều khi kỳ đo gần nhất kết thúc quá số ngày này'),
 ('certificate_for_all_workers', 0, 'flag', 0, 1,
  'Check a radiation worker certificate of every worker (1), or of the safety officer only (0), as the law asks of medical X-ray',
  'Kiểm tra chứng chỉ nhân viên bức xạ của mọi nhân viên (1) hay chỉ người phụ trách an toàn (0)'),
 ('dose_limit_year_msv', 50, 'mSv', 1, 1000,
  'Occupational effective dose limit in any single year',
  'Giới hạn liều hiệu dụng nghề nghiệp trong một năm bất kỳ'),
 ('dose_limit_average_msv', 20, 'mSv', 1, 1000,
  'Occupational effective dose limit per year, averaged over 5 consecutive years',
  'Giới hạn liều hiệu dụng nghề nghiệp trung bình năm trong 5 năm liên tiếp');

-- Investigation level of Hp(10) per monitoring period of this many months. A period of a length
-- not listed uses the longest listed period not longer than it, pro rata (core/compliance_rules.h).
CREATE TABLE dose_investigation_level (
  period_months INTEGER PRIMARY KEY CHECK (period_months BETWEEN 1 AND 12),
  level_msv REAL NOT NULL CHECK (level_msv > 0 AND level_msv <= 1000),
  updated_by TEXT,
  updated_at TEXT
);
INSERT INTO dose_investigation_level(period_months, level_msv) VALUES
 (1, 0.5), (2, 1.0), (3, 1.5), (6, 3.0), (12, 6.0);

-- What each device type needs beyond its declaration confirmation: a QC test certificate
-- (kiểm định) and a room with shielding and area surveys. Types without a row need neither.
CREATE TABLE device_type_compliance (
  type TEXT PRIMARY KEY REFERENCES device_type(key),
  qc_required INTEGER NOT NULL DEFAULT 0 CHECK (qc_required IN (0,1)),
  qc_interval_months INTEGER CHECK (qc_interval_months IS NULL OR qc_interval_months BETWEEN 1 AND 120),
  room_required INTEGER NOT NULL DEFAULT 0 CHECK (room_required IN (0,1))
) WITHOUT ROWID;
INSERT INTO device_type_compliance(type, qc_required, qc_interval_months, room_required) VALUES
 ('general', 1, 12, 1), ('mobile', 1, 12, 0), ('dental', 1, 12, 1), ('mammography', 1, 12, 1),
 ('fluoroscopy', 1, 12, 1), ('bone_densitometry', 1, 12, 1), ('ct', 1, 12, 1), ('pet_ct', 1, 12, 1),
 ('spect_ct', 1, 12, 1), ('linac', 1, 12, 1), ('cyclotron', 0, NULL, 1);

-- ---- rooms, QC tests, area surveys ------------------------------------------------------------

-- A room where devices stand. Devices name their room (device.room); a room record of the same
-- facility with that name is the device's room.
CREATE TABLE room (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  location TEXT,             -- building, floor
  shielding TEXT,            -- walls, door, window, lead equivalents
  area_m2 REAL CHECK (area_m2 IS NULL OR area_m2 > 0),
  status TEXT NOT NULL DEFAULT 'in_use' CHECK (status IN ('in_use','closed')),
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (facility_id, name)
);
CREATE INDEX device_facility_room ON device(facility_id, room);

-- Quality-control test (kiểm định) of a device by an accredited testing organisation.
CREATE TABLE qc_test (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id INTEGER NOT NULL REFERENCES device(id),
  test_date TEXT NOT NULL CHECK (date(test_date) = test_date),
  organization TEXT NOT NULL,
  certificate_no TEXT,
  result TEXT NOT NULL CHECK (result IN ('pass','fail')),
  expires TEXT CHECK (expires IS NULL OR (date(expires) = expires AND expires >= test_date)),
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX qc_test_device ON qc_test(device_id, test_date);

-- Area survey (kiểm xạ) of a room: the highest dose rates measured where people work (console,
-- door) and in the public areas around it, in µSv/h.
CREATE TABLE area_survey (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id INTEGER NOT NULL REFERENCES room(id),
  survey_date TEXT NOT NULL CHECK (date(survey_date) = survey_date),
  organization TEXT NOT NULL,
  report_no TEXT,
  max_worker_usv_h REAL CHECK (max_worker_usv_h IS NULL OR max_worker_usv_h >= 0),
  max_public_usv_h REAL CHECK (max_public_usv_h IS NULL OR max_public_usv_h >= 0),
  result TEXT NOT NULL CHECK (result IN ('pass','fail')),
  next_due TEXT CHECK (next_due IS NULL OR (date(next_due) = next_due AND next_due > survey_date)),
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX area_survey_room ON area_survey(room_id, survey_date);

-- ---- people -------------------------------------------------------------------------------------

CREATE TABLE person (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  full_name TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  name_key TEXT NOT NULL DEFAULT '',   -- folded full name (core/fold), for search and import matching
  birth_date TEXT CHECK (birth_date IS NULL OR date(birth_date) = birth_date),
  identity_no TEXT UNIQUE,            -- citizen identity card (CCCD) or passport number
  phone TEXT,
  email TEXT,
  address TEXT,
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX person_name_key ON person(name_key, birth_date);

-- A person's role at a facility for a period (end_date NULL: still in it).
CREATE TABLE person_role (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES person(id),
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  role TEXT NOT NULL CHECK (role IN ('radiation_worker','safety_officer')),
  start_date TEXT NOT NULL CHECK (date(start_date) = start_date),
  end_date TEXT CHECK (end_date IS NULL OR (date(end_date) = end_date AND end_date >= start_date)),
  job_title TEXT,
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX person_role_facility ON person_role(facility_id, role, start_date);
CREATE INDEX person_role_person ON person_role(person_id, facility_id);

-- Worker certificates are authorizations of kind worker_certificate (005). One belongs to a person
-- when its person_ref is the person's identity number, or when it is linked here (certificates
-- imported from the national regulator that carry another reference).
CREATE TABLE person_certificate (
  authorization_id INTEGER PRIMARY KEY REFERENCES authorization(id),
  person_id INTEGER NOT NULL REFERENCES person(id),
  linked_by TEXT,
  linked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX person_certificate_person ON person_certificate(person_id);
CREATE INDEX authorization_person_ref ON authorization(person_ref);
CREATE INDEX authorization_device ON authorization(device_id, kind);

CREATE VIEW person_authorization AS
  SELECT pc.person_id AS person_id, a.* FROM person_certificate pc JOIN authorization a ON a.id = pc.authorization_id
  UNION
  SELECT p.id AS person_id, a.* FROM person p JOIN authorization a ON a.person_ref = p.identity_no
   WHERE p.identity_no IS NOT NULL AND a.kind = 'worker_certificate';

CREATE TABLE training_record (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES person(id),
  course TEXT NOT NULL,
  provider TEXT,
  completed TEXT NOT NULL CHECK (date(completed) = completed),
  hours REAL CHECK (hours IS NULL OR hours > 0),
  certificate_no TEXT,
  valid_until TEXT CHECK (valid_until IS NULL OR (date(valid_until) = valid_until AND valid_until >= completed)),
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX training_record_person ON training_record(person_id, completed);

-- Occupational health check: only its date, the conclusion on fitness and the next due date are
-- kept, never medical findings.
CREATE TABLE health_check (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES person(id),
  check_date TEXT NOT NULL CHECK (date(check_date) = check_date),
  provider TEXT,
  result TEXT NOT NULL CHECK (result IN ('fit','fit_with_restrictions','unfit')),
  next_due TEXT CHECK (next_due IS NULL OR (date(next_due) = next_due AND next_due > check_date)),
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX health_check_person ON health_check(person_id, check_date);

-- Personal dose of one monitoring period at one facility, Hp(10) (and Hp(0.07) when reported), from
-- a dosimetry service provider's file (origin import) or entered by hand. One record per person,
-- facility and period: a re-import updates it instead of adding another.
CREATE TABLE dose_record (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES person(id),
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  period_start TEXT NOT NULL CHECK (date(period_start) = period_start),
  period_end TEXT NOT NULL CHECK (date(period_end) = period_end AND period_end >= period_start),
  hp10_msv REAL NOT NULL CHECK (hp10_msv >= 0 AND hp10_msv <= 10000),
  hp007_msv REAL CHECK (hp007_msv IS NULL OR (hp007_msv >= 0 AND hp007_msv <= 100000)),
  below_detection INTEGER NOT NULL DEFAULT 0 CHECK (below_detection IN (0,1)),
  dosimeter_id TEXT,
  provider TEXT,
  origin TEXT NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual','import')),
  import_id TEXT,
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (person_id, facility_id, period_start, period_end)
);
CREATE INDEX dose_record_facility ON dose_record(facility_id, period_end);
CREATE INDEX dose_record_person_end ON dose_record(person_id, facility_id, period_end);

-- ---- facility documents ---------------------------------------------------------------------------

-- Kinds of documents a facility keeps or sends: interval_months after the last one the next is due
-- (NULL: valid until replaced); required: every operating facility (with one of the listed
-- practices, when practices is set) must have one. Admins add kinds.
CREATE TABLE document_kind (
  key TEXT PRIMARY KEY CHECK (key GLOB '[a-z]*' AND key NOT GLOB '*[^a-z0-9_]*' AND length(key) <= 40),
  name_vi TEXT NOT NULL,
  name_en TEXT NOT NULL,
  interval_months INTEGER CHECK (interval_months IS NULL OR interval_months BETWEEN 1 AND 120),
  required INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0,1)),
  practices TEXT,            -- comma-separated practice keys (NULL: every practice)
  seq INTEGER NOT NULL DEFAULT 100,   -- order on the inspection checklist
  builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0,1)),
  version INTEGER NOT NULL DEFAULT 1,
  updated_by TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
) WITHOUT ROWID;
INSERT INTO document_kind(key, name_vi, name_en, interval_months, required, seq, builtin) VALUES
 ('annual_safety_report', 'Báo cáo đánh giá an toàn bức xạ định kỳ hằng năm',
  'Annual safety assessment report', 12, 1, 10, 1),
 ('emergency_plan', 'Kế hoạch ứng phó sự cố bức xạ cấp cơ sở (đã phê duyệt)',
  'Approved emergency response plan', NULL, 1, 20, 1),
 ('safety_rules', 'Nội quy an toàn bức xạ và quy trình làm việc', 'Radiation safety rules and work procedures',
  NULL, 0, 30, 1);

CREATE TABLE facility_document (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  kind TEXT NOT NULL REFERENCES document_kind(key),
  title TEXT,
  received TEXT NOT NULL CHECK (date(received) = received),
  period_start TEXT CHECK (period_start IS NULL OR date(period_start) = period_start),   -- period covered
  period_end TEXT CHECK (period_end IS NULL OR (date(period_end) = period_end AND period_end >= period_start)),
  version_label TEXT,        -- the plan's version
  approval_ref TEXT,         -- the approval's reference (decision number)
  authorization_id INTEGER REFERENCES authorization(id),   -- the emergency-plan approval, when recorded
  next_due TEXT CHECK (next_due IS NULL OR (date(next_due) = next_due AND next_due > received)),
  note TEXT,
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX facility_document_kind ON facility_document(facility_id, kind, received);

-- ---- inspection findings ----------------------------------------------------------------------------

-- A finding of an inspection (005), linked to the checklist item it is about: item_kind and the
-- item's subject (device for declaration, qc_test and room; room for shielding and area_survey;
-- person for the worker items; the facility for safety_officer; document_kind for documents), and
-- optionally the very record (record_id: the QC test, survey, document ...).
CREATE TABLE inspection_finding (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  inspection_id INTEGER NOT NULL REFERENCES inspection(id) ON DELETE CASCADE,
  item_kind TEXT NOT NULL CHECK (item_kind IN ('declaration','qc_test','room','shielding','area_survey',
    'safety_officer','worker_certificate','training','health_check','dose_monitoring','document','other')),
  subject_id INTEGER,
  document_kind TEXT REFERENCES document_kind(key),
  record_id INTEGER,
  severity TEXT NOT NULL DEFAULT 'non_compliance' CHECK (severity IN ('observation','non_compliance','violation')),
  description TEXT NOT NULL,
  corrective_action TEXT,
  due TEXT CHECK (due IS NULL OR date(due) = due),
  closed_on TEXT CHECK (closed_on IS NULL OR date(closed_on) = closed_on),
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX inspection_finding_inspection ON inspection_finding(inspection_id);
CREATE INDEX inspection_finding_item ON inspection_finding(item_kind, subject_id);

-- ---- checklist items ----------------------------------------------------------------------------------
-- One row per thing an inspection checks, with seq (the order it is checked in), a label without
-- personal data or device details beyond the type, the record it rests on, its due date and state: absent (no record), failed (the
-- record says fail or unfit) or present. db/compliance_sql.h ranks them for a day.
-- Every arm of a view gives each column the same affinity (hence the CASTs): only then does SQLite
-- push a caller's "facility_id = ?" into each arm as an index look-up.

-- Devices whose compliance is checked: in use, on this department's register, at an operating
-- facility; with what their type needs.
CREATE VIEW compliance_device AS
  SELECT d.id AS id, d.facility_id AS facility_id, d.type AS type, d.room AS room,
         coalesce(dt.qc_required, 0) AS qc_required, coalesce(dt.room_required, 0) AS room_required,
         'device ' || d.id || ' (' || coalesce(ty.name_en, d.type) || ')' AS tag
    FROM device d
    JOIN facility f ON f.id = d.facility_id
    LEFT JOIN device_type ty ON ty.key = d.type
    LEFT JOIN device_type_compliance dt ON dt.type = d.type
   WHERE d.status = 'in_use' AND d.record_owner = 'department' AND f.status = 'operating';

-- A device's declaration confirmation names it (device_id), or is its facility's and lists it in
-- conditions.devices (a confirmation without a device list covers every device of the facility).
CREATE VIEW compliance_device_item AS
  SELECT cd.id AS device_id, cd.facility_id AS facility_id, 10 AS seq, 'declaration' AS kind, a.id AS record_id,
         'Declaration confirmation, ' || cd.tag AS label, CAST(a.expires AS TEXT) AS due,
         CASE WHEN a.id IS NULL THEN 'absent' ELSE 'present' END AS state,
         CASE WHEN a.id IS NULL THEN 'no declaration confirmation recorded'
              ELSE 'no. ' || a.number || ', issued ' || a.issued || coalesce(', expires ' || a.expires, '') END AS detail
    FROM compliance_device cd
    LEFT JOIN authorization a ON a.id = (SELECT x.id FROM (
             SELECT a2.id AS id, a2.issued AS issued FROM authorization a2
              WHERE a2.device_id = cd.id AND a2.kind = 'declaration_confirmation' AND a2.status = 'issued'
             UNION ALL
             SELECT a3.id, a3.issued FROM authorization a3
              WHERE a3.facility_id = cd.facility_id AND a3.kind = 'declaration_confirmation' AND a3.status = 'issued'
                AND a3.device_id IS NULL
                AND (json_type(CASE WHEN json_valid(a3.conditions) THEN a3.conditions ELSE '{}' END, '$.devices') IS NULL
                     OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(a3.conditions) THEN a3.conditions
                                                            ELSE '{}' END, '$.devices') j WHERE j.value = cd.id))) x
           ORDER BY x.issued DESC, x.id DESC LIMIT 1)
  UNION ALL
  SELECT cd.id, cd.facility_id, 20, 'qc_test', q.id, 'QC test, ' || cd.tag, CAST(q.expires AS TEXT),
         CASE WHEN q.id IS NULL THEN 'absent' WHEN q.result = 'fail' THEN 'failed' ELSE 'present' END,
         CASE WHEN q.id IS NULL THEN 'no QC test recorded'
              ELSE q.result || ' on ' || q.test_date || ' by ' || q.organization ||
                   coalesce(', certificate ' || q.certificate_no, '') || coalesce(', expires ' || q.expires, '') END
    FROM compliance_device cd
    LEFT JOIN qc_test q ON q.id = (SELECT q2.id FROM qc_test q2 WHERE q2.device_id = cd.id
           ORDER BY q2.test_date DESC, q2.id DESC LIMIT 1)
   WHERE cd.qc_required = 1
  UNION ALL
  SELECT cd.id, cd.facility_id, 30, 'room', r.id, 'Room of ' || cd.tag, CAST(NULL AS TEXT),
         CASE WHEN r.id IS NULL THEN 'absent' WHEN r.status = 'closed' THEN 'failed' ELSE 'present' END,
         CASE WHEN cd.room IS NULL OR trim(cd.room) = '' THEN 'no room recorded for the device'
              WHEN r.id IS NULL THEN 'room "' || cd.room || '" has no record (shielding, area survey)'
              WHEN r.status = 'closed' THEN 'room ' || r.id || ' "' || r.name || '" is marked closed'
              ELSE 'room ' || r.id || ' "' || r.name || '"' END
    FROM compliance_device cd
    LEFT JOIN room r ON r.facility_id = cd.facility_id AND r.name = cd.room
   WHERE cd.room_required = 1;

CREATE VIEW compliance_room_item AS
  SELECT r.id AS room_id, r.facility_id AS facility_id, 35 AS seq, 'shielding' AS kind, r.id AS record_id,
         'Shielding, room ' || r.id || ' "' || r.name || '"' AS label, CAST(NULL AS TEXT) AS due,
         CASE WHEN r.shielding IS NULL OR trim(r.shielding) = '' THEN 'absent' ELSE 'present' END AS state,
         CASE WHEN r.shielding IS NULL OR trim(r.shielding) = '' THEN 'no shielding description recorded'
              ELSE substr(r.shielding, 1, 200) END AS detail
    FROM room r JOIN facility f ON f.id = r.facility_id
   WHERE r.status = 'in_use' AND f.status = 'operating'
  UNION ALL
  SELECT r.id, r.facility_id, 40, 'area_survey', s.id, 'Area survey, room ' || r.id || ' "' || r.name || '"',
         CAST(s.next_due AS TEXT),
         CASE WHEN s.id IS NULL THEN 'absent' WHEN s.result = 'fail' THEN 'failed' ELSE 'present' END,
         CASE WHEN s.id IS NULL THEN 'no area survey recorded'
              ELSE s.result || ' on ' || s.survey_date || ' by ' || s.organization ||
                   coalesce(', max ' || s.max_worker_usv_h || ' µSv/h at work places', '') ||
                   coalesce(', ' || s.max_public_usv_h || ' µSv/h in public areas', '') ||
                   coalesce(', next due ' || s.next_due, '') END
    FROM room r JOIN facility f ON f.id = r.facility_id
    LEFT JOIN area_survey s ON s.id = (SELECT s2.id FROM area_survey s2 WHERE s2.room_id = r.id
           ORDER BY s2.survey_date DESC, s2.id DESC LIMIT 1)
   WHERE r.status = 'in_use' AND f.status = 'operating';

-- Per role at an operating facility, with the role's period (active_from, active_to): the caller
-- keeps the roles active on its day. Labels never name the person (facility reasons are shown to
-- viewers): the caller adds who it is where it may. A radiation worker
-- certificate (chứng chỉ nhân viên bức xạ) is checked of the safety officer, as the Law on Atomic
-- Energy asks for medical X-ray, or of everyone when certificate_for_all_workers is 1; training,
-- health checks and dose monitoring of everyone in post.
CREATE VIEW compliance_person_item AS
  SELECT pr.person_id AS person_id, pr.facility_id AS facility_id, pr.id AS role_id, pr.start_date AS active_from,
         pr.end_date AS active_to, 60 AS seq, 'worker_certificate' AS kind, a.id AS record_id,
         'Radiation worker certificate' AS label, CAST(a.expires AS TEXT) AS due,
         CASE WHEN a.id IS NULL THEN 'absent' ELSE 'present' END AS state,
         CASE WHEN a.id IS NULL THEN 'no radiation worker certificate recorded'
              ELSE 'no. ' || a.number || ', issued ' || a.issued END AS detail
    FROM person_role pr JOIN facility f ON f.id = pr.facility_id
    LEFT JOIN authorization a ON a.id = (SELECT x.id FROM (
             SELECT a2.id AS id, a2.issued AS issued FROM person_certificate pc JOIN authorization a2
                 ON a2.id = pc.authorization_id
              WHERE pc.person_id = pr.person_id AND a2.kind = 'worker_certificate' AND a2.status = 'issued'
             UNION ALL
             SELECT a3.id, a3.issued FROM person p JOIN authorization a3 ON a3.person_ref = p.identity_no
              WHERE p.id = pr.person_id AND a3.kind = 'worker_certificate' AND a3.status = 'issued') x
           ORDER BY x.issued DESC, x.id DESC LIMIT 1)
   WHERE f.status = 'operating' AND (pr.role = 'safety_officer' OR (SELECT value FROM compliance_setting
                                                                     WHERE key = 'certificate_for_all_workers') = 1)
  UNION ALL
  SELECT pr.person_id, pr.facility_id, pr.id, pr.start_date, pr.end_date, 70, 'training', tr.id,
         'Radiation safety training', CAST(tr.valid_until AS TEXT),
         CASE WHEN tr.id IS NULL THEN 'absent' ELSE 'present' END,
         CASE WHEN tr.id IS NULL THEN 'no training recorded'
              ELSE tr.course || ', completed ' || tr.completed || coalesce(', valid until ' || tr.valid_until, '') END
    FROM person_role pr JOIN facility f ON f.id = pr.facility_id
    LEFT JOIN training_record tr ON tr.id = (SELECT t2.id FROM training_record t2 WHERE t2.person_id = pr.person_id
           ORDER BY t2.completed DESC, t2.id DESC LIMIT 1)
   WHERE f.status = 'operating'
  UNION ALL
  SELECT pr.person_id, pr.facility_id, pr.id, pr.start_date, pr.end_date, 80, 'health_check', h.id,
         'Health check', CAST(h.next_due AS TEXT),
         CASE WHEN h.id IS NULL THEN 'absent' WHEN h.result = 'unfit' THEN 'failed' ELSE 'present' END,
         CASE WHEN h.id IS NULL THEN 'no health check recorded'
              ELSE h.result || ' on ' || h.check_date || coalesce(', next due ' || h.next_due, '') END
    FROM person_role pr JOIN facility f ON f.id = pr.facility_id
    LEFT JOIN health_check h ON h.id = (SELECT h2.id FROM health_check h2 WHERE h2.person_id = pr.person_id
           ORDER BY h2.check_date DESC, h2.id DESC LIMIT 1)
   WHERE f.status = 'operating'
  UNION ALL
  SELECT pr.person_id, pr.facility_id, pr.id, pr.start_date, pr.end_date, 90, 'dose_monitoring', dr.id,
         'Personal dose monitoring',
         CAST(date(dr.period_end, '+' || (SELECT CAST(value AS INTEGER) FROM compliance_setting
                                           WHERE key = 'dose_report_grace_days') || ' days') AS TEXT),
         CASE WHEN dr.id IS NULL THEN 'absent' ELSE 'present' END,
         CASE WHEN dr.id IS NULL THEN 'no dose record at this facility'
              ELSE 'last period ' || dr.period_start || ' to ' || dr.period_end END
    FROM person_role pr JOIN facility f ON f.id = pr.facility_id
    LEFT JOIN dose_record dr ON dr.id = (SELECT d2.id FROM dose_record d2 WHERE d2.person_id = pr.person_id
           AND d2.facility_id = pr.facility_id ORDER BY d2.period_end DESC, d2.id DESC LIMIT 1)
   WHERE f.status = 'operating';

-- Documents: every kind the facility must have, and every kind it has one of.
CREATE VIEW compliance_document_item AS
  SELECT f.id AS facility_id, 100 + k.seq AS seq, 'document' AS kind, k.key AS document_kind, d.id AS record_id,
         k.name_en AS label, CAST(d.next_due AS TEXT) AS due,
         CASE WHEN d.id IS NULL THEN 'absent' ELSE 'present' END AS state,
         CASE WHEN d.id IS NULL THEN 'none recorded'
              ELSE 'received ' || d.received ||
                   coalesce(', covering ' || d.period_start || ' to ' || d.period_end, '') ||
                   coalesce(', version ' || d.version_label, '') || coalesce(', approval ' || d.approval_ref, '') ||
                   coalesce(', next due ' || d.next_due, '') END AS detail
    FROM facility f
    JOIN document_kind k
    LEFT JOIN facility_document d ON d.id = (SELECT d2.id FROM facility_document d2 WHERE d2.facility_id = f.id
           AND d2.kind = k.key ORDER BY d2.received DESC, d2.id DESC LIMIT 1)
   WHERE f.status = 'operating'
     AND (d.id IS NOT NULL OR (k.required = 1 AND (k.practices IS NULL OR EXISTS (SELECT 1 FROM facility_practice fp
          WHERE fp.facility_id = f.id AND instr(',' || k.practices || ',', ',' || fp.practice || ',') > 0))));
