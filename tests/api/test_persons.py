"""
Persons (issue 10): the people who work with radiation are personal data. They are readable by the
licensing, inspector, leader and admin roles only, through their own routes; every read is
read-logged; lists and exports mask identity numbers except for admins; and no public or viewer
channel (collections, items, search, tiles, statistics, proximity, nearest) carries a person's name
or identity number, nor a facility's compliance reason a person's name. Also: writing persons with
validation and If-Match, their roles, worker certificates, and the retention rule on deletion.
"""
import os
import sqlite3
import time

import pytest
import requests

from conftest import Server, TODAY, problem, radmap_env, run_radmap

ROLES = ["viewer", "inspector", "planner", "counter", "licensing", "leader", "admin"]
JSON = {"Content-Type": "application/json"}
NAME = "Quách Thị Xuyến Zyx"
NAME_FOLDED = "quach thi xuyen zyx"
IDENT = "079186424242"


class Register:
    def __init__(self, workdir, name):
        self.db = os.path.join(workdir, name)
        run_radmap("init", self.db, "--demo")
        self.tokens = {}
        for role in ROLES:
            p = run_radmap("user", "add", self.db, "per-" + role, "--role", role)
            self.tokens[role] = p.stdout.strip().splitlines()[-1].strip()
        self.server = Server(self.db, workdir, env=radmap_env(), args=["--public", "on"])
        self.url = self.server.url
        self.http = requests.Session()

    def req(self, method, path, role="admin", headers=None, **kw):
        h = dict(headers or {})
        if role:
            h["Authorization"] = "Bearer " + self.tokens[role]
        kw.setdefault("timeout", 120)
        return self.http.request(method, self.url + path, headers=h, **kw)

    def get(self, path, role="admin", **kw):
        return self.req("GET", path, role, **kw)

    def ok(self, method, path, role="admin", status=200, **kw):
        r = self.req(method, path, role, **kw)
        assert r.status_code == status, "%s %s as %s -> %d %s" % (method, path, role, r.status_code, r.text[:500])
        return r

    def rows(self, sql, args=()):
        c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()


@pytest.fixture(scope="module")
def reg(workdir):
    r = Register(workdir, "persons.db")
    yield r
    r.http.close()
    assert r.server.stop() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def person(reg):
    """A person with a distinctive name at a public medical X-ray facility, with a health check that
    is overdue (so the facility's compliance reason is about this person), and dose records."""
    feats = reg.ok("GET", "/collections/facilities/items", None, params={"practice": "medical_xray",
                                                                         "status": "operating",
                                                                         "limit": 50}).json()["features"]
    fac = feats[7]
    fid = fac["id"]
    r = reg.ok("POST", "/persons", "licensing", 201, headers=JSON, json={
        "full_name": NAME, "birth_date": "1986-02-14", "identity_no": IDENT, "phone": "0903 111 222",
        "email": "xuyen@example.vn", "address": "12 Lê Lợi"})
    pid = r.json()["id"]
    assert r.headers["ETag"] == '"v1"'
    role = reg.ok("POST", "/persons/%d/roles" % pid, "licensing", 201, headers=JSON, json={
        "facility_id": fid, "role": "radiation_worker", "start_date": "2020-03-01"}).json()
    reg.ok("POST", "/persons/%d/health-checks" % pid, "licensing", 201, headers=JSON, json={
        "check_date": "2024-01-10", "result": "fit", "provider": "Bệnh viện Bệnh Nghề nghiệp"})
    reg.ok("POST", "/persons/%d/doses" % pid, "licensing", 201, headers=JSON, json={
        "facility_id": fid, "period_start": "2026-01-01", "period_end": "2026-03-31", "hp10_msv": 0.08})
    return {"id": pid, "facility": fid, "lon": fac["geometry"]["coordinates"][0],
            "lat": fac["geometry"]["coordinates"][1], "role": role["id"]}


def secret_in(text):
    low = text.lower()
    return NAME in text or NAME_FOLDED in low or IDENT in text or "xuyen@example.vn" in low or "0903 111 222" in text


# --- who may read -------------------------------------------------------------------------------------------

