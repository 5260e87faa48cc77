-- 005_licensing: procedures and their fees, the working-day calendar's yearly announcements,
-- dossiers of the one-stop shop with the Department's appraisal steps and attachments, the
-- authorizations that results produce (and those of the national regulator VARANS), inspections
-- and the annual inspection plan.
-- Instants are stored as UTC text 'YYYY-MM-DDTHH:MM:SSZ' (compared as text); dates as
-- 'YYYY-MM-DD' in Asia/Ho_Chi_Minh. Reference rows (statuses, procedures, fees) are loaded from
-- geodata/ by `radmap init` and upgrades (db/licensing_ref.c), keeping admins' edits.

-- The ten status codes that one-stop systems synchronise with the National Public Service Portal.
CREATE TABLE dossier_status (
  code INTEGER PRIMARY KEY,
  name_vi TEXT NOT NULL,
  name_en TEXT NOT NULL
);

-- Fees per item of a schedule: schedule 'xray' holds the appraisal fee of a new X-ray use licence
-- per device type (geodata/xray_fees.csv). Versioned like procedures: a dossier is priced with the
-- rows in force on the day it was received (the latest valid_from on or before it); fee_vnd NULL
-- means the item is no longer priced from that day.
CREATE TABLE fee_schedule (
  schedule TEXT NOT NULL,
  item TEXT NOT NULL,
  valid_from TEXT NOT NULL DEFAULT '2000-01-01' CHECK (date(valid_from) = valid_from),
  fee_vnd INTEGER CHECK (fee_vnd IS NULL OR fee_vnd >= 0),
  note TEXT,
  created_by TEXT,
  PRIMARY KEY (schedule, item, valid_from)
) WITHOUT ROWID;

-- The procedure catalogue, versioned: an edit adds a version; a dossier keeps the version in force
-- on the day it was received (the latest valid_from on or before that day).
CREATE TABLE procedure (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  valid_from TEXT NOT NULL CHECK (date(valid_from) = valid_from),
  name_vi TEXT NOT NULL,
  name_en TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('declaration','new_licence','renewal','amendment','reissue',
                                      'certificate','emergency_plan')),
  produces TEXT NOT NULL CHECK (produces IN ('licence','declaration_confirmation','worker_certificate',
                                              'emergency_plan_approval')),
  working_hours INTEGER NOT NULL CHECK (working_hours > 0),
  supplement_rule TEXT NOT NULL DEFAULT 'pause' CHECK (supplement_rule IN ('pause','restart')),
  completeness_hours INTEGER NOT NULL DEFAULT 24 CHECK (completeness_hours >= 0),
  fee_rule TEXT NOT NULL DEFAULT '{"kind":"unknown"}',   -- JSON, see api/licensing_fee.c
  fee_note TEXT,
  online_level TEXT CHECK (online_level IS NULL OR online_level IN ('toan_trinh','mot_phan')),
  legal_basis TEXT,
  national_code TEXT,        -- this province's code of the procedure (opaque; imports match it)
  example_code TEXT,         -- a code another province published (geodata/procedures.csv), for reference
  status_of_facts TEXT,
  created_by TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (key, version)
);
CREATE INDEX procedure_key ON procedure(key, valid_from);
CREATE INDEX procedure_code ON procedure(national_code);

