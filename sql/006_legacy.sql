-- 006_legacy: migrating the registers of the three former departments (Hồ Chí Minh City, Bình
-- Dương, Bà Rịa-Vũng Tàu) and importing GIS files: the crosswalk from pre-2025 districts and wards
-- to the 2025 wards, the log of imports that audit rows point to, the record of merged duplicates,
-- and the indexes the importer's look-ups (upsert keys, legacy ids, serial numbers) need.

-- Old district and ward to the 2025 ward or commune. Loaded from geodata/admin_crosswalk.csv on the
-- first import (io/crosswalk.c) and editable afterwards; old_key is the folded, prefix-free form of
-- "province|district|ward" the importer matches ("Q.1" and "Quận 1" alike).
CREATE TABLE admin_crosswalk (
  id INTEGER PRIMARY KEY,
  old_province TEXT NOT NULL,
  old_district TEXT NOT NULL,
  old_ward TEXT NOT NULL,
  new_ward TEXT NOT NULL,
  status TEXT,               -- how far the row is checked (see geodata/README.md)
  source TEXT,
  old_key TEXT NOT NULL,
  district_key TEXT NOT NULL
);
CREATE INDEX admin_crosswalk_old ON admin_crosswalk(old_key);
CREATE INDEX admin_crosswalk_district ON admin_crosswalk(district_key);

-- One row per GIS import (radmap import, POST /imports): audit rows carry its id.
CREATE TABLE gis_import (
  id TEXT PRIMARY KEY,
  layer TEXT NOT NULL,
  file_name TEXT NOT NULL,
  user_name TEXT,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  crs TEXT,
  rows_read INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  invalid INTEGER NOT NULL DEFAULT 0,
  mapping TEXT               -- field=column lines the import used
);

-- Duplicates merged by `radmap merge`: the dropped id stays findable.
CREATE TABLE record_merge (
  id INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  kept_id INTEGER NOT NULL,
  dropped_id INTEGER NOT NULL,
  dropped_json TEXT NOT NULL,
  user_name TEXT,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX record_merge_dropped ON record_merge(collection, dropped_id);

-- Partial indexes: only rows that carry the key pay for it (a bulk import of rows without one
-- writes no index entry).
CREATE INDEX facility_legacy ON facility(legacy_id, legacy_system) WHERE legacy_id IS NOT NULL;
CREATE INDEX facility_external_ref ON facility(external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX source_legacy ON source(legacy_id, legacy_system) WHERE legacy_id IS NOT NULL;
CREATE INDEX source_external_ref ON source(external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX source_serial ON source(serial_no) WHERE serial_no IS NOT NULL;
CREATE INDEX device_legacy ON device(legacy_id, legacy_system) WHERE legacy_id IS NOT NULL;
CREATE INDEX device_external_ref ON device(external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX device_serial ON device(serial_no) WHERE serial_no IS NOT NULL;
CREATE INDEX receptor_legacy ON receptor(legacy_id, legacy_system) WHERE legacy_id IS NOT NULL;
CREATE INDEX receptor_external_ref ON receptor(external_ref) WHERE external_ref IS NOT NULL;
