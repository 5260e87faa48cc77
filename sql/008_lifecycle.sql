-- 008_lifecycle: the life of a source as transactions, the catalogue of makes and models, the
-- events register (incidents) and the enforcement chain (violation, sanction, corrective action).
--
-- A source's facility_id, status, own_location, position and container are derived from its
-- transactions once it has any (src/core/replay.c): the writer that records a transaction updates
-- them in the same SQL transaction, and the API refuses to edit them directly.

-- Catalogue: manufacturers and models with normalised keys (folded, letters and digits only), so
-- that "Amersham", "AMERSHAM plc" and "Amersham-PLC" are one maker when their keys match.
CREATE TABLE catalogue_manufacturer (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  country TEXT,
  aliases TEXT,               -- JSON array of other spellings seen in registers
  is_demo INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE catalogue_model (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  manufacturer_id INTEGER NOT NULL REFERENCES catalogue_manufacturer(id),
  model TEXT NOT NULL,
  model_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sealed_source','container','radiography_camera','gauge','xray_device','other')),
  nuclide TEXT REFERENCES nuclide(nuclide),
  aliases TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  UNIQUE (manufacturer_id, model_key)
);

ALTER TABLE source ADD COLUMN orphan INTEGER NOT NULL DEFAULT 0 CHECK (orphan IN (0,1));
ALTER TABLE source ADD COLUMN container TEXT;      -- the device or container it sits in (a camera)
ALTER TABLE source ADD COLUMN catalogue_model_id INTEGER REFERENCES catalogue_model(id);
ALTER TABLE device ADD COLUMN catalogue_model_id INTEGER REFERENCES catalogue_model(id);
CREATE INDEX source_orphan ON source(orphan) WHERE orphan = 1;

-- Transactions. seq orders a source's transactions (date, then entry order); lon/lat is the place
-- of a temporary site, a loss, a theft or a recovery. documents: JSON array of references.
CREATE TABLE source_transaction (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('receipt','transfer','exchange','temporary_site','site_end','disuse',
                                     'return','disposal','loss','theft','recovery')),
  date TEXT NOT NULL CHECK (date(date) = date),
  from_facility_id INTEGER REFERENCES facility(id),
  to_facility_id INTEGER REFERENCES facility(id),
  counterparty TEXT,
  documents TEXT,
  status_after TEXT NOT NULL CHECK (status_after IN
    ('in_use','stored','disused','transferred','disposed','lost','stolen','found')),
  place TEXT,
  lon REAL CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),
  lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
  period_start TEXT CHECK (period_start IS NULL OR date(period_start) = period_start),
  period_end TEXT CHECK (period_end IS NULL OR date(period_end) = period_end),
  container TEXT,
  replaced_source_id INTEGER REFERENCES source(id),
  plan TEXT CHECK (plan IS NULL OR plan IN ('return','disposal','storage')),
  plan_due TEXT CHECK (plan_due IS NULL OR date(plan_due) = plan_due),
  authorization_id INTEGER REFERENCES authorization(id),
  exception INTEGER NOT NULL DEFAULT 0 CHECK (exception IN (0,1)),
  exception_reason TEXT,
  note TEXT,
  user_name TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (source_id, seq)
);
CREATE INDEX source_transaction_to ON source_transaction(to_facility_id);
CREATE TRIGGER source_transaction_no_update BEFORE UPDATE ON source_transaction
BEGIN SELECT RAISE(ABORT, 'source transactions are a record: add a new one instead'); END;

-- Events (incidents): a point on the map, open until closed.
CREATE TABLE event (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('loss','theft','overexposure','contamination','orphan_found',
                                     'equipment_failure','transport_accident')),
  occurred_at TEXT NOT NULL,
  place TEXT,
  severity TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('low','medium','high','critical')),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
  description TEXT,
  notifications TEXT,       -- JSON array: [{"to": "varans"|"police"|"planners"|..., "at": "...", "ref": "..."}]
  follow_up TEXT,
  closed_at TEXT,
  closed_reason TEXT,
  facility_id INTEGER REFERENCES facility(id),
  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  record_owner TEXT NOT NULL DEFAULT 'department' CHECK (record_owner IN ('department','varans')),
  external_ref TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_by TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
SELECT AddGeometryColumn('event', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('event', 'geom');
CREATE INDEX event_status ON event(status);
CREATE TABLE event_source (
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  source_id INTEGER NOT NULL REFERENCES source(id),
  PRIMARY KEY (event_id, source_id)
) WITHOUT ROWID;
CREATE INDEX event_source_by_source ON event_source(source_id);
CREATE TABLE event_facility (
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  PRIMARY KEY (event_id, facility_id)
) WITHOUT ROWID;
CREATE TABLE event_person (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
  person_id INTEGER,
  name TEXT NOT NULL,
  role TEXT,               -- worker, member of the public, driver ...
  dose_msv REAL
);
INSERT INTO layer_stat(layer) VALUES ('events');
CREATE TRIGGER event_stat_insert AFTER INSERT ON event BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'events';
END;
CREATE TRIGGER event_stat_move AFTER UPDATE OF lon, lat ON event BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'events';
END;
CREATE TRIGGER event_stat_delete AFTER DELETE ON event BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'events';
END;

-- Enforcement: a violation (from an inspection finding, with its legal basis), the sanction
-- decisions on it, and corrective actions with a deadline and their verification.
CREATE TABLE violation (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  inspection_id INTEGER REFERENCES inspection(id),
  finding TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  found_on TEXT NOT NULL CHECK (date(found_on) = found_on),
  closed_on TEXT CHECK (closed_on IS NULL OR date(closed_on) = closed_on),
  created_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX violation_facility ON violation(facility_id);
CREATE TABLE sanction (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  violation_id INTEGER NOT NULL REFERENCES violation(id),
  decision_no TEXT NOT NULL,
  decided_on TEXT NOT NULL CHECK (date(decided_on) = decided_on),
  kind TEXT NOT NULL CHECK (kind IN ('warning','fine','suspension','revocation','other')),
  fine_vnd INTEGER CHECK (fine_vnd IS NULL OR fine_vnd >= 0),
  signed_by TEXT,
  note TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX sanction_violation ON sanction(violation_id);
CREATE TABLE corrective_action (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  violation_id INTEGER NOT NULL REFERENCES violation(id),
  action TEXT NOT NULL,
  due TEXT NOT NULL CHECK (date(due) = due),
  done_on TEXT CHECK (done_on IS NULL OR date(done_on) = done_on),
  verified_on TEXT CHECK (verified_on IS NULL OR date(verified_on) = verified_on),
  verified_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX corrective_action_violation ON corrective_action(violation_id);

-- Annual reconciliations of a licensee's inventory file with the register: the report as JSON.
CREATE TABLE reconciliation (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER REFERENCES organization(id),
  facility_id INTEGER REFERENCES facility(id),
  year INTEGER NOT NULL,
  file_name TEXT,
  rows_read INTEGER NOT NULL,
  differences INTEGER NOT NULL,
  report TEXT NOT NULL,
  user_name TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
