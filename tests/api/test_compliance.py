"""
X-ray compliance (issue 10): a device's compliance_status and qc_status moving from ok to due to
overdue as RADMAP_TODAY crosses the due window and the expiry of its QC certificate, in GeoJSON,
filters, tiles and the facility's inspection summary alike; the summary's overall status equal to the
facility's property; personal dose flags exactly at and just above the investigation level, the
single-year limit and the five-year limit; an import of a dosimetry file twice that adds nothing the
second time; the printable checklist; findings linked to items; document kinds; rooms.

The server reads "today" from a file (RADMAP_TODAY=@FILE), so a test moves the date without a
restart; every test that moves it puts it back.
"""
import io
import os
import sqlite3
import time

import pytest
import requests

from conftest import Server, TODAY, problem, radmap_env, run_radmap

ROLES = ["viewer", "inspector", "planner", "counter", "licensing", "leader", "admin"]
JSON = {"Content-Type": "application/json"}


def day(s, delta=0):
    import datetime
    return (datetime.date.fromisoformat(s) + datetime.timedelta(days=delta)).isoformat()


class Register:
    """A demo register of this module's own, a server reading today from a file, a token per role."""

    def __init__(self, workdir, name):
        self.db = os.path.join(workdir, name)
        run_radmap("init", self.db, "--demo")
        self.today_file = self.db + ".today"
        self.set_today(TODAY)
        self.tokens = {}
        for role in ROLES:
            p = run_radmap("user", "add", self.db, "cmp-" + role, "--role", role)
            self.tokens[role] = p.stdout.strip().splitlines()[-1].strip()
        self.server = Server(self.db, workdir, env=radmap_env(RADMAP_TODAY="@" + self.today_file))
        self.url = self.server.url
        self.http = requests.Session()

    def set_today(self, d):
        with open(self.today_file, "w") as f:
            f.write(d + "\n")

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
    r = Register(workdir, "compliance.db")
    yield r
    r.http.close()
    assert r.server.stop() == 0, r.server.stderr()


@pytest.fixture
def today(reg):
    """Set the server's today for a test; back to TODAY afterwards."""
    yield reg.set_today
    reg.set_today(TODAY)


def device_props(reg, did, role="admin"):
    r = reg.ok("GET", "/collections/devices/items/%d" % did, role)
    return r.json()["properties"]


def facility_props(reg, fid, role="admin"):
    return reg.ok("GET", "/collections/facilities/items/%d" % fid, role).json()["properties"]


def summary(reg, fid, role="admin"):
    return reg.ok("GET", "/facilities/%d/compliance" % fid, role).json()


def items(s):
    return [it for sec in s["sections"] for it in sec["items"]]


