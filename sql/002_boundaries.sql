-- 002_boundaries: administrative and national boundaries for the basemap and for statistics by
-- area. Wards and provinces were redrawn on 1 July 2025, so every boundary carries the period it was
-- valid (valid_to NULL: still valid).
CREATE TABLE boundary (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  name_en TEXT,
  level TEXT NOT NULL CHECK (level IN ('country','province','ward','other')),
  code TEXT,
  valid_from TEXT,
  valid_to TEXT,
  source TEXT,              -- where the geometry came from (file, dataset and its licence)
  search_key TEXT NOT NULL DEFAULT '',
  min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
SELECT AddGeometryColumn('boundary', 'geom', 4326, 'MULTIPOLYGON', 'XY', 1);
SELECT CreateSpatialIndex('boundary', 'geom');
CREATE INDEX boundary_level ON boundary(level);
INSERT INTO layer_stat(layer) VALUES ('boundaries');
CREATE TRIGGER boundary_stat_insert AFTER INSERT ON boundary BEGIN
  UPDATE layer_stat SET feature_count = feature_count + 1,
    min_lon = min(coalesce(min_lon, NEW.min_lon), NEW.min_lon), max_lon = max(coalesce(max_lon, NEW.max_lon), NEW.max_lon),
    min_lat = min(coalesce(min_lat, NEW.min_lat), NEW.min_lat), max_lat = max(coalesce(max_lat, NEW.max_lat), NEW.max_lat)
  WHERE layer = 'boundaries';
END;
CREATE TRIGGER boundary_stat_delete AFTER DELETE ON boundary BEGIN
  UPDATE layer_stat SET feature_count = feature_count - 1 WHERE layer = 'boundaries';
END;
