-- 004_auth: sign-in tokens and the read log. Users are in app_user (001). Tokens are stored only as
-- hashes (BLAKE2b of the random token): a copy of the database gives no way in. A session comes from
-- POST /auth/login; a bearer token from `radmap user add` or `radmap user token`, for scripts.
CREATE TABLE token (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES app_user(id),
  hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('session','bearer')),
  scope TEXT NOT NULL DEFAULT 'write' CHECK (scope IN ('read','write')),
  label TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  expires_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX token_user ON token(user_id);

-- Who read which sensitive rows (sources, devices and their positions), when, through which route:
-- look-ups are logged to make data mining visible, as national source-tracking systems do.
CREATE TABLE read_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  user_name TEXT NOT NULL,
  route TEXT NOT NULL,
  collection TEXT NOT NULL,
  ids TEXT NOT NULL,          -- comma-separated ids, or a range "a-b (n rows)"
  row_count INTEGER NOT NULL
);
CREATE INDEX read_log_user_at ON read_log(user_name, at);
CREATE TRIGGER read_log_no_update BEFORE UPDATE ON read_log BEGIN SELECT RAISE(ABORT, 'read_log is append-only'); END;
CREATE TRIGGER read_log_no_delete BEFORE DELETE ON read_log BEGIN SELECT RAISE(ABORT, 'read_log is append-only'); END;
