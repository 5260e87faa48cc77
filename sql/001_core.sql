-- 001_core: the register. Organizations (licensees), facilities with their practices, radioactive
-- sources, radiation generators (devices) and the radionuclide reference table.
-- Register ids are AUTOINCREMENT: an id is never reused after a delete, so a feature's audit history
-- never mixes two records.
-- Storage CRS is EPSG:4326. Point features keep lon/lat as REAL columns beside the geometry: the
-- hot read paths (items, tiles, proximity) use them without decoding a blob; every writer sets both.
-- Every register row says who owns it (record_owner: this department, or the national regulator
-- VARANS, whose rows arrive by import and are read-only here) and where it came from.

CREATE TABLE practice (
  key TEXT PRIMARY KEY,
  name_vi TEXT NOT NULL,
  name_en TEXT NOT NULL,
  uses_sources INTEGER NOT NULL DEFAULT 0,
  inspection_interval_months INTEGER NOT NULL
);
INSERT INTO practice VALUES
 ('medical_xray','X-quang chẩn đoán y tế','Medical diagnostic X-ray',0,36),
 ('nuclear_medicine','Y học hạt nhân','Nuclear medicine',1,12),
 ('radiotherapy','Xạ trị','Radiotherapy',1,12),
 ('industrial_radiography','Chụp ảnh bức xạ công nghiệp','Industrial radiography',1,12),
 ('industrial_gauge','Thiết bị đo công nghiệp','Industrial gauges',1,24),
 ('well_logging','Địa vật lý giếng khoan','Well logging',1,24),
 ('research','Nghiên cứu, đào tạo','Research and teaching',1,24),
 ('irradiator','Chiếu xạ','Irradiation',1,12),
 ('storage','Lưu giữ nguồn','Source storage',1,24),
 ('other','Khác','Other',0,24);

CREATE TABLE device_type (
  key TEXT PRIMARY KEY,
  name_vi TEXT NOT NULL,
  name_en TEXT NOT NULL,
  medical INTEGER NOT NULL
);
INSERT INTO device_type VALUES
 ('general','X-quang tổng hợp','General radiography',1),
 ('mobile','X-quang di động','Mobile X-ray',1),
 ('dental','X-quang nha khoa','Dental X-ray',1),
 ('mammography','X-quang chụp vú','Mammography',1),
 ('fluoroscopy','X-quang tăng sáng truyền hình (C-arm)','Fluoroscopy',1),
 ('bone_densitometry','Đo mật độ xương','Bone densitometry',1),
 ('ct','Chụp cắt lớp vi tính (CT)','CT scanner',1),
 ('pet_ct','PET/CT','PET/CT',1),
 ('spect_ct','SPECT/CT','SPECT/CT',1),
 ('linac','Máy gia tốc xạ trị','Medical linear accelerator',1),
 ('cyclotron','Máy gia tốc vòng (cyclotron)','Cyclotron',1),
 ('industrial_xray','X-quang công nghiệp','Industrial X-ray',0),
 ('xray_security','Soi chiếu an ninh','Security X-ray screening',0),
 ('xrf_analyser','Máy phân tích huỳnh quang tia X','X-ray fluorescence analyser',0),
 ('other','Khác','Other',0);

CREATE TABLE nuclide (
  nuclide TEXT PRIMARY KEY,
  half_life_s REAL NOT NULL CHECK (half_life_s > 0),
  half_life_text TEXT,
  d_value_tbq REAL CHECK (d_value_tbq IS NULL OR d_value_tbq > 0),
  exempt_activity_bq REAL,
  gamma_constant REAL,       -- air-kerma-rate constant, µGy·m²·h⁻¹·MBq⁻¹ (see geodata/README.md)
  typical_uses TEXT,
  source_ref TEXT
);

