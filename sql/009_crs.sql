-- Coordinate reference systems kept as data (geo/crs.h): VN-2000 TM-3 zones that an administrator
-- defines by central meridian, and the ONE VN-2000 to WGS 84 transformation every VN-2000 position
-- goes through (meta 'crs_transformation': EPSG:NNNN, a '+proj=helmert ...' step or a
-- '+proj=pipeline ...'; absent: EPSG:6960, the national parameters of Decision 05/2007/QĐ-BTNMT).
-- The service area stays meta 'service_area' (W,S,E,N; absent: Viet Nam with its islands).

-- A zone is scale factor 0.9999, false easting 500 000 m on VN-2000, the TM-3 convention; only the
-- central meridian (whole arc-minutes east: 106°45' = 6405) and a name differ. AUTOINCREMENT so that
-- a removed zone's id never names another zone.
CREATE TABLE crs_zone (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  meridian_minutes INTEGER NOT NULL UNIQUE CHECK (meridian_minutes BETWEEN 6000 AND 7200),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_by TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

-- Servers and commands re-read the zones and the transformation when meta 'crs_version' changes
-- (one indexed read per request that names a CRS). These triggers change it on every write that
-- matters, whoever makes it (the server, `radmap crs`, plain SQL); a random value, so that a
-- restored database never looks unchanged.
CREATE TRIGGER crs_zone_version_insert AFTER INSERT ON crs_zone BEGIN
  INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_version', lower(hex(randomblob(8))));
END;
CREATE TRIGGER crs_zone_version_update AFTER UPDATE ON crs_zone BEGIN
  INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_version', lower(hex(randomblob(8))));
END;
CREATE TRIGGER crs_zone_version_delete AFTER DELETE ON crs_zone BEGIN
  INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_version', lower(hex(randomblob(8))));
END;
CREATE TRIGGER crs_transformation_version_insert AFTER INSERT ON meta WHEN NEW.key = 'crs_transformation' BEGIN
  INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_version', lower(hex(randomblob(8))));
END;
CREATE TRIGGER crs_transformation_version_update AFTER UPDATE ON meta WHEN NEW.key = 'crs_transformation' BEGIN
  INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_version', lower(hex(randomblob(8))));
END;
CREATE TRIGGER crs_transformation_version_delete AFTER DELETE ON meta WHEN OLD.key = 'crs_transformation' BEGIN
  INSERT OR REPLACE INTO meta(key, value) VALUES ('crs_version', lower(hex(randomblob(8))));
END;
