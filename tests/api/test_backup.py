"""
Backups and restores (issue 9): `radmap backup DB OUT` copies a live register consistently while
the server serves and writes; `radmap restore BACKUP DB` checks the backup (integrity, audit chain,
schema version), keeps what it replaces, records itself in the audit trail, and a server running
on DB sees the restored content at once and drops its cached tiles.
"""
import json
import os
import shutil
import sqlite3
import threading
import time

import pytest
import requests

from authutil import Realm, au_demo, decode_mvt, lonlat_to_tile, run_radmap  # noqa: F401

FAC = "/collections/facilities/items"
GEO = {"Content-Type": "application/geo+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture(scope="module")
def bk(au_demo):
    r = Realm(au_demo, threads=2, name="backup.db")
    r.tok = r.bearer("backup.licensing", "licensing")
    yield r
    assert r.close() == 0, r.server.stderr()


def auth(tok):
    return {"Authorization": "Bearer " + tok}


def feature(code, lon=106.70, lat=10.78, name=None):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"code": code, "name": name or "Cơ sở " + code, "practice": "medical_xray"}}


def consistent(db):
    """Check a register file on its own: integrity, audit chain, and that each facility's newest audit
    row holds its current name and version. Returns {code: (id, name, version)} of BK- facilities."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        last = {}
        for fid, action, after in c.execute("SELECT feature_id, action, after_json FROM audit WHERE collection = "
                                            "'facilities' ORDER BY id"):
            last[fid] = (action, json.loads(after) if after else None)
        rows = {}
        for fid, code, name, version in c.execute("SELECT id, code, name, version FROM facility "
                                                  "WHERE code LIKE 'BK-%'"):
            action, after = last[fid]
            assert action != "delete"
            assert (after["properties"]["name"], after["properties"]["version"]) == (name, version), (code, after)
            rows[code] = (fid, name, version)
        return rows
    finally:
        c.close()


def test_backup_under_write_load_is_consistent_and_restores(bk, tmp_path):
    stop = threading.Event()
    acked = []          # (code, time acknowledged)
    errors = []

    def writer(w):
        s = requests.Session()
        s.headers.update(auth(bk.tok))
        n = 0
        while not stop.is_set():
            n += 1
            code = "BK-%d-%d" % (w, n)
            r = s.post(bk.url + FAC, json=feature(code), headers=GEO, timeout=30)
            if r.status_code != 201:
                errors.append(r.text[:300])
                return
            etag = r.headers["ETag"]
            r = s.patch(bk.url + FAC + "/%d" % r.json()["id"], json={"properties": {"name": "patched " + code}},
                        headers=dict(MERGE, **{"If-Match": etag}), timeout=30)
            if r.status_code != 200:
                errors.append(r.text[:300])
                return
            acked.append((code, time.monotonic()))
        s.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        out = str(tmp_path / "under-load.sqlite")
        t_start = time.monotonic()
        p = run_radmap("backup", bk.db, out)
        t_end = time.monotonic()
        assert "audit rows (hash chain intact), sha256 " in p.stdout, p.stdout
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    # One self-contained file: no -wal beside it is needed.
    assert not os.path.exists(out + "-wal") and not os.path.exists(out + ".tmp-%d" % os.getpid())
    alone = str(tmp_path / "alone" / "copy.sqlite")
    os.makedirs(os.path.dirname(alone))
    shutil.copyfile(out, alone)
    rows = consistent(alone)
    assert "intact" in run_radmap("audit", "verify", alone).stdout
    # Every write acknowledged before the backup began is in it, whole (created and patched).
    before = [code for code, t in acked if t < t_start]
    after = [code for code, t in acked if t > t_end]
    assert before and after, (len(before), len(after))
    for code in before:
        assert code in rows and rows[code][1] == "patched " + code, code
    for code in after:
        assert code not in rows, code

    # Restore it into the running server's register.
    c = sqlite3.connect("file:%s?mode=ro" % bk.db, uri=True)
    gone_id = c.execute("SELECT id FROM facility WHERE code = ?", (after[-1],)).fetchone()[0]
    c.close()
    kept = rows[before[0]][0]
    assert bk.get(FAC + "/%d" % gone_id, headers=auth(bk.tok)).status_code == 200
    z = 14
    x, y = lonlat_to_tile(z, 106.70, 10.78)
    tile = "/tiles/facilities/%d/%d/%d.mvt" % (z, x, y)
    ids_before = {f["id"] for f in decode_mvt(bk.get(tile, headers=auth(bk.tok)).content, z, x, y)["facilities"]}
    assert {gone_id, kept} <= ids_before
    p = run_radmap("restore", out, bk.db)
    assert "kept as" in p.stdout, p.stdout
    saved = p.stdout.split("kept as ")[1].split()[0]
    assert os.path.exists(saved)
    # The server sees it: a facility written after the backup is gone, one written before is there.
    assert bk.get(FAC + "/%d" % gone_id, headers=auth(bk.tok)).status_code == 404
    assert bk.get(FAC + "/%d" % kept, headers=auth(bk.tok)).json()["properties"]["name"] == "patched " + before[0]
    # Its tile cache was dropped: the tile shows the restored content, not the cached one.
    ids_after = {f["id"] for f in decode_mvt(bk.get(tile, headers=auth(bk.tok)).content, z, x, y)["facilities"]}
    assert kept in ids_after and gone_id not in ids_after
    # The restore is in the audit trail, which stays intact; the replaced data is kept whole.
    assert "intact" in run_radmap("audit", "verify", bk.db).stdout
    c = sqlite3.connect("file:%s?mode=ro" % bk.db, uri=True)
    try:
        action, after_json = c.execute("SELECT action, after_json FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        c.close()
    assert action == "restore"
    doc = json.loads(after_json)
    assert doc["backup"] == "under-load.sqlite" and doc["replaced"]["saved_as"] == saved
    assert after[-1] in consistent(saved)
    # Writing goes on after the restore, on top of the restored data.
    r = requests.post(bk.url + FAC, json=feature("BK-after-restore"), headers=dict(GEO, **auth(bk.tok)), timeout=30)
    assert r.status_code == 201, r.text
    assert "intact" in run_radmap("audit", "verify", bk.db).stdout


def test_restore_refuses_a_damaged_backup(bk, tmp_path):
    good = str(tmp_path / "good.sqlite")
    run_radmap("backup", bk.db, good)
    target = str(tmp_path / "target.db")
    shutil.copyfile(good, target)
    # Bytes flipped in the middle of the file.
    torn = str(tmp_path / "torn.sqlite")
    shutil.copyfile(good, torn)
    size = os.path.getsize(torn)
    with open(torn, "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))
    # An audit row changed behind the chain's back.
    forged = str(tmp_path / "forged.sqlite")
    shutil.copyfile(good, forged)
    c = sqlite3.connect(forged)
    c.execute("DROP TRIGGER audit_no_update")
    c.execute("UPDATE audit SET user_name = 'someone else' WHERE id = (SELECT min(id) FROM audit)")
    c.commit()
    c.close()
    # A schema newer than this program.
    newer = str(tmp_path / "newer.sqlite")
    shutil.copyfile(good, newer)
    c = sqlite3.connect(newer)
    c.execute("PRAGMA user_version = 999")
    c.commit()
    c.close()
    before = open(target, "rb").read()
    for path, words in ((torn, ()), (forged, ("audit",)), (newer, ("schema version 999",)),
                        (str(tmp_path / "missing.sqlite"), ("cannot be read",))):
        p = run_radmap("restore", path, target, check=False)
        assert p.returncode == 1, (path, p.stdout, p.stderr)
        assert "restore failed" in p.stderr and "unchanged" in p.stderr
        for w in words:
            assert w in p.stderr, (w, p.stderr)
        assert open(target, "rb").read() == before
    assert not [f for f in os.listdir(tmp_path) if "before-restore" in f or ".restore-" in f]


def test_backup_refuses_to_overwrite_the_database_and_restores_into_a_new_file(bk, tmp_path):
    p = run_radmap("backup", bk.db, bk.db, check=False)
    assert p.returncode == 1 and "the database itself" in p.stderr
    out = str(tmp_path / "b.sqlite")
    run_radmap("backup", bk.db, out)
    fresh = str(tmp_path / "fresh.db")
    p = run_radmap("restore", out, fresh)
    assert "kept as" not in p.stdout
    consistent(fresh)
    assert "intact" in run_radmap("audit", "verify", fresh).stdout
    # Backing up over an older backup replaces it whole.
    run_radmap("backup", bk.db, out)
    assert "intact" in run_radmap("audit", "verify", out).stdout