-- What the Government announces each year about non-working days (core/calendar.h): the exact Tết
-- days, the day beside 2 September, other days off, Saturdays that are worked. Due dates already
-- given are stored on the dossiers, so editing this table never moves them.
CREATE TABLE calendar_change (
  day TEXT PRIMARY KEY CHECK (date(day) = day),
  kind TEXT NOT NULL CHECK (kind IN ('tet','national_day','day_off','working_day')),
  note TEXT,
  source TEXT                -- the announcement it comes from
);
CREATE TABLE calendar_year (
  year INTEGER PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  updated_by TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

-- A dossier (hồ sơ): imported from the one-stop system (origin one_stop, keyed by its receipt
-- number) or received here by the counter (origin counter: radmap issues the receipt number).
-- Official fields are the one-stop system's as last imported; the others are radmap's own view.
CREATE TABLE dossier (
  id INTEGER PRIMARY KEY,
  receipt_no TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL CHECK (origin IN ('one_stop','counter')),
  procedure_id INTEGER REFERENCES procedure(id),
  procedure_code TEXT,       -- the code the one-stop export gave
  applicant TEXT NOT NULL,
  organization_id INTEGER REFERENCES organization(id),
  facility_id INTEGER REFERENCES facility(id),
  persons INTEGER NOT NULL DEFAULT 1 CHECK (persons >= 0),   -- certificates applied for
  channel TEXT NOT NULL DEFAULT 'counter' CHECK (channel IN ('counter','postal','online')),
  received_at TEXT NOT NULL,
  completeness_due_at TEXT,  -- postal and online filings: the completeness check is due then
  complete_at TEXT,          -- the clock starts: a complete, valid dossier
  due_at TEXT,               -- radmap's due instant (stored: a calendar edit never moves it)
  paused_at TEXT,            -- clock stopped by a supplement request since then
  paused_minutes_left INTEGER,  -- working minutes that were left when it stopped
  extended_due_at TEXT,      -- the new date promised by the last form 04 letter (still late)
  step TEXT NOT NULL,        -- the current appraisal step (api/licensing_steps.c)
  national_status INTEGER NOT NULL REFERENCES dossier_status(code),
  result TEXT CHECK (result IS NULL OR result IN ('approved','refused')),
  decided_at TEXT,
  returned_at TEXT,
  official_status INTEGER REFERENCES dossier_status(code),
  official_due_at TEXT,
  official_decided_at TEXT,
  official_returned_at TEXT,
  import_id TEXT,            -- the last import that wrote the official fields
  note TEXT,
  received_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX dossier_received ON dossier(received_at);
CREATE INDEX dossier_due ON dossier(due_at);
CREATE INDEX dossier_facility ON dossier(facility_id);
CREATE INDEX dossier_procedure ON dossier(procedure_id);
CREATE INDEX dossier_step_state ON dossier(step);

-- The control slip (form 06): every step with who, when, the status code it maps to and a note.
CREATE TABLE dossier_step (
  id INTEGER PRIMARY KEY,
  dossier_id INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  national_status INTEGER NOT NULL REFERENCES dossier_status(code),
  at TEXT NOT NULL,
  user_name TEXT,
  origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('user','import')),
  note TEXT,
  data TEXT,                 -- JSON: decision, reasons, new due date of a form 04 letter ...
  due_before TEXT,           -- the due instant before and after the step, when it moved the clock
  due_after TEXT
);
CREATE INDEX dossier_step_dossier ON dossier_step(dossier_id, id);

-- Devices a dossier applies for (they price a per-device fee).
CREATE TABLE dossier_device (
  dossier_id INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
  device_id INTEGER NOT NULL REFERENCES device(id),
  PRIMARY KEY (dossier_id, device_id)
) WITHOUT ROWID;

-- Attachments (PDF, JPEG, PNG up to 10 MB): personal data (health checks, identity papers).
-- Readable by the licensing, counter and leader roles only; every download goes to read_log.
CREATE TABLE dossier_attachment (
  id INTEGER PRIMARY KEY,
  dossier_id INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
  file_name TEXT NOT NULL,
  media_type TEXT NOT NULL CHECK (media_type IN ('application/pdf','image/jpeg','image/png')),
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
  sha256 TEXT NOT NULL,
  content BLOB NOT NULL,
  note TEXT,
  uploaded_by TEXT,
  uploaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX dossier_attachment_dossier ON dossier_attachment(dossier_id);

-- Receipt numbers issued here: one counter per day.
CREATE TABLE receipt_counter (
  day TEXT PRIMARY KEY,
  last INTEGER NOT NULL
) WITHOUT ROWID;

-- Imports of one-stop exports and VARANS registers.
CREATE TABLE import_run (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  file_name TEXT,
  user_name TEXT,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  rows_read INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0
);

-- Authorizations: the results of procedures (licence, declaration confirmation, worker
-- certificate, emergency-plan approval) and the licences of the national regulator (record_owner
-- varans, imported, read-only). expires is the date written on the document: never computed.
-- A feature at the subject's facility (lon/lat follow it).
CREATE TABLE authorization (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('licence','declaration_confirmation','worker_certificate',
                                      'emergency_plan_approval')),
  subject_type TEXT NOT NULL CHECK (subject_type IN ('facility','device','person')),
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  device_id INTEGER REFERENCES device(id),
  person_name TEXT,
  person_ref TEXT,
  issued TEXT NOT NULL CHECK (date(issued) = issued),
  expires TEXT CHECK (expires IS NULL OR date(expires) = expires),
  status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued','suspended','revoked','superseded')),
  status_reason TEXT,
  change_kind TEXT NOT NULL DEFAULT 'new' CHECK (change_kind IN ('new','renewal','amendment','reissue')),
  supersedes_id INTEGER REFERENCES authorization(id),
  conditions TEXT,           -- JSON: practices, devices, rooms; nuclides and possession limits
  dossier_id INTEGER UNIQUE REFERENCES dossier(id),
  signed_by TEXT,
  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  record_owner TEXT NOT NULL DEFAULT 'department' CHECK (record_owner IN ('department','varans')),
  external_ref TEXT,
  legacy_system TEXT,
  legacy_id TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (record_owner, number)
);
SELECT AddGeometryColumn('authorization', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('authorization', 'geom');
CREATE INDEX authorization_facility ON authorization(facility_id, kind);
CREATE INDEX authorization_expires ON authorization(expires);
CREATE INDEX authorization_supersedes ON authorization(supersedes_id);

-- Inspections, recorded by inspectors through the OGC API. lon/lat are the facility's unless the
-- inspection has its own place (own_location).
CREATE TABLE inspection (
  id INTEGER PRIMARY KEY,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  date TEXT NOT NULL CHECK (date(date) = date),
  inspectors TEXT,
  kind TEXT NOT NULL DEFAULT 'planned' CHECK (kind IN ('planned','unannounced','follow_up')),
  findings TEXT,
  result TEXT CHECK (result IS NULL OR result IN ('passed','passed_with_findings','failed')),
  follow_up_due TEXT CHECK (follow_up_due IS NULL OR date(follow_up_due) = follow_up_due),
  own_location INTEGER NOT NULL DEFAULT 0 CHECK (own_location IN (0,1)),
  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  record_owner TEXT NOT NULL DEFAULT 'department' CHECK (record_owner IN ('department','varans')),
  external_ref TEXT,
  legacy_system TEXT,
  legacy_id TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
SELECT AddGeometryColumn('inspection', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('inspection', 'geom');
CREATE INDEX inspection_facility ON inspection(facility_id, date);

-- After a failed inspection the next one is due sooner: this interval, editable per practice.
ALTER TABLE practice ADD COLUMN failed_interval_months INTEGER NOT NULL DEFAULT 6
  CHECK (failed_interval_months > 0);

-- The annual plan of planned inspections: at most one per enterprise (organization) a year.
CREATE TABLE inspection_plan (
  year INTEGER PRIMARY KEY,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','approved')),
  note TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_by TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE inspection_plan_item (
  year INTEGER NOT NULL REFERENCES inspection_plan(year) ON DELETE CASCADE,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  organization_id INTEGER REFERENCES organization(id),
  planned_month INTEGER NOT NULL CHECK (planned_month BETWEEN 1 AND 12),
  due TEXT,
  reason TEXT,
  PRIMARY KEY (year, facility_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX inspection_plan_one_per_enterprise ON inspection_plan_item(year, organization_id)
  WHERE organization_id IS NOT NULL;

-- Authorizations and inspections stay at their facility when it moves.
CREATE TRIGGER facility_moves_licensing AFTER UPDATE OF lon, lat ON facility
BEGIN
  UPDATE authorization SET lon = NEW.lon, lat = NEW.lat, geom = MakePoint(NEW.lon, NEW.lat, 4326)
   WHERE facility_id = NEW.id;
  UPDATE inspection SET lon = NEW.lon, lat = NEW.lat, geom = MakePoint(NEW.lon, NEW.lat, 4326)
   WHERE facility_id = NEW.id AND own_location = 0;
END;

INSERT INTO layer_stat(layer) VALUES ('authorizations'), ('inspections');
CREATE TRIGGER authorization_stat_insert AFTER INSERT ON authorization BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'authorizations';
END;
CREATE TRIGGER authorization_stat_move AFTER UPDATE OF lon, lat ON authorization BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'authorizations';
END;
CREATE TRIGGER authorization_stat_delete AFTER DELETE ON authorization BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'authorizations';
END;
CREATE TRIGGER inspection_stat_insert AFTER INSERT ON inspection BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'inspections';
END;
CREATE TRIGGER inspection_stat_move AFTER UPDATE OF lon, lat ON inspection BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'inspections';
END;
CREATE TRIGGER inspection_stat_delete AFTER DELETE ON inspection BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'inspections';
END;
