-- 003_receptors: sensitive sites (receptors) that emergency planners must know about around an
-- incident: schools and kindergartens, hospitals, markets, drinking-water intakes, stadiums,
-- shopping centres, places of worship. They come from GIS files (import), the API, or the demo
-- generator. Like the other point layers they keep lon/lat beside the geometry (every writer sets
-- both) and are counted in layer_stat by triggers.
CREATE TABLE receptor (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ('school','kindergarten','hospital','market',
    'water_intake','stadium','shopping_centre','religious_site','other')),
  capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),   -- people present at a busy time
  address TEXT,
  ward TEXT,                 -- 2025 ward or commune
  lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
  lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
  search_key TEXT NOT NULL DEFAULT '',   -- folded name, address, ward
  record_owner TEXT NOT NULL DEFAULT 'department' CHECK (record_owner IN ('department','varans')),
  external_ref TEXT,
  legacy_system TEXT,
  legacy_id TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
SELECT AddGeometryColumn('receptor', 'geom', 4326, 'POINT', 'XY', 1);
SELECT CreateSpatialIndex('receptor', 'geom');
CREATE INDEX receptor_kind ON receptor(kind);
CREATE INDEX receptor_ward ON receptor(ward);

INSERT INTO layer_stat(layer) VALUES ('receptors');
CREATE TRIGGER receptor_stat_insert AFTER INSERT ON receptor BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'receptors';
END;
CREATE TRIGGER receptor_stat_move AFTER UPDATE OF lon, lat ON receptor BEGIN
  UPDATE layer_stat SET
    min_lon = min(coalesce(min_lon, NEW.lon), NEW.lon), max_lon = max(coalesce(max_lon, NEW.lon), NEW.lon),
    min_lat = min(coalesce(min_lat, NEW.lat), NEW.lat), max_lat = max(coalesce(max_lat, NEW.lat), NEW.lat)
  WHERE layer = 'receptors';
END;
CREATE TRIGGER receptor_stat_delete AFTER DELETE ON receptor BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'receptors';
END;