def test_roles_that_see_persons(reg, person):
    pid = person["id"]
    for role in ("inspector", "licensing", "leader", "admin"):
        r = reg.ok("GET", "/persons/%d" % pid, role)
        assert r.json()["full_name"] == NAME and r.json()["identity_no"] == IDENT
        assert reg.ok("GET", "/persons", role, params={"q": "xuyen zyx"}).json()["numberMatched"] == 1
    for role in ("planner", "counter", "viewer"):
        for path in ("/persons", "/persons/%d" % pid, "/persons/%d/doses" % pid, "/persons/%d/roles" % pid,
                     "/persons/%d/health-checks" % pid, "/persons/%d/trainings" % pid,
                     "/persons/%d/certificates" % pid, "/facilities/%d/persons" % person["facility"],
                     "/person-roles/%d" % person["role"]):
            r = reg.get(path, role)
            assert r.status_code == 403, (role, path, r.status_code)
            assert not secret_in(r.text)
    r = reg.get("/persons/%d" % pid, None)
    assert r.status_code == 401 and not secret_in(r.text)
    # Writes: licensing and admin only.
    for role in ("inspector", "leader", "planner"):
        r = reg.req("POST", "/persons", role, headers=JSON, json={"full_name": "Không được"})
        assert r.status_code == 403, role


def test_reads_are_logged(reg, person):
    pid = person["id"]
    before = reg.rows("SELECT count(*) FROM read_log WHERE collection = 'persons'")[0][0]
    reg.ok("GET", "/persons/%d" % pid, "inspector")
    reg.ok("GET", "/persons/%d/doses" % pid, "inspector")
    reg.ok("GET", "/facilities/%d/persons" % person["facility"], "leader")
    reg.ok("GET", "/facilities/%d/compliance" % person["facility"], "inspector")
    deadline = time.monotonic() + 10
    rows = []
    while time.monotonic() < deadline:
        rows = reg.rows("SELECT user_name, route, ids FROM read_log WHERE collection = 'persons' AND id > "
                        "(SELECT coalesce(max(id), 0) - 50 FROM read_log) ORDER BY id")
        if len(rows) >= 4 and reg.rows("SELECT count(*) FROM read_log WHERE collection = 'persons'")[0][0] >= \
                before + 4:
            break
        time.sleep(0.2)
    users = {u for u, _, _ in rows}
    assert {"per-inspector", "per-leader"} <= users, rows
    assert any(str(pid) in ids.split(",") or ids == str(pid) for _, _, ids in rows), rows


# --- masking and export -------------------------------------------------------------------------------------

def test_identity_numbers_masked_except_for_admins(reg, person):
    r = reg.ok("GET", "/persons", "licensing", params={"identity_no": IDENT}).json()
    assert r["numberMatched"] == 1 and r["persons"][0]["identity_no"] == "*********242"
    assert r["identity_numbers_masked"] is True
    r = reg.ok("GET", "/persons", "admin", params={"identity_no": IDENT}).json()
    assert r["persons"][0]["identity_no"] == IDENT and r["identity_numbers_masked"] is False
    fp = reg.ok("GET", "/facilities/%d/persons" % person["facility"], "inspector").json()
    me = next(x for x in fp["roles"] if x["person_id"] == person["id"])
    assert me["identity_no"] == "*********242" and me["full_name"] == NAME
    # The export leaves the column out for everyone but admins.
    csv = reg.ok("GET", "/persons", "licensing", params={"f": "csv", "q": "zyx"})
    assert csv.headers["Content-Type"].startswith("text/csv")
    head, row = csv.text.splitlines()[:2]
    assert "identity_no" not in head and IDENT not in csv.text and NAME in row
    csv = reg.ok("GET", "/persons", "admin", params={"f": "csv", "q": "zyx"})
    assert "identity_no" in csv.text.splitlines()[0] and IDENT in csv.text
    problem(reg.req("GET", "/persons", "admin", params={"f": "xml"}), 400)


# --- absent from public and viewer channels ---------------------------------------------------------------

