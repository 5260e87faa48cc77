"""
The audit trail (issue 4): one hash-chained row per write with the feature before and after and no
secrets; UPDATE and DELETE refused by triggers; `radmap audit verify` passing an untouched register
and catching rows changed, removed or appended behind the server's back (the database file edited
directly); GET .../history newest first, for the licensing, leader and admin roles only, kept
after the feature is deleted.
"""
import hashlib
import json
import re
import sqlite3
import struct
import threading

import pytest
import requests

from authutil import ROLES, Realm, au_demo, connect, problem, run_radmap, table_rows  # noqa: F401

GEO = {"Content-Type": "application/geo+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture(scope="module")
def au(au_demo):
    r = Realm(au_demo, name="audit.db")
    yield r
    assert r.close() == 0, r.server.stderr()


def facility(code, lon=106.70, lat=10.78, name="Cơ sở kiểm toán"):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"code": code, "name": name, "practice": "medical_xray"}}


@pytest.fixture(scope="module")
def story(au):
    """A facility kept; another created, patched, replaced and deleted; a source created. Their ids
    and the answers."""
    out = {}
    # A facility that stays, with a source.
    r = au.request("POST", "/collections/facilities/items", "admin", json=facility("AUD-2"), headers=GEO)
    out["kept"] = r.json()["id"]
    r = au.request("POST", "/collections/facilities/items", "licensing", json=facility("AUD-1"), headers=GEO)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    out["created"] = r.json()
    etag = r.headers["ETag"]
    # Another after it, so that the one deleted below is not the newest row of its table.
    r = au.request("POST", "/collections/facilities/items", "admin", json=facility("AUD-3"), headers=GEO)
    assert r.status_code == 201
    r = au.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing", json={"properties": {"name": "Đổi"}},
                   headers=dict(MERGE, **{"If-Match": etag}))
    assert r.status_code == 200
    out["patched"] = r.json()
    body = facility("AUD-1b", 106.71, 10.79, "Thay thế")
    body["id"] = fid
    r = au.request("PUT", "/collections/facilities/items/%d" % fid, "admin", json=body,
                   headers=dict(GEO, **{"If-Match": r.headers["ETag"]}))
    assert r.status_code == 200, r.text
    out["replaced"] = r.json()
    r = au.request("DELETE", "/collections/facilities/items/%d" % fid, "licensing", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204
    out["facility"] = fid
    r = au.request("POST", "/collections/sources/items", "licensing", headers=GEO,
                   json={"type": "Feature", "geometry": None,
                         "properties": {"facility_id": out["kept"], "nuclide": "Ir-192", "activity_bq": 3.7e12,
                                        "reference_date": "2026-05-01", "serial_no": "AUD-S1", "manufacturer": "QSA",
                                        "model": "880"}})
    assert r.status_code == 201, r.text
    out["source"] = r.json()["id"]
    return out


def history(au, coll, fid, role="licensing"):
    return au.get("/collections/%s/items/%d/history" % (coll, fid), role)


def test_history_newest_first(au, story):
    r = history(au, "facilities", story["facility"])
    assert r.status_code == 200, r.text
    doc = r.json()
    changes = doc["changes"]
    assert [c["action"] for c in changes] == ["delete", "replace", "update", "create"]
    assert [c["user"] for c in changes] == ["demo.licensing", "demo.admin", "demo.licensing", "demo.licensing"]
    ids = [c["audit_id"] for c in changes]
    assert ids == sorted(ids, reverse=True)
    ats = [c["at"] for c in changes]
    assert ats == sorted(ats, reverse=True)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", a) for a in ats)
    # Before and after are the feature as it was.
    assert changes[3]["before"] is None and changes[3]["after"]["properties"] == story["created"]["properties"]
    assert changes[2]["before"]["properties"]["name"] == "Cơ sở kiểm toán"
    assert changes[2]["after"]["properties"] == story["patched"]["properties"]
    assert changes[1]["after"]["properties"] == story["replaced"]["properties"]
    assert changes[1]["after"]["geometry"]["coordinates"] == [106.71, 10.79]
    assert changes[0]["after"] is None and changes[0]["before"]["properties"] == story["replaced"]["properties"]


def test_history_kept_after_delete(au, story):
    problem(au.get("/collections/facilities/items/%d" % story["facility"], "licensing"), 404)
    assert history(au, "facilities", story["facility"], "admin").status_code == 200


def test_deleted_ids_are_not_reused(au, story):
    """A new feature must not take the id of a deleted one: its history (and every link, cache and
    report that named the old id) would otherwise mix two features."""
    r = au.request("POST", "/collections/facilities/items", "licensing", json=facility("AUD-REUSE-1"), headers=GEO)
    a = r.json()["id"]
    r = au.request("DELETE", "/collections/facilities/items/%d" % a, "licensing", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204
    r = au.request("POST", "/collections/facilities/items", "licensing", json=facility("AUD-REUSE-2"), headers=GEO)
    b = r.json()["id"]
    assert b != a, "the new facility took id %d of the deleted one" % a
    assert [c["action"] for c in history(au, "facilities", b).json()["changes"]] == ["create"]


def test_history_roles(au, story):
    path = "/collections/sources/items/%d/history" % story["source"]
    for role in ROLES:
        r = au.get(path, role)
        if role in ("licensing", "leader", "admin"):
            assert r.status_code == 200, (role, r.text)
            assert [c["action"] for c in r.json()["changes"]] == ["create"]
        else:
            problem(r, 403)
    problem(requests.get(au.url + path), 401)


def test_history_of_unchanged_or_unknown(au, story):
    problem(history(au, "facilities", 3), 404)
    problem(au.get("/collections/nothing/items/1/history", "licensing"), 404)
    problem(au.get("/collections/facilities/items/abc/history", "licensing"), 404)


def test_no_secrets_in_audit_rows(au, story, au_demo):
    tokens = [au.token(r) for r in ("licensing", "admin")]
    rows = table_rows(au.db, "SELECT * FROM audit")
    blob = json.dumps(rows, ensure_ascii=False)
    assert len(rows) >= 6
    assert "$argon2" not in blob and "password" not in blob.lower()
    for t in tokens:
        assert t not in blob and hashlib.blake2b(t.encode(), digest_size=32).hexdigest() not in blob
    for name, pw in au_demo.accounts.values():
        assert pw not in blob
    assert not re.search(r"rm_[A-Za-z0-9_-]{43}", blob)
    # Nor in what the history endpoint shows.
    r = history(au, "facilities", story["facility"])
    assert "$argon2" not in r.text and not re.search(r"rm_[A-Za-z0-9_-]{43}", r.text)


def test_triggers_refuse_update_and_delete(au, story):
    c = connect(au.db, readonly=False)
    try:
        n = c.execute("SELECT count(*) FROM audit").fetchone()[0]
        for sql in ("UPDATE audit SET user_name = 'nobody'", "UPDATE audit SET before_json = NULL WHERE id = 1",
                    "DELETE FROM audit", "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)"):
            with pytest.raises(sqlite3.DatabaseError) as e:
                c.execute(sql)
            assert "append-only" in str(e.value)
            c.rollback()
        assert c.execute("SELECT count(*) FROM audit").fetchone()[0] == n
    finally:
        c.close()


def row_hash(prev, at, user, action, coll, fid, import_id, before, after):
    """The chain hash as db/audit.h documents it: BLAKE2b-256 over each field as its byte length
    (int64, host order) and bytes, a NULL as length -1."""
    h = hashlib.blake2b(digest_size=32)
    for s in (prev, at, user, action, coll, str(fid), import_id, before, after):
        if s is None:
            h.update(struct.pack("=q", -1))
        else:
            b = s.encode("utf-8")
            h.update(struct.pack("=q", len(b)))
            h.update(b)
    return h.hexdigest()


def test_chain_is_as_documented(au, story):
    rows = table_rows(au.db, "SELECT id, at, user_name, action, collection, feature_id, import_id, before_json, "
                             "after_json, prev_hash, hash FROM audit ORDER BY id")
    prev = "0" * 64
    for r in rows:
        assert r[9] == prev, "row %d does not chain" % r[0]
        assert r[10] == row_hash(prev, *r[1:9]), "row %d hash" % r[0]
        prev = r[10]
    (head,), = table_rows(au.db, "SELECT value FROM meta WHERE key = 'audit_head'")
    assert head == prev


def copy_db(au, tmp_path, name):
    """A consistent copy of the live register (SQLite's online backup)."""
    dst = str(tmp_path / name)
    src = sqlite3.connect("file:%s?mode=ro" % au.db, uri=True)
    out = sqlite3.connect(dst)
    src.backup(out)
    out.close()
    src.close()
    return dst


def verify(path):
    return run_radmap("audit", "verify", path, check=False)


def test_verify_untouched(au, story, tmp_path):
    p = verify(au.db)  # the live file, while the server runs
    assert p.returncode == 0, p.stdout + p.stderr
    assert "intact" in p.stdout
    n = table_rows(au.db, "SELECT count(*) FROM audit")[0][0]
    assert re.search(r"\b%d rows" % n, p.stdout), p.stdout
    p = verify(copy_db(au, tmp_path, "copy.db"))
    assert p.returncode == 0, p.stdout


def tamper(path, *sql):
    """Edit the file directly, as someone with the file but not the server would: drop the triggers
    that protect the table, then change it."""
    c = sqlite3.connect(path)
    c.execute("DROP TRIGGER audit_no_update")
    c.execute("DROP TRIGGER audit_no_delete")
    for s in sql:
        c.execute(s)
    c.commit()
    c.close()


def middle_id(path):
    ids = [r[0] for r in table_rows(path, "SELECT id FROM audit ORDER BY id")]
    assert len(ids) >= 5
    return ids[len(ids) // 2], ids


def assert_broken(p, row_id):
    assert p.returncode == 1, "verify passed a tampered trail:\n" + p.stdout + p.stderr
    assert "BROKEN" in p.stdout, p.stdout
    if row_id is not None:
        assert re.search(r"\brow %d\b" % row_id, p.stdout), "the report does not name row %d: %s" % (row_id, p.stdout)


def test_verify_catches_changed_before_json(au, story, tmp_path):
    path = copy_db(au, tmp_path, "changed.db")
    mid, _ = middle_id(path)
    tamper(path, "UPDATE audit SET before_json = replace(coalesce(before_json, '{}'), 'a', 'b') WHERE id = %d" % mid)
    assert_broken(verify(path), mid)


def test_verify_catches_changed_after_json(au, story, tmp_path):
    path = copy_db(au, tmp_path, "changed-after.db")
    mid, ids = middle_id(path)
    tamper(path, "UPDATE audit SET after_json = NULL WHERE id = %d" % ids[0])
    assert_broken(verify(path), ids[0])


def test_verify_catches_changed_user(au, story, tmp_path):
    path = copy_db(au, tmp_path, "user.db")
    _, ids = middle_id(path)
    tamper(path, "UPDATE audit SET user_name = 'someone.else' WHERE id = %d" % ids[1])
    assert_broken(verify(path), ids[1])


def test_verify_catches_deleted_middle_row(au, story, tmp_path):
    path = copy_db(au, tmp_path, "deleted.db")
    mid, ids = middle_id(path)
    tamper(path, "DELETE FROM audit WHERE id = %d" % mid)
    assert_broken(verify(path), ids[ids.index(mid) + 1])


def test_verify_catches_deleted_newest_row(au, story, tmp_path):
    path = copy_db(au, tmp_path, "newest.db")
    tamper(path, "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    assert_broken(verify(path), None)


def test_verify_catches_rehashed_row(au, story, tmp_path):
    """Changing a row and recomputing its own hash still breaks the link to the next row."""
    path = copy_db(au, tmp_path, "rehashed.db")
    mid, ids = middle_id(path)
    r = table_rows(path, "SELECT id, at, user_name, action, collection, feature_id, import_id, before_json, "
                         "after_json, prev_hash FROM audit WHERE id = ?", (mid,))[0]
    forged_user = "forger"
    h = row_hash(r[9], r[1], forged_user, r[3], r[4], r[5], r[6], r[7], r[8])
    tamper(path, "UPDATE audit SET user_name = '%s', hash = '%s' WHERE id = %d" % (forged_user, h, mid))
    assert_broken(verify(path), ids[ids.index(mid) + 1])


def test_verify_catches_appended_row(au, story, tmp_path):
    """A row appended behind the server's back, even correctly chained, does not match the recorded head."""
    path = copy_db(au, tmp_path, "appended.db")
    (prev,), = table_rows(path, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
    at = "2026-06-15T01:02:03.004Z"
    h = row_hash(prev, at, "intruder", "delete", "sources", 1, None, "{}", None)
    c = sqlite3.connect(path)
    c.execute("INSERT INTO audit(at, user_name, action, collection, feature_id, import_id, before_json, after_json, "
              "prev_hash, hash) VALUES (?, 'intruder', 'delete', 'sources', 1, NULL, '{}', NULL, ?, ?)", (at, prev, h))
    c.commit()
    c.close()
    assert_broken(verify(path), None)


def test_concurrent_writes_keep_the_chain(au, story):
    tok = au.token("licensing")
    codes = []

    def make(i):
        r = requests.post(au.url + "/collections/facilities/items", json=facility("AUD-C%d" % i, 106.6 + i * 1e-3),
                          headers=dict(GEO, Authorization="Bearer " + tok))
        codes.append(r.status_code)

    threads = [threading.Thread(target=make, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [201] * 12
    p = verify(au.db)
    assert p.returncode == 0, p.stdout + p.stderr