CREATE TABLE organization (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  tax_code TEXT,
  address TEXT,
  phone TEXT,
  email TEXT,
  legal_representative TEXT,
  record_owner TEXT NOT NULL DEFAULT 'department' CHECK (record_owner IN ('department','varans')),
  external_ref TEXT,
  legacy_system TEXT,
  legacy_id TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX organization_tax_code ON organization(tax_code);

CREATE TABLE facility (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  organization_id INTEGER REFERENCES organization(id),
  practice TEXT NOT NULL REFERENCES practice(key),   -- the primary practice (map symbol)
  address TEXT,
  ward TEXT,                 -- 2025 ward or commune
  legacy_district TEXT,      -- pre-2025 district (quận/huyện/thị xã/thành phố)
  legacy_ward TEXT,          -- pre-2025 ward
  legacy_province TEXT,      -- pre-2025 province (Bình Dương, Bà Rịa-Vũng Tàu, TP. Hồ Chí Minh)
  status TEXT NOT NULL DEFAULT 'operating' CHECK (status IN ('operating','suspended','closed')),
  contact_name TEXT,
  contact_phone TEXT,
  contact_email TEXT,
  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  search_key TEXT NOT NULL DEFAULT '',   -- folded (lower case, no diacritics) name, code, address, ward
  record_owner TEXT NOT NULL DEFAULT 'department' CHECK (record_owner IN ('department','varans')),
  external_ref TEXT,
  legacy_system TEXT,
  legacy_id TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
SELECT AddGeometryColumn('facility', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('facility', 'geom');
CREATE INDEX facility_practice_key ON facility(practice);
CREATE INDEX facility_ward ON facility(ward);
CREATE INDEX facility_organization ON facility(organization_id);

CREATE TABLE facility_practice (
  facility_id INTEGER NOT NULL REFERENCES facility(id) ON DELETE CASCADE,
  practice TEXT NOT NULL REFERENCES practice(key),
  PRIMARY KEY (facility_id, practice)
) WITHOUT ROWID;
CREATE INDEX facility_practice_by_practice ON facility_practice(practice, facility_id);

-- A source sits at its facility unless it has its own location (mobile work, a temporary site, a
-- lost source's last known place): own_location = 1. lon/lat/geom always hold the effective
-- position, so one spatial index answers for every source; the trigger below moves the sources
-- and devices that sit at a facility when the facility moves.
CREATE TABLE source (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  nuclide TEXT NOT NULL REFERENCES nuclide(nuclide),
  form TEXT NOT NULL DEFAULT 'sealed' CHECK (form IN ('sealed','unsealed')),
  serial_no TEXT,
  manufacturer TEXT,
  model TEXT,
  activity_bq REAL NOT NULL CHECK (activity_bq > 0),
  reference_date TEXT NOT NULL CHECK (reference_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  status TEXT NOT NULL DEFAULT 'in_use' CHECK (status IN
    ('in_use','stored','disused','transferred','disposed','lost','stolen','found')),
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
SELECT AddGeometryColumn('source', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('source', 'geom');
CREATE INDEX source_facility ON source(facility_id);
CREATE INDEX source_nuclide ON source(nuclide);
CREATE INDEX source_status ON source(status);

CREATE TABLE device (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  facility_id INTEGER NOT NULL REFERENCES facility(id),
  type TEXT NOT NULL REFERENCES device_type(key),
  manufacturer TEXT,
  model TEXT,
  serial_no TEXT,
  max_kv REAL CHECK (max_kv IS NULL OR max_kv > 0),
  max_ma REAL CHECK (max_ma IS NULL OR max_ma > 0),
  room TEXT,
  status TEXT NOT NULL DEFAULT 'in_use' CHECK (status IN
    ('in_use','stored','disused','transferred','disposed')),
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
SELECT AddGeometryColumn('device', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('device', 'geom');
CREATE INDEX device_facility ON device(facility_id);
CREATE INDEX device_type_key ON device(type);

CREATE TRIGGER facility_moves_holdings AFTER UPDATE OF lon, lat ON facility
BEGIN
  UPDATE source SET lon = NEW.lon, lat = NEW.lat, geom = MakePoint(NEW.lon, NEW.lat, 4326)
   WHERE facility_id = NEW.id AND own_location = 0;
  UPDATE device SET lon = NEW.lon, lat = NEW.lat, geom = MakePoint(NEW.lon, NEW.lat, 4326)
   WHERE facility_id = NEW.id AND own_location = 0;
END;

-- Accounts and the audit trail start here (empty); the editing work fills them.
CREATE TABLE app_user (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('viewer','inspector','planner','counter','licensing','leader','admin')),
  password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  user_name TEXT,
  action TEXT NOT NULL,
  collection TEXT NOT NULL,
  feature_id INTEGER,
  import_id TEXT,
  before_json TEXT,
  after_json TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_feature ON audit(collection, feature_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

-- What changed where, for the tile cache (whoever wrote it: the server or another process).
CREATE TABLE tile_change (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  layer TEXT NOT NULL,
  min_lon REAL NOT NULL, min_lat REAL NOT NULL, max_lon REAL NOT NULL, max_lat REAL NOT NULL
);

-- Free-form facts about this database (demo label, generator seed, service area).
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT
);

-- Per-layer figures kept by triggers, so that start-up, /collections and an unfiltered
-- numberMatched never scan a table. The extent grows with inserts and moves; `radmap init`
-- recomputes it exactly (a deleted outlier may leave it larger until then).
CREATE TABLE layer_stat (
  layer TEXT PRIMARY KEY,
  feature_count INTEGER NOT NULL DEFAULT 0,
  min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL
);
INSERT INTO layer_stat(layer) VALUES ('facilities'), ('sources'), ('devices');
CREATE TRIGGER facility_stat_insert AFTER INSERT ON facility BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'facilities';
END;
CREATE TRIGGER facility_stat_move AFTER UPDATE OF lon, lat ON facility BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'facilities';
END;
CREATE TRIGGER facility_stat_delete AFTER DELETE ON facility BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'facilities';
END;
CREATE TRIGGER source_stat_insert AFTER INSERT ON source BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'sources';
END;
CREATE TRIGGER source_stat_move AFTER UPDATE OF lon, lat ON source BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'sources';
END;
CREATE TRIGGER source_stat_delete AFTER DELETE ON source BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'sources';
END;
CREATE TRIGGER device_stat_insert AFTER INSERT ON device BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'devices';
END;
CREATE TRIGGER device_stat_move AFTER UPDATE OF lon, lat ON device BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'devices';
END;
CREATE TRIGGER device_stat_delete AFTER DELETE ON device BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'devices';
END;