def test_persons_absent_from_public_and_viewer_channels(reg, person):
    from authutil import decode_mvt, lonlat_to_tile
    fid, lon, lat = person["facility"], person["lon"], person["lat"]
    # The facility's compliance is about this person (the overdue health check), by id at most.
    p = reg.ok("GET", "/collections/facilities/items/%d" % fid, "inspector").json()["properties"]
    assert p["compliance_status"] in ("overdue", "missing")
    assert not secret_in(p["compliance_reason"] or "")
    for role in (None, "viewer", "counter", "planner"):
        bodies = []
        r = reg.get("/collections", role)
        assert r.status_code == 200
        ids = {c["id"] for c in r.json()["collections"]}
        assert not {"persons", "person", "dose_records", "people"} & ids
        # Searching for the person finds nothing (the answer echoes the query in its links).
        for q in ("xuyen zyx", IDENT, NAME):
            found = reg.get("/collections/facilities/items", role, params={"q": q}).json()
            assert found["numberMatched"] == 0 and not found["features"], (role, q)
        for path, params in (("/collections/facilities/items", {"limit": 10000}),
                             ("/collections/facilities/items/%d" % fid, {}),
                             ("/proximity", {"lon": lon, "lat": lat, "radius": 3000}),
                             ("/nearest", {"lon": lon, "lat": lat, "k": 10}),
                             ("/stats/register", {}),
                             ("/alerts", {}),
                             ("/tiles/facilities.json", {})):
            r = reg.get(path, role, params=params)
            assert r.status_code in (200, 404), (role, path, r.status_code, r.text[:200])
            bodies.append((path, r.text))
        if role == "planner":
            for path in ("/facilities/%d/compliance" % fid, "/facilities/%d/dose-summary" % fid):
                r = reg.get(path, role)
                assert r.status_code == 200, (path, r.text[:200])
                bodies.append((path, r.text))
            bodies.append(("checklist", reg.get("/facilities/%d/compliance" % fid, role, params={"f": "html"}).text))
        for z in (8, 12, 14, 16, 18):
            x, y = lonlat_to_tile(z, lon, lat)
            r = reg.get("/tiles/facilities/%d/%d/%d.mvt" % (z, x, y), role)
            assert r.status_code in (200, 204)
            assert IDENT.encode() not in r.content and NAME.encode() not in r.content
            if r.status_code == 200:
                for feats in decode_mvt(r.content, z, x, y).values():
                    for ft in feats:
                        assert not secret_in(" ".join(str(v) for v in ft["props"].values()))
        for path, text in bodies:
            assert not secret_in(text), (role, path)


# --- writing persons --------------------------------------------------------------------------------------

def test_person_writes(reg, person):
    pid = person["id"]
    # Every bad field at once.
    r = reg.req("POST", "/persons", "licensing", headers=JSON, json={
        "full_name": "", "birth_date": "2030-01-01", "email": "not-mail", "identity_no": "07 9", "shoe_size": 42})
    body = problem(r, 422)
    assert {"full_name", "birth_date", "email", "identity_no", "shoe_size"} <= {e["field"] for e in body["errors"]}
    # An identity number belongs to one person.
    problem(reg.req("POST", "/persons", "licensing", headers=JSON, json={"full_name": "Trùng Số", "identity_no": IDENT}),
            422, "person %d" % pid)
    # If-Match.
    problem(reg.req("PATCH", "/persons/%d" % pid, "licensing", headers=JSON, json={"phone": "1"}), 428)
    etag = reg.get("/persons/%d" % pid, "licensing").headers["ETag"]
    problem(reg.req("PATCH", "/persons/%d" % pid, "licensing", headers={"If-Match": '"v99"', **JSON},
                    json={"phone": "1"}), 412)
    r = reg.ok("PATCH", "/persons/%d" % pid, "licensing", headers={"If-Match": etag, **JSON},
               json={"note": "đã đối chiếu CCCD"})
    assert r.json()["note"] == "đã đối chiếu CCCD" and r.json()["full_name"] == NAME
    audit = reg.rows("SELECT action FROM audit WHERE collection = 'persons' AND feature_id = ? ORDER BY id", (pid,))
    assert [a for (a,) in audit] == ["create", "update"]
    # Roles: periods that overlap, or end before they start, are refused.
    problem(reg.req("POST", "/persons/%d/roles" % pid, "licensing", headers=JSON, json={
        "facility_id": person["facility"], "role": "radiation_worker", "start_date": "2024-01-01"}), 422, "overlaps")
    problem(reg.req("POST", "/persons/%d/roles" % pid, "licensing", headers=JSON, json={
        "facility_id": person["facility"], "role": "safety_officer", "start_date": "2024-01-01",
        "end_date": "2023-01-01"}), 422, "end_date")
    problem(reg.req("POST", "/persons/%d/roles" % pid, "licensing", headers=JSON, json={
        "facility_id": 99999999, "role": "safety_officer", "start_date": "2024-01-01"}), 422, "facility_id")
    roles = reg.ok("GET", "/persons/%d/roles" % pid, "inspector").json()
    assert roles["numberReturned"] == 1 and roles["roles"][0]["facility_id"] == person["facility"]
    # Health check defaults: next due a year after.
    hc = reg.ok("POST", "/persons/%d/health-checks" % pid, "licensing", 201, headers=JSON,
                json={"check_date": "2026-05-02", "result": "fit"}).json()
    assert hc["next_due"] == "2027-05-02"
    tr = reg.ok("POST", "/persons/%d/trainings" % pid, "licensing", 201, headers=JSON, json={
        "course": "Đào tạo an toàn bức xạ trong X-quang y tế", "completed": "2025-03-01", "hours": 24,
        "valid_until": "2030-02-28"}).json()
    assert tr["valid_until"] == "2030-02-28"
    problem(reg.req("POST", "/persons/%d/trainings" % pid, "licensing", headers=JSON, json={
        "course": "x", "completed": "2025-03-01", "valid_until": "2024-01-01"}), 422, "valid_until")