@pytest.fixture(scope="module")
def subject(reg):
    """A general X-ray unit in a room, all in order, at a medical X-ray facility; its area survey
    renewed for 400 days so that only its QC test moves in the transitions test."""
    r = reg.ok("GET", "/collections/devices/items", params={"compliance_status": "ok", "type": "general",
                                                             "practice": "medical_xray", "limit": 200})
    devs = [f for f in r.json()["features"] if f["properties"]["room"]]
    assert devs, "no device in order in the demo"
    dev = devs[len(devs) // 2]
    did, fid = dev["id"], dev["properties"]["facility_id"]
    rooms = reg.ok("GET", "/facilities/%d/rooms" % fid).json()["rooms"]
    room = next(x for x in rooms if x["name"] == dev["properties"]["room"])
    reg.ok("POST", "/rooms/%d/area-surveys" % room["id"], "licensing", 201, headers=JSON, json={
        "survey_date": day(TODAY, -3), "organization": "Trung tâm Hạt nhân TP.HCM", "result": "pass",
        "max_worker_usv_h": 0.8, "max_public_usv_h": 0.12, "next_due": day(TODAY, 400)})
    return {"device": did, "facility": fid, "room": room["id"]}


# --- status transitions --------------------------------------------------------------------------------

def test_qc_expiry_moves_device_status(reg, subject, today):
    did, fid = subject["device"], subject["facility"]
    expires = day(TODAY, 100)
    r = reg.ok("POST", "/devices/%d/qc-tests" % did, "licensing", 201, headers=JSON, json={
        "test_date": day(TODAY, -2), "organization": "QUATEST 3", "certificate_no": "KĐ-T/1", "result": "pass",
        "expires": expires})
    qc = r.json()
    assert qc["expires"] == expires and r.headers["ETag"] == '"v1"'
    assert r.headers["Location"].endswith("/qc-tests/%d" % qc["id"])
    steps = [(TODAY, "ok"), (day(expires, -61), "ok"), (day(expires, -60), "due"), (expires, "due"),
             (day(expires, 1), "overdue")]
    for d, want in steps:
        today(d)
        p = device_props(reg, did)
        assert p["qc_status"] == want, (d, p)
        assert p["compliance_status"] == want, (d, p)
        assert p["qc_expires"] == expires
        if want == "ok":
            assert p["compliance_reason"] is None
        elif want == "due":
            assert p["compliance_reason"] == "QC test, device %d (General radiography): due %s" % (did, expires)
        else:
            assert p["compliance_reason"] == "QC test, device %d (General radiography): overdue (due %s)" % (
                did, expires)
        # The filter agrees.
        r = reg.ok("GET", "/collections/devices/items", params={"qc_status": want, "facility_id": fid})
        assert did in [f["id"] for f in r.json()["features"]], (d, want)
        # The inspection summary agrees, item and overall.
        s = summary(reg, fid)
        qc_item = next(it for it in items(s) if it["kind"] == "qc_test" and it["subject_id"] == did)
        assert qc_item["status"] == want and qc_item["due"] == expires and qc_item["record_id"] == qc["id"]
        assert s["date"] == d
        assert s["compliance_status"] == facility_props(reg, fid)["compliance_status"]
    # Back on the first day: ok again (the date is the only thing that moved).
    today(TODAY)
    assert device_props(reg, did)["compliance_status"] == "ok"


def test_failed_test_is_overdue_and_new_test_fixes_it(reg, subject):
    did = subject["device"]
    r = reg.ok("POST", "/devices/%d/qc-tests" % did, "licensing", 201, headers=JSON, json={
        "test_date": TODAY, "organization": "QUATEST 3", "result": "fail"})
    failed = r.json()
    assert failed["expires"] is None
    p = device_props(reg, did)
    assert p["qc_status"] == "overdue" and p["compliance_reason"].endswith(": failed")
    # A failed test certifies nothing.
    r = reg.req("PATCH", "/qc-tests/%d" % failed["id"], "licensing", headers={"If-Match": '"v1"', **JSON},
                json={"expires": day(TODAY, 300)})
    body = problem(r, 422, "expires")
    assert body["errors"][0]["field"] == "expires"
    # The next day the repaired unit passes; the default expiry is a year less a day.
    r = reg.ok("DELETE", "/qc-tests/%d" % failed["id"], "licensing", 204, headers={"If-Match": '"v1"'})
    p = device_props(reg, did)
    assert p["qc_status"] in ("ok", "due")


def test_write_rules(reg, subject):
    did = subject["device"]
    # If-Match is required, and must be current.
    r = reg.ok("POST", "/devices/%d/qc-tests" % did, "licensing", 201, headers=JSON, json={
        "test_date": day(TODAY, -1), "organization": "QUATEST 3", "result": "pass"})
    qc = r.json()
    # Valid a year by default: the day before the same date a year later.
    assert qc["expires"] == day("%d%s" % (int(TODAY[:4]) + 1, day(TODAY, -1)[4:]), -1)
    problem(reg.req("PATCH", "/qc-tests/%d" % qc["id"], "licensing", headers=JSON, json={"note": "x"}), 428)
    problem(reg.req("PATCH", "/qc-tests/%d" % qc["id"], "licensing", headers={"If-Match": '"v9"', **JSON},
                    json={"note": "x"}), 412)
    r = reg.ok("PATCH", "/qc-tests/%d" % qc["id"], "licensing", headers={"If-Match": '"v1"', **JSON},
               json={"note": "bản sao đã nhận"})
    assert r.json()["version"] == 2 and r.json()["note"] == "bản sao đã nhận"
    # Every bad field at once, nothing written.
    before = reg.rows("SELECT count(*) FROM qc_test")[0][0]
    r = reg.req("POST", "/devices/%d/qc-tests" % did, "licensing", headers=JSON, json={
        "test_date": day(TODAY, 5), "organization": "", "result": "maybe", "colour": "red"})
    body = problem(r, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"test_date", "organization", "result", "colour"} <= fields, body
    assert reg.rows("SELECT count(*) FROM qc_test")[0][0] == before
    # The parent must exist; roles that may not write are refused.
    problem(reg.req("POST", "/devices/99999999/qc-tests", "licensing", headers=JSON,
                    json={"test_date": TODAY, "organization": "x", "result": "pass"}), 404)
    for role in ("inspector", "planner", "viewer", "counter", "leader"):
        r = reg.req("POST", "/devices/%d/qc-tests" % did, role, headers=JSON,
                    json={"test_date": TODAY, "organization": "x", "result": "pass"})
        assert r.status_code == 403, (role, r.status_code)
    # An audit row per write.
    rows = reg.rows("SELECT action FROM audit WHERE collection = 'qc_tests' AND feature_id = ?", (qc["id"],))
    assert [a for (a,) in rows] == ["create", "update"]
    reg.ok("DELETE", "/qc-tests/%d" % qc["id"], "licensing", 204, headers={"If-Match": '"v2"'})


def test_summary_equals_property(reg):
    # Not operating: no status, an empty checklist.
    closed = reg.ok("GET", "/collections/facilities/items", params={"limit": 1, "status": "closed"}).json()
    for f in closed["features"]:
        assert f["properties"]["compliance_status"] is None
        s = summary(reg, f["id"])
        assert s["compliance_status"] is None and not items(s)
    feats = reg.ok("GET", "/collections/facilities/items", params={"limit": 60, "practice": "medical_xray",
                                                                   "status": "operating"}).json()
    seen = set()
    for f in feats["features"]:
        s = summary(reg, f["id"])
        p = f["properties"]
        assert s["compliance_status"] == p["compliance_status"], f["id"]
        seen.add(p["compliance_status"])
        worst = max((it["status"] for it in items(s)), key=["ok", "due", "overdue", "missing"].index, default="ok")
        assert worst == s["compliance_status"]
        bad = {(it["kind"], it["subject_id"], it.get("document_kind")) for it in items(s) if it["status"] != "ok"}
        if p["compliance_status"] == "ok":
            assert p["compliance_reason"] is None and not bad
        else:
            assert p["compliance_reason"], f["id"]
            more = len(bad) - 1
            assert p["compliance_reason"].endswith(" (+%d more)" % more) if more else "more)" not in \
                p["compliance_reason"], (p["compliance_reason"], bad)
        # The checking order: devices, rooms, people, documents.
        assert [sec["key"] for sec in s["sections"]] == ["devices", "rooms", "people", "documents"]
        people = s["sections"][2]["items"]
        assert people and people[0]["kind"] == "safety_officer"
    assert len(seen) >= 3, seen


def test_two_roles_count_once(reg, subject):
    """A worker who is also the safety officer: each item once, in the summary and in the reason."""
    fid = subject["facility"]
    r = reg.ok("POST", "/persons", "licensing", 201, headers=JSON, json={"full_name": "Lâm Văn Hai Vai"})
    pid = r.json()["id"]
    for role in ("radiation_worker", "safety_officer"):
        reg.ok("POST", "/persons/%d/roles" % pid, "licensing", 201, headers=JSON, json={
            "facility_id": fid, "role": role, "start_date": day(TODAY, -30)})
    s = summary(reg, fid)
    mine = [(it["kind"]) for it in items(s) if it["subject_type"] == "person" and it["subject_id"] == pid]
    assert sorted(mine) == ["dose_monitoring", "health_check", "training", "worker_certificate"], mine
    assert all(it["status"] == "missing" for it in items(s) if it["subject_type"] == "person" and
               it["subject_id"] == pid)
    p = facility_props(reg, fid)
    bad = [it for it in items(s) if it["status"] != "ok"]
    assert p["compliance_status"] == "missing" == s["compliance_status"]
    assert p["compliance_reason"].endswith(" (+%d more)" % (len(bad) - 1)), (p["compliance_reason"], len(bad))
    etag = reg.get("/persons/%d" % pid).headers["ETag"]
    reg.ok("DELETE", "/persons/%d" % pid, "licensing", 204, headers={"If-Match": etag})
    assert summary(reg, fid)["compliance_status"] == facility_props(reg, fid)["compliance_status"]


def test_demo_has_what_a_city_has(reg):
    n = lambda **q: reg.ok("GET", "/collections/devices/items", params=dict(q, limit=1)).json()["numberMatched"]
    overdue_qc = n(qc_status="overdue")
    assert 3 <= overdue_qc <= 150, overdue_qc
    assert n(compliance_status="ok") > n(compliance_status="due") > 0
    # A room without any area survey.
    rooms = reg.rows("SELECT r.id, r.facility_id FROM room r WHERE NOT EXISTS (SELECT 1 FROM area_survey s WHERE "
                     "s.room_id = r.id) ORDER BY r.id")
    assert rooms
    s = summary(reg, rooms[0][1])
    it = next(i for i in items(s) if i["kind"] == "area_survey" and i["subject_id"] == rooms[0][0])
    assert it["status"] == "missing" and it["detail"] == "no area survey recorded"
    # Exactly one worker above the investigation level.
    flagged = []
    for (pid,) in reg.rows("SELECT DISTINCT person_id FROM dose_record WHERE hp10_msv > 0.4 AND is_demo = 1"):
        d = reg.ok("GET", "/persons/%d/doses" % pid).json()
        if "above_investigation_level" in d["flags"]:
            flagged.append(pid)
    assert len(flagged) == 1, flagged
    # Five years of quarterly records.
    years = reg.rows("SELECT count(DISTINCT substr(period_end, 1, 4)) FROM dose_record")[0][0]
    assert years >= 5


# --- tiles -------------------------------------------------------------------------------------------------

def test_tiles_carry_compliance(reg, subject):
    from authutil import decode_mvt, lonlat_to_tile
    fid, did = subject["facility"], subject["device"]
    f = reg.ok("GET", "/collections/facilities/items/%d" % fid).json()
    lon, lat = f["geometry"]["coordinates"]
    z = 16
    x, y = lonlat_to_tile(z, lon, lat)
    r = reg.ok("GET", "/tiles/facilities,devices/%d/%d/%d.mvt" % (z, x, y))
    layers = decode_mvt(r.content, z, x, y)
    fac = next(ft for ft in layers["facilities"] if ft["id"] == fid)
    assert fac["props"]["compliance_status"] == f["properties"]["compliance_status"]
    dev = next(ft for ft in layers["devices"] if ft["id"] == did)
    assert dev["props"]["compliance_status"] == device_props(reg, did)["compliance_status"]
    assert "qc_status" in dev["props"]
    # The viewer class sees the facility's status in tiles too; TileJSON declares the fields.
    r = reg.ok("GET", "/tiles/facilities/%d/%d/%d.mvt" % (z, x, y), "viewer")
    fac = next(ft for ft in decode_mvt(r.content, z, x, y)["facilities"] if ft["id"] == fid)
    assert "compliance_status" in fac["props"]
    tj = reg.ok("GET", "/tiles/facilities.json", "viewer").json()
    assert tj["vector_layers"][0]["fields"]["compliance_status"] == "String"


# --- personal dose ------------------------------------------------------------------------------------

def new_person(reg, name, ident, fid, role="radiation_worker", start="2019-01-01"):
    r = reg.ok("POST", "/persons", "licensing", 201, headers=JSON, json={
        "full_name": name, "birth_date": "1985-04-12", "identity_no": ident})
    pid = r.json()["id"]
    reg.ok("POST", "/persons/%d/roles" % pid, "licensing", 201, headers=JSON, json={
        "facility_id": fid, "role": role, "start_date": start, "job_title": "Kỹ thuật viên X-quang"})
    return pid


def add_dose(reg, pid, fid, a, b, msv, status=201):
    r = reg.req("POST", "/persons/%d/doses" % pid, "licensing", headers=JSON, json={
        "facility_id": fid, "period_start": a, "period_end": b, "hp10_msv": msv})
    assert r.status_code == status, r.text
    return r


def test_dose_flags_at_the_boundaries(reg, subject):
    fid = subject["facility"]
    a = new_person(reg, "Đặng Văn Biên", "079085000111", fid)
    add_dose(reg, a, fid, "2025-01-01", "2025-03-31", 1.5)    # a quarter at the level: not above
    add_dose(reg, a, fid, "2025-04-01", "2025-06-30", 1.501)  # one microsievert above
    add_dose(reg, a, fid, "2025-07-01", "2025-07-31", 0.5)    # a month at the monthly level
    add_dose(reg, a, fid, "2025-08-01", "2025-08-31", 0.501)
    add_dose(reg, a, fid, "2024-01-01", "2024-06-30", 25)     # 2024: exactly 50
    add_dose(reg, a, fid, "2024-07-01", "2024-12-31", 25)
    add_dose(reg, a, fid, "2023-01-01", "2023-06-30", 25)     # 2023: 50.001
    add_dose(reg, a, fid, "2023-07-01", "2023-12-31", 25.001)
    d = reg.ok("GET", "/persons/%d/doses" % a).json()
    by = {(x["period_start"], x["period_end"]): x for x in d["records"]}
    assert by[("2025-01-01", "2025-03-31")]["above_investigation_level"] is False
    assert by[("2025-01-01", "2025-03-31")]["investigation_level_msv"] == 1.5
    assert by[("2025-04-01", "2025-06-30")]["above_investigation_level"] is True
    assert by[("2025-07-01", "2025-07-31")]["above_investigation_level"] is False
    assert by[("2025-08-01", "2025-08-31")]["above_investigation_level"] is True
    # Half-year periods are above their 3 mSv level, whatever the year sums.
    assert by[("2024-01-01", "2024-06-30")]["above_investigation_level"] is True
    years = {y["year"]: y for y in d["years"]}
    assert years[2024]["hp10_msv"] == 50 and "above_year_limit" not in years[2024]["flags"]
    assert "above_year_limit" in years[2023]["flags"]
    assert "above_year_limit" in d["flags"] and "above_investigation_level" in d["flags"]
    # The level is data: at 1.6 mSv a quarter the 1.501 quarter is no longer above it.
    reg.ok("PATCH", "/compliance/settings", "admin", headers=JSON,
           json={"investigation_levels": [{"period_months": 3, "level_msv": 1.6}]})
    d = reg.ok("GET", "/persons/%d/doses" % a).json()
    assert not next(x for x in d["records"] if x["period_start"] == "2025-04-01")["above_investigation_level"]
    reg.ok("PATCH", "/compliance/settings", "admin", headers=JSON,
           json={"investigation_levels": [{"period_months": 3, "level_msv": 1.5}]})
    problem(reg.req("PATCH", "/compliance/settings", "licensing", headers=JSON, json={}), 403)
    r = reg.req("PATCH", "/compliance/settings", "admin", headers=JSON,
                json={"settings": {"dose_limit_year_msv": 5000, "nonsense": 1}})
    body = problem(r, 422)
    assert {e["field"] for e in body["errors"]} == {"dose_limit_year_msv", "nonsense"}

    # Five years of exactly 20 mSv: 100, not above; one microsievert more is.
    b = new_person(reg, "Hồ Thị Năm", "079185000222", fid)
    last = None
    for y in range(2021, 2026):
        add_dose(reg, b, fid, "%d-01-01" % y, "%d-06-30" % y, 10)
        last = add_dose(reg, b, fid, "%d-07-01" % y, "%d-12-31" % y, 10)
    d = reg.ok("GET", "/persons/%d/doses" % b).json()
    y2025 = next(y for y in d["years"] if y["year"] == 2025)
    assert y2025["five_year_msv"] == 100 and "above_five_year_limit" not in y2025["flags"]
    assert y2025["above_average_limit"] is False
    rec = last.json()
    reg.ok("PATCH", "/dose-records/%d" % rec["id"], "licensing", headers={"If-Match": last.headers["ETag"], **JSON},
           json={"hp10_msv": 10.001})
    d = reg.ok("GET", "/persons/%d/doses" % b).json()
    y2025 = next(y for y in d["years"] if y["year"] == 2025)
    assert "above_five_year_limit" in y2025["flags"] and "above_five_year_limit" in d["flags"]

    # Manual records are checked like imported ones.
    r = add_dose(reg, b, fid, "2025-06-01", "2025-08-31", 0.1, status=422)
    assert "overlaps dose record" in r.text
    add_dose(reg, b, fid, "2026-03-01", "2026-02-01", 0.1, status=422)
    add_dose(reg, b, fid, day(TODAY, -10), day(TODAY, 20), 0.1, status=422)
    # The facility's dose summary: names for the persons roles, figures only for the others.
    s = reg.ok("GET", "/facilities/%d/dose-summary" % fid, "licensing", params={"from": "2021-01-01",
                                                                               "to": "2025-12-31"}).json()
    w = {x["person_id"]: x for x in s["workers"]}
    assert "above_year_limit" in w[a]["flags"] and "above_five_year_limit" in w[b]["flags"]
    assert w[a]["identity_no"] == "*********111"
    assert s["totals"]["workers_above_five_year_limit"] >= 1
    for role in ("planner", "counter"):
        s = reg.ok("GET", "/facilities/%d/dose-summary" % fid, role).json()
        assert "workers" not in s and s["persons_shown"] is False
        assert "Đặng Văn Biên" not in reg.get("/facilities/%d/dose-summary" % fid, role).text
    problem(reg.req("GET", "/facilities/%d/dose-summary" % fid, "viewer"), 403)


def test_dossier_dose_summary(reg):
    rows = reg.rows("SELECT d.id, d.facility_id FROM dossier d JOIN procedure p ON p.id = d.procedure_id WHERE "
                    "p.kind = 'renewal' AND d.facility_id IS NOT NULL AND EXISTS (SELECT 1 FROM authorization a WHERE "
                    "a.facility_id = d.facility_id AND a.kind = 'licence') ORDER BY d.id LIMIT 1")
    if not rows:
        pytest.skip("the demo holds no renewal dossier")
    did, fid = rows[0]
    s = reg.ok("GET", "/dossiers/%d/dose-summary" % did, "licensing").json()
    assert s["dossier_id"] == did and s["facility_id"] == fid
    assert s["licence"] and s["period"]["from"] == s["licence"]["issued"]
    assert s["period"]["to"] <= TODAY
    assert s["totals"]["workers"] == len(s["workers"])
    s2 = reg.ok("GET", "/dossiers/%d/dose-summary" % did, "counter").json()
    assert s2["totals"] == s["totals"] and "workers" not in s2
    problem(reg.req("GET", "/dossiers/99999999/dose-summary", "licensing"), 404)


# --- dosimetry import --------------------------------------------------------------------------------------

CSV = ("STT;Họ và tên;Ngày sinh;Số CCCD;Mã liều kế;Kỳ đo;Hp(10) (mSv);Hp(0,07) (mSv)\r\n"
       "1;Đặng Văn Biên;12/04/1985;079085000111;LK-7001;Q1/2026;0,12;0,15\r\n"
       "2;Trương Thị Mới;05/06/1995;079195004321;LK-7002;Quý I/2026;KPH;KPH\r\n"
       "3;;;;;Q1/2026;0,30;\r\n"
       "4;Vũ Văn Sai;01/01/1990;079090009999;LK-7004;Q5/2026;0,1;\r\n")


def import_file(reg, fid, data, ctype="text/csv", **params):
    r = reg.ok("POST", "/facilities/%d/dose-imports" % fid, "licensing", headers={"Content-Type": ctype},
               data=data.encode("utf-8") if isinstance(data, str) else data, params=params)
    return r.json()


def test_import_twice_adds_nothing(reg, subject):
    fid = subject["facility"]
    if not reg.rows("SELECT 1 FROM person WHERE identity_no = '079085000111'"):
        new_person(reg, "Đặng Văn Biên", "079085000111", fid)
    count = lambda: reg.rows("SELECT count(*) FROM dose_record")[0][0]
    persons = lambda: reg.rows("SELECT count(*) FROM person")[0][0]
    n0, p0 = count(), persons()
    # A dry run writes nothing.
    rep = import_file(reg, fid, CSV, create_persons="true", dry_run="true", provider="Trung tâm Hạt nhân TP.HCM")
    assert rep["created"] == 2 and rep["import_id"] is None and count() == n0 and persons() == p0
    rep = import_file(reg, fid, CSV, create_persons="true", provider="Trung tâm Hạt nhân TP.HCM")
    assert (rep["rows_read"], rep["created"], rep["updated"], rep["unchanged"], rep["invalid"],
            rep["persons_created"]) == (4, 2, 0, 0, 2, 1), rep
    bad = {p["row"]: p for p in rep["problems"]}
    assert bad[3]["field"] == "identity_no" and bad[4]["field"] == "period"
    assert count() == n0 + 2 and persons() == p0 + 1
    # The same file again: nothing new, nothing changed.
    rep2 = import_file(reg, fid, CSV, create_persons="true", provider="Trung tâm Hạt nhân TP.HCM")
    assert (rep2["created"], rep2["updated"], rep2["unchanged"], rep2["persons_created"]) == (0, 0, 2, 0), rep2
    assert count() == n0 + 2 and persons() == p0 + 1
    assert rep2["import_id"] != rep["import_id"]
    # A corrected value updates the record in place.
    rep3 = import_file(reg, fid, CSV.replace(";0,12;0,15", ";0,13;0,15"), create_persons="true",
                       provider="Trung tâm Hạt nhân TP.HCM")
    assert (rep3["created"], rep3["updated"], rep3["unchanged"]) == (0, 1, 1), rep3
    assert count() == n0 + 2
    pid = reg.rows("SELECT id FROM person WHERE identity_no = '079085000111'")[0][0]
    recs = [x for x in reg.ok("GET", "/persons/%d/doses" % pid).json()["records"] if x["period_start"] == "2026-01-01"]
    assert len(recs) == 1 and recs[0]["hp10_msv"] == 0.13 and recs[0]["origin"] == "import"
    assert recs[0]["import_id"] == rep3["import_id"] and recs[0]["dosimeter_id"] == "LK-7001"
    new = reg.rows("SELECT p.id, r.role, r.start_date FROM person p JOIN person_role r ON r.person_id = p.id WHERE "
                   "p.identity_no = '079195004321'")
    assert new == [(new[0][0], "radiation_worker", "2026-01-01")]
    below = reg.ok("GET", "/persons/%d/doses" % new[0][0]).json()["records"][0]
    assert below["hp10_msv"] == 0 and below["below_detection"] is True
    audits = reg.rows("SELECT count(*) FROM audit WHERE collection = 'dose_records' AND import_id = ?",
                      (rep["import_id"],))[0][0]
    assert audits == 2
    # Not a file radmap reads: refused whole.
    r = reg.req("POST", "/facilities/%d/dose-imports" % fid, "licensing", headers={"Content-Type": "text/csv"},
                data="a,b\n1,2\n")
    problem(r, 400, "Hp(10)")
    problem(reg.req("POST", "/facilities/%d/dose-imports" % fid, "licensing", headers=JSON, data="{}"), 415)
    problem(reg.req("POST", "/facilities/%d/dose-imports" % fid, "inspector", headers={"Content-Type": "text/csv"},
                    data=CSV.encode()), 403)


def test_import_xlsx(reg, subject, workdir):
    from osgeo import gdal, ogr
    gdal.UseExceptions()
    fid = subject["facility"]
    if not reg.rows("SELECT 1 FROM person WHERE identity_no = '079085000111'"):
        new_person(reg, "Đặng Văn Biên", "079085000111", fid)
    path = os.path.join(workdir, "doses.xlsx")
    ds = ogr.GetDriverByName("XLSX").CreateDataSource(path)
    lyr = ds.CreateLayer("Sheet1")
    for name, t in (("CCCD", ogr.OFTInteger64), ("Họ và tên", ogr.OFTString), ("Từ ngày", ogr.OFTDate),
                    ("Đến ngày", ogr.OFTDate), ("Liều Hp(10)", ogr.OFTReal)):
        lyr.CreateField(ogr.FieldDefn(name, t))
    feat = ogr.Feature(lyr.GetLayerDefn())
    feat.SetField(0, 79085000111)  # typed as a number: the leading zero is gone
    feat.SetField(1, "Đặng Văn Biên")
    feat.SetField(2, "2025/10/01")
    feat.SetField(3, "2025/12/31")
    feat.SetField(4, 0.21)
    lyr.CreateFeature(feat)
    ds = None
    with open(path, "rb") as f:
        data = f.read()
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    n0 = reg.rows("SELECT count(*) FROM dose_record")[0][0]
    rep = import_file(reg, fid, data, ctype)
    assert rep["rows_read"] == 1 and rep["created"] + rep["updated"] + rep["unchanged"] == 1, rep
    rep = import_file(reg, fid, data, ctype)
    assert rep["unchanged"] == 1 and rep["created"] == 0, rep
    pid = reg.rows("SELECT id FROM person WHERE identity_no = '079085000111'")[0][0]
    rows = reg.rows("SELECT hp10_msv FROM dose_record WHERE person_id = ? AND period_start = '2025-10-01'", (pid,))
    assert rows == [(0.21,)]
    assert reg.rows("SELECT count(*) FROM dose_record")[0][0] <= n0 + 1


# --- the checklist, findings, documents, rooms -----------------------------------------------------------

def test_printable_checklist(reg, subject):
    fid = subject["facility"]
    r = reg.ok("GET", "/facilities/%d/compliance" % fid, "inspector", params={"f": "html"})
    assert r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    html = r.text
    assert html.startswith("<!DOCTYPE html>") and "PHIẾU KIỂM TRA AN TOÀN BỨC XẠ" in html
    name = facility_props(reg, fid)["name"]
    assert name.replace("&", "&amp;") in html
    low = html.lower()
    for bad in ("<script", "<link", "<img", "src=", "href=", "http://", "https://", "@import", "url("):
        assert bad not in low, bad
    s = summary(reg, fid, "inspector")
    assert html.count("&#9744; Đạt") == len(items(s))
    problem(reg.req("GET", "/facilities/%d/compliance" % fid, "inspector", params={"f": "xml"}), 400)
    problem(reg.req("GET", "/facilities/%d/compliance" % fid, "viewer"), 403)
    problem(reg.req("GET", "/facilities/%d/compliance" % fid, "counter"), 403)
    problem(reg.req("GET", "/facilities/%d/compliance" % fid, None), 401)
    problem(reg.req("GET", "/facilities/99999999/compliance", "inspector"), 404)
    # A planner sees everything but the people's names.
    s = summary(reg, fid, "planner")
    assert s["persons_shown"] is False
    people = [it for it in items(s) if it["subject_type"] == "person"]
    assert people and all("full_name" not in it["person"] for it in people)
    named = summary(reg, fid, "inspector")
    names = {it["person"]["full_name"] for it in items(named) if it["subject_type"] == "person"}
    text = reg.get("/facilities/%d/compliance" % fid, "planner").text
    html = reg.get("/facilities/%d/compliance" % fid, "planner", params={"f": "html"}).text
    for n in names:
        assert n not in text and n not in html


def test_findings_link_to_items(reg, subject):
    fid, did = subject["facility"], subject["device"]
    ins = reg.rows("SELECT id FROM inspection WHERE facility_id = ? ORDER BY date DESC, id DESC LIMIT 1", (fid,))
    if ins:
        iid = ins[0][0]
    else:
        f = reg.ok("GET", "/collections/facilities/items/%d" % fid).json()
        r = reg.ok("POST", "/collections/inspections/items", "inspector", 201, headers={
            "Content-Type": "application/geo+json"}, json={"type": "Feature", "geometry": None, "properties": {
                "facility_id": fid, "date": TODAY, "kind": "planned", "result": "passed_with_findings"}})
        iid = r.json()["id"]
    qc = reg.rows("SELECT id FROM qc_test WHERE device_id = ? ORDER BY test_date DESC LIMIT 1", (did,))[0][0]
    r = reg.ok("POST", "/inspections/%d/findings" % iid, "inspector", 201, headers=JSON, json={
        "item_kind": "qc_test", "subject_id": did, "record_id": qc, "description": "Bản sao giấy chứng nhận không có "
        "tại cơ sở", "due": day(TODAY, 30)})
    fnd = r.json()
    assert fnd["severity"] == "non_compliance" and fnd["inspection_id"] == iid
    s = summary(reg, fid, "inspector")
    it = next(i for i in items(s) if i["kind"] == "qc_test" and i["subject_id"] == did)
    assert [x["id"] for x in it["findings"]] == [fnd["id"]]
    # A document finding names its kind; the safety officer's is the facility's.
    reg.ok("POST", "/inspections/%d/findings" % iid, "inspector", 201, headers=JSON, json={
        "item_kind": "document", "document_kind": "emergency_plan", "description": "Chưa diễn tập"})
    so = reg.ok("POST", "/inspections/%d/findings" % iid, "inspector", 201, headers=JSON, json={
        "item_kind": "safety_officer", "description": "Người phụ trách an toàn vắng"}).json()
    assert so["subject_id"] == fid
    s = summary(reg, fid, "inspector")
    doc = next(i for i in items(s) if i["kind"] == "document" and i.get("document_kind") == "emergency_plan")
    assert len(doc["findings"]) >= 1
    # A subject elsewhere, or a kind without its subject, is refused.
    other = reg.rows("SELECT id FROM device WHERE facility_id <> ? LIMIT 1", (fid,))[0][0]
    problem(reg.req("POST", "/inspections/%d/findings" % iid, "inspector", headers=JSON, json={
        "item_kind": "qc_test", "subject_id": other, "description": "x"}), 422, "not at the inspected facility")
    problem(reg.req("POST", "/inspections/%d/findings" % iid, "inspector", headers=JSON, json={
        "item_kind": "document", "description": "x"}), 422, "document_kind")
    problem(reg.req("POST", "/inspections/%d/findings" % iid, "planner", headers=JSON, json={
        "item_kind": "other", "description": "x"}), 403)
    # Closing it.
    r = reg.ok("PATCH", "/findings/%d" % fnd["id"], "inspector", headers={"If-Match": '"v1"', **JSON},
               json={"closed_on": TODAY})
    assert r.json()["closed_on"] == TODAY
    listed = reg.ok("GET", "/inspections/%d/findings" % iid, "planner").json()["findings"]
    assert fnd["id"] in [x["id"] for x in listed]


def test_document_kinds_and_documents(reg):
    fac = reg.ok("GET", "/collections/facilities/items", params={
        "practice": "industrial_radiography", "status": "operating", "limit": 1}).json()["features"][0]
    fid = fac["id"]
    problem(reg.req("POST", "/document-kinds", "licensing", headers=JSON, json={}), 403)
    r = reg.ok("POST", "/document-kinds", "admin", 201, headers=JSON, json={
        "key": "radiation_protection_programme", "name_vi": "Chương trình bảo vệ bức xạ",
        "name_en": "Radiation protection programme", "interval_months": 36, "required": True,
        "practices": ["industrial_radiography"], "seq": 40})
    assert r.json()["practices"] == ["industrial_radiography"] and r.json()["builtin"] is False
    s = summary(reg, fid)
    it = next(i for i in items(s) if i.get("document_kind") == "radiation_protection_programme")
    assert it["status"] == "missing"
    assert facility_props(reg, fid)["compliance_status"] == "missing"
    # A medical X-ray facility is not asked for it.
    xr = reg.ok("GET", "/collections/facilities/items", params={"practice": "medical_xray", "limit": 1}).json()
    xid = xr["features"][0]["id"]
    assert not [i for i in items(summary(reg, xid)) if i.get("document_kind") == "radiation_protection_programme"]
    # A document received today is due again in 36 months.
    doc = reg.ok("POST", "/facilities/%d/documents" % fid, "licensing", 201, headers=JSON, json={
        "kind": "radiation_protection_programme", "received": TODAY, "title": "Chương trình BVBX 2026"}).json()
    assert doc["next_due"] == "2029-06-15"
    s = summary(reg, fid)
    it = next(i for i in items(s) if i.get("document_kind") == "radiation_protection_programme")
    assert it["status"] == "ok" and it["record_id"] == doc["id"]
    # The kind cannot go while documents are of it; built-in kinds never.
    problem(reg.req("DELETE", "/document-kinds/radiation_protection_programme", "admin"), 409)
    problem(reg.req("DELETE", "/document-kinds/emergency_plan", "admin"), 409)
    problem(reg.req("PATCH", "/documents/%d" % doc["id"], "licensing", headers={"If-Match": '"v1"', **JSON},
                    json={"kind": "emergency_plan"}), 422)
    reg.ok("DELETE", "/documents/%d" % doc["id"], "licensing", 204, headers={"If-Match": '"v1"'})
    reg.ok("DELETE", "/document-kinds/radiation_protection_programme", "admin", 204)
    assert not [i for i in items(summary(reg, fid)) if i.get("document_kind") == "radiation_protection_programme"]
    kinds = reg.ok("GET", "/document-kinds", "viewer").json()["document_kinds"]
    assert [k["key"] for k in kinds][:2] == ["annual_safety_report", "emergency_plan"]


def test_rooms(reg, subject):
    fid, rid, did = subject["facility"], subject["room"], subject["device"]
    room = reg.ok("GET", "/rooms/%d" % rid).json()
    etag = reg.get("/rooms/%d" % rid).headers["ETag"]
    # A second room of the same name is refused; deleting a room with surveys too.
    problem(reg.req("POST", "/facilities/%d/rooms" % fid, "licensing", headers=JSON, json={"name": room["name"]}),
            422, "already has room")
    problem(reg.req("DELETE", "/rooms/%d" % rid, "licensing", headers={"If-Match": etag}), 409, "closed")
    # A renamed room keeps its devices: their room names follow.
    new = room["name"] + " (tầng 2)"
    reg.ok("PATCH", "/rooms/%d" % rid, "licensing", headers={"If-Match": etag, **JSON}, json={"name": new})
    assert device_props(reg, did)["room"] == new
    it = next(i for i in items(summary(reg, fid)) if i["kind"] == "room" and i["subject_id"] == did)
    assert it["status"] == "ok" and it["record_id"] == rid
    assert reg.rows("SELECT count(*) FROM audit WHERE collection = 'devices' AND feature_id = ? AND action = "
                    "'update'", (did,))[0][0] >= 1
    # A room without a shielding description is missing it.
    r = reg.ok("POST", "/facilities/%d/rooms" % fid, "licensing", 201, headers=JSON, json={"name": "Phòng mới"})
    s = summary(reg, fid)
    sh = next(i for i in items(s) if i["kind"] == "shielding" and i["subject_id"] == r.json()["id"])
    assert sh["status"] == "missing"
    reg.ok("DELETE", "/rooms/%d" % r.json()["id"], "licensing", 204, headers={"If-Match": '"v1"'})
    surveys = reg.ok("GET", "/rooms/%d/area-surveys" % rid, "planner").json()
    assert surveys["numberReturned"] >= 1 and surveys["area_surveys"][0]["next_due"] == day(TODAY, 400)


def test_settings_window(reg, subject, today):
    """The due window is data: a shorter window turns a due item back to ok."""
    did = subject["device"]
    expires = reg.ok("GET", "/devices/%d/qc-tests" % did).json()["qc_tests"][0]["expires"]
    today(day(expires, -45))
    assert device_props(reg, did)["qc_status"] == "due"
    s = reg.ok("GET", "/compliance/settings", "viewer").json()
    assert s["settings"]["due_window_days"]["value"] == 60
    reg.ok("PATCH", "/compliance/settings", "admin", headers=JSON, json={"settings": {"due_window_days": 30}})
    try:
        assert device_props(reg, did)["qc_status"] == "ok"
    finally:
        reg.ok("PATCH", "/compliance/settings", "admin", headers=JSON, json={"settings": {"due_window_days": 60}})
    assert device_props(reg, did)["qc_status"] == "due"