def test_certificates(reg, person):
    pid = person["id"]
    rows = reg.rows("SELECT a.id FROM authorization a WHERE a.kind = 'worker_certificate' AND NOT EXISTS (SELECT 1 "
                    "FROM person_certificate pc WHERE pc.authorization_id = a.id) AND (a.person_ref IS NULL OR "
                    "a.person_ref NOT IN (SELECT identity_no FROM person WHERE identity_no IS NOT NULL)) ORDER BY a.id "
                    "LIMIT 1")
    assert rows, "the demo has no unlinked worker certificate"
    aid = rows[0][0]
    r = reg.ok("POST", "/persons/%d/certificates" % pid, "licensing", 201, headers=JSON,
               json={"authorization_id": aid})
    certs = r.json()["certificates"]
    assert [c["authorization_id"] for c in certs if c["matched_by"] == "link"] == [aid]
    other = reg.ok("POST", "/persons", "licensing", 201, headers=JSON, json={"full_name": "Người Khác"}).json()["id"]
    problem(reg.req("POST", "/persons/%d/certificates" % other, "licensing", headers=JSON,
                    json={"authorization_id": aid}), 422, "linked to person %d" % pid)
    lic = reg.rows("SELECT id FROM authorization WHERE kind = 'licence' LIMIT 1")[0][0]
    problem(reg.req("POST", "/persons/%d/certificates" % other, "licensing", headers=JSON,
                    json={"authorization_id": lic}), 422, "not a worker certificate")
    reg.ok("DELETE", "/persons/%d/certificates/%d" % (pid, aid), "licensing", 204)
    assert not reg.ok("GET", "/persons/%d/certificates" % pid, "inspector").json()["certificates"]
    problem(reg.req("DELETE", "/persons/%d/certificates/%d" % (pid, aid), "licensing"), 404)
    # A person without dose records may be deleted, with their roles.
    etag = reg.get("/persons/%d" % other).headers["ETag"]
    reg.ok("DELETE", "/persons/%d" % other, "licensing", 204, headers={"If-Match": etag})
    problem(reg.req("GET", "/persons/%d" % other, "licensing"), 404)


def test_dose_records_are_kept(reg, person):
    pid = person["id"]
    etag = reg.get("/persons/%d" % pid).headers["ETag"]
    body = problem(reg.req("DELETE", "/persons/%d" % pid, "licensing", headers={"If-Match": etag}), 409,
                   "dose records")
    assert "2061-02-14" in body["detail"]  # 75 years old, later than 30 years after the last record
    assert reg.ok("GET", "/persons/%d" % pid, "inspector").json()["id"] == pid
