"""
The licensing module over HTTP (issue 5): procedures and their versions, the working-day calendar
and its yearly announcements, dossiers received at the counter and imported from the one-stop
system, appraisal steps and every illegal move, results recorded as new, renewed and amended
authorizations, attachments, printable forms, inspections and the annual plan, and the figures.

Each module-level register is made here from `radmap init` and a few rows written by hand (a
licensee with two clinics, a hospital, a facility of the national regulator), with one account per
role; the expected due instants, fees and statistics below are worked out by hand from the rules
(office hours 07:30-11:30 and 13:00-17:00, 8 working hours a day; Tết 2026 on 16-20 February;
Hùng Kings 2026 on Sunday 26 April, compensated on Monday 27 April) and written as constants.
"""
import hashlib
import io
import os
import re
import sqlite3
import time
import zipfile

import pytest
import requests

from conftest import TODAY, problem, run_radmap

ROLES = ("admin", "counter", "licensing", "leader", "inspector", "planner", "viewer")


def fill(path):
    """A small register: organizations 1-3, facilities 1-5 (4 belongs to VARANS), devices 1-6."""
    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    cur = con.cursor()
    cur.execute("BEGIN")
    cur.execute("INSERT INTO organization(id, name, tax_code) VALUES (1, 'Công ty TNHH Phòng khám Minh An', "
                "'0301234567'), (2, 'Bệnh viện Hòa Bình', '0309876543')")
    cur.execute("INSERT INTO organization(id, name, record_owner) VALUES (3, 'Trung tâm Chiếu xạ Sài Gòn', 'varans')")
    facilities = [
        # id, code, name, org, practices, owner, created_at
        (1, "LT-0001", "Phòng khám Minh An - cơ sở 1", 1, ["medical_xray"], "department", "2025-11-01T00:00:00Z"),
        (2, "LT-0002", "Phòng khám Minh An - cơ sở 2", 1, ["medical_xray"], "department", "2023-03-01T00:00:00Z"),
        (3, "LT-0003", "Bệnh viện Hòa Bình", 2, ["radiotherapy", "medical_xray"], "department",
         "2024-01-10T00:00:00Z"),
        (4, "HM-VR1", "Trung tâm Chiếu xạ Sài Gòn", 3, ["irradiator"], "varans", "2020-01-01T00:00:00Z"),
        (5, "LT-0005", "Phòng khám Minh An - cơ sở 3", 1, ["medical_xray"], "department", "2022-01-01T00:00:00Z"),
    ]
    for fid, code, name, org, practices, owner, created in facilities:
        lon, lat = 106.60 + fid / 100.0, 10.75 + fid / 100.0
        cur.execute("INSERT INTO facility(id, code, name, organization_id, practice, ward, status, lon, lat, "
                    "search_key, record_owner, created_at, geom) VALUES (?,?,?,?,?,?, 'operating', ?,?,?,?,?, "
                    "MakePoint(?,?,4326))", (fid, code, name, org, practices[0], "Phường Sài Gòn", lon, lat,
                                             name.lower(), owner, created, lon, lat))
        for p in practices:
            cur.execute("INSERT INTO facility_practice VALUES (?,?)", (fid, p))
    devices = [(1, 1, "general"), (2, 1, "dental"), (3, 1, "ct"), (4, 2, "mammography"), (5, 3, "linac"),
               (6, 3, "fluoroscopy")]
    for did, fid, typ in devices:
        cur.execute("INSERT INTO device(id, facility_id, type, status, lon, lat, geom) SELECT ?,?,?, 'in_use', lon, "
                    "lat, MakePoint(lon, lat, 4326) FROM facility WHERE id = ?", (did, fid, typ, fid))
    cur.execute("COMMIT")
    con.close()


class Register:
    """A register with a server and one bearer token per role."""

    def __init__(self, workdir, start_server, name):
        self.db = os.path.join(workdir, name)
        run_radmap("init", self.db)
        fill(self.db)
        self.tokens = {}
        for role in ROLES:
            p = run_radmap("user", "add", self.db, "lic_" + role, "--role", role)
            self.tokens[role] = p.stdout.strip().splitlines()[-1].strip()
        self.server = start_server(self.db)
        self.url = self.server.url
        self.http = requests.Session()

    def h(self, role, **extra):
        out = {"Authorization": "Bearer " + self.tokens[role]}
        out.update(extra)
        return out

    def get(self, path, role="licensing", **kw):
        return self.http.get(self.url + path, headers=self.h(role, **kw.pop("headers", {})), timeout=60, **kw)

    def post(self, path, role, json=None, **kw):
        return self.http.post(self.url + path, headers=self.h(role, **kw.pop("headers", {})), json=json, timeout=120,
                              **kw)

    def put(self, path, role, json, etag):
        return self.http.put(self.url + path, headers=self.h(role, **{"If-Match": etag}), json=json, timeout=60)

    def sql(self, query, *args):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    # -- dossiers ---------------------------------------------------------------------------------------

    def receive(self, procedure, received_at, role="counter", **fields):
        body = {"procedure": procedure, "applicant": fields.pop("applicant", "Phòng khám Minh An"),
                "received_at": received_at}
        body.update(fields)
        r = self.post("/dossiers", role, json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def step(self, did, step, at, role=None, expect=201, **fields):
        role = role or STEP_ROLE[step]
        body = {"step": step, "at": at}
        body.update(fields)
        r = self.post("/dossiers/%d/steps" % did, role, json=body)
        assert r.status_code == expect, "%s -> %d %s" % (step, r.status_code, r.text)
        return r.json()

    def walk(self, did, steps, start):
        """Record steps one hour apart from start (YYYY-MM-DDTHH)."""
        t0 = time.mktime(time.strptime(start, "%Y-%m-%dT%H"))
        d = None
        for i, s in enumerate(steps):
            name, extra = (s, {}) if isinstance(s, str) else s
            at = time.strftime("%Y-%m-%dT%H:%M:00+07:00", time.localtime(t0 + 3600 * (i + 1)))
            d = self.step(did, name, at, **extra)
        return d


STEP_ROLE = {"filed": "counter", "received": "counter", "refused_at_reception": "counter", "assigned": "licensing",
             "completeness_review": "licensing", "supplement_requested": "licensing",
             "supplement_received": "counter", "payment_requested": "licensing", "payment_received": "counter",
             "site_visit": "licensing", "expert_review": "licensing", "draft_result": "licensing",
             "decision": "leader", "result_recorded": "leader", "result_returned": "counter",
             "withdrawn": "counter", "stopped": "licensing", "extension_letter": "licensing"}
APPROVE = ("decision", {"decision": "approve"})
TO_DRAFT = ["assigned", "completeness_review", "expert_review", "draft_result"]


@pytest.fixture(scope="module")
def reg(workdir, start_server):
    return Register(workdir, start_server, "licensing.db")


@pytest.fixture(scope="module")
def stats_reg(workdir, start_server):
    return Register(workdir, start_server, "licensing-stats.db")


# --- procedures ----------------------------------------------------------------------------------

def test_procedures_from_geodata(reg):
    r = reg.get("/procedures", "viewer")
    assert r.status_code == 200, r.text
    procs = {p["key"]: p for p in r.json()["procedures"]}
    assert set(procs) >= {"xray_declaration", "xray_licence_new", "xray_licence_renewal", "xray_licence_amendment",
                          "xray_licence_reissue", "rso_certificate", "xray_emergency_plan"}
    assert procs["xray_licence_new"]["working_hours"] == 25 * 8
    assert procs["xray_declaration"]["working_hours"] == 5 * 8
    assert procs["xray_licence_new"]["fee_rule"] == {"kind": "per_device", "schedule": "xray"}
    assert procs["xray_licence_renewal"]["fee_rule"] == {"kind": "percent_of", "procedure": "xray_licence_new",
                                                         "percent": 75}
    assert procs["rso_certificate"]["fee_rule"] == {"kind": "fixed", "vnd": 200000, "per": "person"}
    assert procs["xray_declaration"]["produces"] == "declaration_confirmation"
    assert procs["xray_declaration"]["supplement_rule"] == "pause"
    assert procs["rso_certificate"]["example_code"] == "1.000173.000.00.00.H58"
    problem(reg.get("/procedures/nope", "viewer"), 404, "nope")


def test_procedure_versions(reg):
    base = {"key": "test_permit", "name_vi": "Thủ tục thử", "name_en": "Test permit", "kind": "amendment",
            "produces": "licence", "working_days": 10, "valid_from": "2020-01-01", "fee_rule": {"kind": "none"}}
    bad = dict(base, fee_rule={"kind": "fixed"}, kind="nothing")
    body = problem(reg.post("/procedures", "admin", json=bad), 422, "fee_rule", "kind")
    assert {e["field"] for e in body["errors"]} == {"fee_rule", "kind"}
    problem(reg.post("/procedures", "licensing", json=base), 403)
    r = reg.post("/procedures", "admin", json=base)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1 and r.json()["working_hours"] == 80
    problem(reg.post("/procedures", "admin", json=base), 409, "exists")
    v2 = {"working_days": 2, "valid_from": "2026-05-01"}
    r = reg.http.put(reg.url + "/procedures/test_permit", headers=reg.h("admin"), json=v2, timeout=30)
    problem(r, 428, "If-Match")
    problem(reg.put("/procedures/test_permit", "admin", v2, '"v7"'), 412)
    problem(reg.put("/procedures/test_permit", "admin", {"valid_from": "2019-01-01"}, '"v1"'), 422, "valid_from")
    r = reg.put("/procedures/test_permit", "admin", v2, '"v1"')
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2 and r.json()["working_hours"] == 16 and r.json()["name_vi"] == "Thủ tục thử"
    r = reg.get("/procedures/test_permit", "viewer")
    assert r.json()["version"] == 2 and [v["version"] for v in r.json()["versions"]] == [1, 2]
    assert r.headers["ETag"] == '"v2"'
    old = reg.get("/procedures/test_permit", "viewer", params={"at": "2026-04-30"}).json()
    assert old["version"] == 1 and old["valid_to"] == "2026-05-01"
    # A version applies to the dossiers received from its date: 80 h before, 16 h after.
    d1 = reg.receive("test_permit", "2026-04-29T09:00:00+07:00")
    assert d1["procedure"]["version"] == 1 and d1["due_at"] == "2026-05-15T09:00:00+07:00"
    d2 = reg.receive("test_permit", "2026-05-04T09:00:00+07:00")
    assert d2["procedure"]["version"] == 2 and d2["due_at"] == "2026-05-06T09:00:00+07:00"


# --- the working-day calendar --------------------------------------------------------------------

def test_calendar_2026(reg):
    r = reg.get("/calendar/2026", "viewer")
    assert r.status_code == 200, r.text
    cal = r.json()
    assert cal["lunar_new_year"] == "2026-02-17" and cal["hung_kings"] == "2026-04-26"
    days = {d["date"]: d for d in cal["days"]}
    for d in ("2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-04-30",
              "2026-05-01", "2026-09-01", "2026-09-02"):
        assert not days[d]["working"], d
    assert days["2026-04-26"]["reason"] == "hung_kings" and days["2026-04-26"]["holiday_on_weekend"]
    assert days["2026-04-27"]["reason"] == "compensatory"
    assert cal["hours_per_working_day"] == 8
    assert reg.get("/calendar/2025", "viewer").json()["lunar_new_year"] == "2025-01-29"
    problem(reg.get("/calendar/20x6", "viewer"), 404, "year")


def test_calendar_table_moves_no_given_due_date(reg):
    """Friday 24 April 2026 09:00 + 40 h: 6.5 h, Monday 27 (compensatory) off, 30 April and 1 May off."""
    first = reg.receive("xray_declaration", "2026-04-24T09:00:00+07:00")
    assert first["due_at"] == "2026-05-06T09:00:00+07:00"
    etag = reg.get("/calendar/2026", "viewer").headers["ETag"]
    bad = {"changes": [{"date": "2026-04-28", "kind": "working_day"}, {"date": "2026-09-05", "kind": "national_day"},
                       {"date": "2027-01-01", "kind": "day_off"}]}
    body = problem(reg.put("/calendar/2026", "admin", bad, etag), 422)
    assert {e["field"] for e in body["errors"]} == {"changes[0]", "changes[1]", "changes[2]"}
    problem(reg.put("/calendar/2026", "licensing", {"changes": []}, etag), 403)
    change = {"changes": [{"date": "2026-04-27", "kind": "working_day", "note": "test", "source": "test"}]}
    r = reg.put("/calendar/2026", "admin", change, etag)
    assert r.status_code == 200, r.text
    assert {d["date"]: d for d in r.json()["days"]}["2026-04-27"]["reason"] == "swapped_working_day"
    problem(reg.put("/calendar/2026", "admin", change, etag), 412)
    try:
        # The due date already given stays; a dossier received now gets one from the new table.
        again = reg.get("/dossiers/%d" % first["id"]).json()
        assert again["due_at"] == "2026-05-06T09:00:00+07:00"
        second = reg.receive("xray_declaration", "2026-04-24T09:00:00+07:00")
        assert second["due_at"] == "2026-05-05T09:00:00+07:00"
    finally:
        r = reg.put("/calendar/2026", "admin", {"changes": []}, r.headers["ETag"])
        assert r.status_code == 200, r.text


# --- working hours -------------------------------------------------------------------------------

@pytest.mark.parametrize("procedure,received,due", [
    # across a weekend: Friday 14:00 + 40 h is the next Friday 14:00
    ("xray_declaration", "2026-06-12T14:00:00+07:00", "2026-06-19T14:00:00+07:00"),
    # across Tết: Friday 13 February 09:00, 6.5 h that day, Tết 16-20, then 33.5 h from Monday 23
    ("xray_declaration", "2026-02-13T09:00:00+07:00", "2026-02-27T09:00:00+07:00"),
    # across a year boundary: 31 December 15:00 + 80 h, New Year's Day off
    ("rso_certificate", "2025-12-31T15:00:00+07:00", "2026-01-15T15:00:00+07:00"),
    # received after office hours: the clock starts the next working morning
    ("xray_declaration", "2026-06-12T18:30:00+07:00", "2026-06-19T17:00:00+07:00"),
])
def test_due_in_working_hours(reg, procedure, received, due):
    d = reg.receive(procedure, received)
    assert d["due_at"] == due, d
    assert d["complete_at"] == received
    assert d["step"] == "received" and d["national_status"] == 2


def test_postal_filing_waits_for_the_completeness_check(reg):
    d = reg.receive("xray_declaration", "2026-06-01T08:00:00+07:00", channel="postal")
    assert d["step"] == "filed" and d["national_status"] == 1 and d["due_at"] is None
    assert d["completeness_due_at"] == "2026-06-04T08:00:00+07:00"
    assert d["working_hours_left"] is None
    d = reg.step(d["id"], "received", "2026-06-02T10:00:00+07:00")
    assert d["due_at"] == "2026-06-09T10:00:00+07:00" and d["national_status"] == 2


def test_supplement_pauses_the_clock(reg):
    """Procedure of 80 h, rule pause: due 16 March 08:00; the supplement requested on Thursday 5 March
    10:00 leaves 54 h, which run again from Friday 20 March 15:00: due 31 March 11:30."""
    d = reg.receive("xray_licence_amendment", "2026-03-02T08:00:00+07:00")
    assert d["due_at"] == "2026-03-16T08:00:00+07:00"
    reg.step(d["id"], "assigned", "2026-03-03T09:00:00+07:00")
    reg.step(d["id"], "completeness_review", "2026-03-04T09:00:00+07:00")
    p = reg.step(d["id"], "supplement_requested", "2026-03-05T10:00:00+07:00", note="thiếu bản vẽ che chắn")
    assert p["paused"] and p["working_hours_left"] == 54 and p["national_status"] == 5
    r = reg.step(d["id"], "supplement_received", "2026-03-20T15:00:00+07:00")
    assert r["due_at"] == "2026-03-31T11:30:00+07:00" and not r["paused"]
    steps = reg.get("/dossiers/%d/steps" % d["id"]).json()["steps"]
    back = [s for s in steps if s["step"] == "supplement_received"][0]
    assert back["due_before"] == "2026-03-16T08:00:00+07:00" and back["due_after"] == "2026-03-31T11:30:00+07:00"
    assert back["data"] == {"clock_rule": "pause"}


def test_supplement_restarts_the_clock(reg):
    """The same dates under a procedure whose rule is restart: the whole 80 h from 20 March 15:00."""
    cur = reg.get("/procedures/xray_licence_reissue", "viewer")
    r = reg.put("/procedures/xray_licence_reissue", "admin", {"supplement_rule": "restart", "valid_from": "2026-01-01"},
                cur.headers["ETag"])
    assert r.status_code == 201, r.text
    d = reg.receive("xray_licence_reissue", "2026-03-02T08:00:00+07:00")
    assert d["procedure"]["supplement_rule"] == "restart" and d["due_at"] == "2026-03-16T08:00:00+07:00"
    reg.walk(d["id"], ["assigned", "completeness_review"], "2026-03-03T08")
    reg.step(d["id"], "supplement_requested", "2026-03-05T10:00:00+07:00")
    r = reg.step(d["id"], "supplement_received", "2026-03-20T15:00:00+07:00")
    assert r["due_at"] == "2026-04-03T15:00:00+07:00"


# --- steps ---------------------------------------------------------------------------------------

ALLOWED = {
    "filed": {"received", "refused_at_reception", "withdrawn"},
    "received": {"assigned", "withdrawn", "stopped", "extension_letter"},
    "assigned": {"completeness_review", "withdrawn", "stopped", "extension_letter"},
    "completeness_review": {"supplement_requested", "payment_requested", "site_visit", "expert_review",
                            "draft_result", "withdrawn", "stopped", "extension_letter"},
    "supplement_requested": {"supplement_received", "withdrawn", "stopped", "extension_letter"},
    "supplement_received": {"completeness_review", "payment_requested", "site_visit", "expert_review",
                            "draft_result", "withdrawn", "stopped", "extension_letter"},
    "payment_requested": {"payment_received", "withdrawn", "stopped", "extension_letter"},
    "payment_received": {"site_visit", "expert_review", "draft_result", "withdrawn", "stopped", "extension_letter"},
    "site_visit": {"expert_review", "draft_result", "supplement_requested", "withdrawn", "stopped",
                   "extension_letter"},
    "expert_review": {"site_visit", "draft_result", "supplement_requested", "withdrawn", "stopped",
                      "extension_letter"},
    "draft_result": {"decision", "expert_review", "withdrawn", "stopped", "extension_letter"},
    "decision/approved": {"result_recorded"},
    "decision/refused": {"result_returned"},
    "result_recorded": {"result_returned"},
    "result_returned": set(),
    "withdrawn": set(),
    "stopped": set(),
    "refused_at_reception": set(),
}
# How to bring a dossier to each step (after "received", or "filed" for postal filings).
PATHS = {
    "filed": [],
    "received": [],
    "assigned": ["assigned"],
    "completeness_review": ["assigned", "completeness_review"],
    "supplement_requested": ["assigned", "completeness_review", "supplement_requested"],
    "supplement_received": ["assigned", "completeness_review", "supplement_requested", "supplement_received"],
    "payment_requested": ["assigned", "completeness_review", "payment_requested"],
    "payment_received": ["assigned", "completeness_review", "payment_requested", "payment_received"],
    "site_visit": ["assigned", "completeness_review", "site_visit"],
    "expert_review": ["assigned", "completeness_review", "expert_review"],
    "draft_result": TO_DRAFT,
    "decision/approved": TO_DRAFT + [APPROVE],
    "decision/refused": TO_DRAFT + [("decision", {"decision": "refuse", "reasons": "thiếu điều kiện"})],
    "result_recorded": None,  # through POST /result
    "result_returned": TO_DRAFT + [("decision", {"decision": "refuse", "reasons": "x"}), "result_returned"],
    "withdrawn": ["withdrawn"],
    "stopped": ["assigned", "stopped"],
    "refused_at_reception": ["refused_at_reception"],
}
EXTRA = {"decision": {"decision": "approve"}, "extension_letter": {"reason": "thư xin lỗi", "new_due": "2026-12-31"}}


def test_step_table_is_the_servers(reg):
    """Every state's allowed moves, as the server lists them in next_steps."""
    d = reg.receive("xray_declaration", "2026-06-01T08:00:00+07:00")
    assert set(reg.get("/dossiers/%d" % d["id"]).json()["next_steps"]) == ALLOWED["received"]


@pytest.mark.parametrize("state", sorted(ALLOWED))
def test_every_illegal_move_is_refused(reg, state):
    postal = state in ("filed", "refused_at_reception")
    d = reg.receive("xray_declaration", "2026-05-04T08:00:00+07:00", channel="postal" if postal else "counter",
                    facility_id=2)
    did = d["id"]
    if state == "result_recorded":
        reg.walk(did, TO_DRAFT + [APPROVE], "2026-05-05T08")
        r = reg.post("/dossiers/%d/result" % did, "leader", json={"number": "ILLEGAL-%d" % did, "issued": "2026-05-06",
                                                                   "at": "2026-05-06T10:00:00+07:00"})
        assert r.status_code == 201, r.text
    else:
        reg.walk(did, PATHS[state], "2026-05-05T08")
    cur = reg.get("/dossiers/%d" % did).json()
    assert cur["step"] == state.split("/")[0]
    assert set(cur["next_steps"]) == ALLOWED[state]
    refused = 0
    for step in sorted(STEP_ROLE):
        if step in ALLOWED[state]:
            continue
        body = {"step": step, "at": "2026-06-01T10:00:00+07:00"}
        body.update(EXTRA.get(step, {}))
        r = reg.post("/dossiers/%d/steps" % did, STEP_ROLE[step], json=body)
        problem(r, 409, step)
        refused += 1
    after = reg.get("/dossiers/%d" % did).json()
    assert after["version"] == cur["version"] and after["step"] == cur["step"], "a refused move wrote something"
    assert refused == len(STEP_ROLE) - len(ALLOWED[state])


def test_step_roles_and_checks(reg):
    d = reg.receive("xray_declaration", "2026-05-04T08:00:00+07:00")
    did = d["id"]
    problem(reg.post("/dossiers/%d/steps" % did, "counter", json={"step": "assigned"}), 403, "assigned", "licensing")
    problem(reg.post("/dossiers/%d/steps" % did, "inspector", json={"step": "assigned"}), 403)
    body = problem(reg.post("/dossiers/%d/steps" % did, "licensing", json={"step": "nope", "colour": 1}), 422)
    assert {e["field"] for e in body["errors"]} == {"step", "colour"}
    problem(reg.post("/dossiers/%d/steps" % did, "licensing",
                     json={"step": "assigned", "at": "2026-05-01T08:00:00+07:00"}), 422, "at")
    problem(reg.post("/dossiers/%d/steps" % did, "licensing",
                     json={"step": "assigned", "at": "2027-01-01T08:00:00+07:00"}), 422, "future")
    problem(reg.post("/dossiers/%d/steps" % did, "licensing", json={"step": "assigned"},
                     headers={"If-Match": '"v9"'}), 412)
    reg.walk(did, TO_DRAFT, "2026-05-04T09")
    problem(reg.post("/dossiers/%d/steps" % did, "leader", json={"step": "decision", "decision": "refuse",
                                                               "at": "2026-05-06T10:00:00+07:00"}), 422, "reasons")
    problem(reg.post("/dossiers/999999/steps", "licensing", json={"step": "assigned"}), 404)


def test_extension_letter_keeps_the_dossier_late(reg):
    d = reg.receive("xray_declaration", "2026-05-04T08:00:00+07:00")  # due 11 May 08:00
    did = d["id"]
    reg.walk(did, ["assigned", "completeness_review", "expert_review"], "2026-05-04T09")
    problem(reg.post("/dossiers/%d/steps" % did, "licensing",
                     json={"step": "extension_letter", "reason": "x", "new_due": "2026-05-08",
                           "at": "2026-05-08T09:00:00+07:00"}), 422, "new_due")
    e = reg.step(did, "extension_letter", "2026-05-08T09:00:00+07:00", reason="chờ kết quả kiểm định",
                 new_due="2026-05-20")
    assert e["step"] == "expert_review" and e["extended_due_at"] == "2026-05-20T17:00:00+07:00"
    assert e["due_at"] == "2026-05-11T08:00:00+07:00"
    reg.walk(did, ["draft_result", APPROVE], "2026-05-18T09")
    assert reg.get("/dossiers/%d" % did).json()["outcome"] == "late"
    html = reg.get("/dossiers/%d/extension-letter" % did, "counter")
    assert html.status_code == 200 and "chờ kết quả kiểm định" in html.text and "Mẫu số 04" in html.text


# --- fees and results ----------------------------------------------------------------------------

def record(reg, did, **body):
    body.setdefault("at", None)
    if body["at"] is None:
        del body["at"]
    return reg.post("/dossiers/%d/result" % did, "leader", json=body)


def test_results_new_renewed_amended(reg):
    # New licence: per-device fee 3 000 000 (general) + 2 000 000 (dental) + 8 000 000 (CT).
    n = reg.receive("xray_licence_new", "2026-01-05T08:00:00+07:00", facility_id=1, organization_id=1,
                    devices=[1, 2, 3])
    assert n["fee_vnd"] == 13000000 and [i["fee_vnd"] for i in n["fee_items"]] == [3000000, 2000000, 8000000]
    problem(record(reg, n["id"], number="X-1", issued="2026-01-20"), 409, "decision")
    reg.walk(n["id"], TO_DRAFT + [APPROVE], "2026-01-06T08")
    problem(reg.post("/dossiers/%d/result" % n["id"], "licensing", json={"number": "X"}), 403)
    body = problem(record(reg, n["id"], number="", issued="2026-13-01", expires="2020-01-01", changes=5), 422)
    assert {e["field"] for e in body["errors"]} >= {"number", "issued", "changes"}
    r = record(reg, n["id"], number="01/2026/GP-SKHCN", issued="2026-01-08", expires="2031-01-08",
               conditions={"practices": ["medical_xray"], "devices": [1, 2, 3], "rooms": ["P.101"]},
               signed_by="Giám đốc Sở", at="2026-01-08T10:00:00+07:00")
    assert r.status_code == 201, r.text
    lic1 = r.json()
    p = lic1["properties"]
    assert p["kind"] == "licence" and p["change_kind"] == "new" and p["status"] == "valid"
    assert p["expires"] == "2031-01-08" and p["dossier_id"] == n["id"] and p["facility_id"] == 1
    assert r.headers["Location"].endswith("/collections/authorizations/items/%d" % lic1["id"])
    d = reg.get("/dossiers/%d" % n["id"]).json()
    assert d["step"] == "result_recorded" and d["national_status"] == 9 and d["authorization"]["id"] == lic1["id"]
    assert d["links"]["result"] == "/dossiers/%d/result" % n["id"] and "extension_letter" not in d["links"]
    assert reg.get(d["links"]["result"], "counter").json()["id"] == lic1["id"]
    problem(record(reg, n["id"], number="01/2026/GP-SKHCN-bis", issued="2026-01-08"), 409)
    # Renewal: 75% of the new-licence fee of the same devices; names what it renews.
    rn = reg.receive("xray_licence_renewal", "2026-02-02T08:00:00+07:00", facility_id=1, devices=[1, 2, 3])
    assert rn["fee_vnd"] == 9750000
    reg.walk(rn["id"], TO_DRAFT + [APPROVE], "2026-02-03T08")
    problem(record(reg, rn["id"], number="02/2026/GP-SKHCN", issued="2026-02-04"), 422, "changes")
    problem(record(reg, rn["id"], number="01/2026/GP-SKHCN", issued="2026-02-04", changes=lic1["id"]), 409, "exists")
    r = record(reg, rn["id"], number="02/2026/GP-SKHCN", issued="2026-02-04", expires="2031-02-04",
               changes=lic1["id"], at="2026-02-04T10:00:00+07:00")
    assert r.status_code == 201, r.text
    lic2 = r.json()
    assert lic2["properties"]["change_kind"] == "renewal" and lic2["properties"]["supersedes_id"] == lic1["id"]
    old = reg.get("/collections/authorizations/items/%d" % lic1["id"]).json()["properties"]
    assert old["status"] == "superseded" and old["superseded_by_id"] == lic2["id"]
    # Amendment: changes the renewed licence; a new licence may not claim to change one.
    am = reg.receive("xray_licence_amendment", "2026-03-02T08:00:00+07:00", facility_id=1)
    assert am["fee_vnd"] is None and am["fee_note"]
    reg.walk(am["id"], TO_DRAFT + [APPROVE], "2026-03-03T08")
    problem(record(reg, am["id"], number="03/2026/GP-SKHCN", issued="2026-03-04", changes=lic1["id"]), 422,
            "superseded")
    r = record(reg, am["id"], number="03/2026/GP-SKHCN", issued="2026-03-04", expires="2031-02-04",
               changes=lic2["id"], at="2026-03-04T10:00:00+07:00")
    assert r.status_code == 201, r.text
    lic3 = r.json()
    assert lic3["properties"]["change_kind"] == "amendment" and lic3["properties"]["supersedes_id"] == lic2["id"]
    nw = reg.receive("xray_licence_new", "2026-03-02T08:00:00+07:00", facility_id=2, devices=[4])
    assert nw["fee_vnd"] == 2000000
    reg.walk(nw["id"], TO_DRAFT + [APPROVE], "2026-03-03T08")
    problem(record(reg, nw["id"], number="04/2026/GP-SKHCN", issued="2026-03-04", changes=lic3["id"]), 422,
            "changes")
    # The chain in the collection, and the facility's licence status.
    sup = reg.get("/collections/authorizations/items", params={"kind": "licence", "status": "superseded",
                                                               "facility_id": 1}).json()
    assert sorted(f["id"] for f in sup["features"]) == sorted([lic1["id"], lic2["id"]])
    fac = reg.get("/collections/facilities/items/1").json()["properties"]
    assert fac["licence_status"] == "valid" and fac["licence_expires"] == "2031-02-04"
    # Suspension, by the leader only, reflected on the facility; then reinstatement.
    problem(reg.post("/authorizations/%d/status" % lic3["id"], "licensing", json={"status": "suspended"}), 403)
    problem(reg.post("/authorizations/%d/status" % lic3["id"], "leader", json={"status": "suspended"}), 422, "reason")
    r = reg.post("/authorizations/%d/status" % lic3["id"], "leader", json={"status": "suspended",
                                                                          "reason": "vi phạm"})
    assert r.status_code == 200 and r.json()["properties"]["status"] == "suspended", r.text
    assert reg.get("/collections/facilities/items/1").json()["properties"]["licence_status"] == "suspended"
    problem(reg.post("/authorizations/%d/status" % lic1["id"], "leader", json={"status": "revoked", "reason": "x"}),
            409, "superseded")
    r = reg.post("/authorizations/%d/status" % lic3["id"], "leader", json={"status": "issued", "reason": "khắc phục"})
    assert r.json()["properties"]["status"] == "valid"


def test_authorizations_collection_is_read_only(reg):
    r = reg.http.post(reg.url + "/collections/authorizations/items", headers=reg.h("licensing"),
                      json={"type": "Feature", "geometry": None, "properties": {}}, timeout=10)
    problem(r, 405, "read-only")
    coll = [c["id"] for c in reg.get("/collections", "viewer").json()["collections"]]
    assert "authorizations" in coll and "inspections" not in coll
    problem(reg.get("/collections/authorizations/items", "viewer", params={"status": "bogus"}), 400, "status")
    feats = reg.get("/collections/authorizations/items", "viewer").json()["features"]
    assert feats and all("conditions" not in f["properties"] and "person_name" not in f["properties"] for f in feats)


def test_certificate_and_declaration_results(reg):
    c = reg.receive("rso_certificate", "2026-04-01T08:00:00+07:00", facility_id=3, persons=2)
    assert c["fee_vnd"] == 400000
    reg.walk(c["id"], TO_DRAFT + [APPROVE], "2026-04-02T08")
    r = record(reg, c["id"], number="15/2026/CC", issued="2026-04-03", person_name="Nguyễn Văn An",
               at="2026-04-03T10:00:00+07:00")
    assert r.status_code == 201, r.text
    p = r.json()["properties"]
    assert p["kind"] == "worker_certificate" and p["subject_type"] == "person" and p["expires"] is None
    assert p["person_name"] == "Nguyễn Văn An" and p["status"] == "valid"
    dcl = reg.receive("xray_declaration", "2026-04-01T08:00:00+07:00", facility_id=3, devices=[6])
    assert dcl["fee_vnd"] == 0
    reg.walk(dcl["id"], TO_DRAFT + [APPROVE], "2026-04-02T08")
    problem(record(reg, dcl["id"], number="9/XN", issued="2026-04-03", subject_type="device", device_id=4), 422,
            "device_id")
    r = record(reg, dcl["id"], number="9/XN", issued="2026-04-03", subject_type="device", device_id=6,
               at="2026-04-03T10:00:00+07:00")
    assert r.status_code == 201 and r.json()["properties"]["kind"] == "declaration_confirmation", r.text
    assert reg.get("/collections/facilities/items/3").json()["properties"]["declaration_status"] == "valid"


# --- the one-stop export -------------------------------------------------------------------------

EXPORT = """Số biên nhận,Mã thủ tục,Chủ hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,Ngày xử lý xong,Ngày trả kết quả
000.00.27.H29-260105-0001,xray_declaration,Nha khoa An Bình,05/01/2026 08:30,12/01/2026,10,09/01/2026,12/01/2026
000.00.27.H29-260106-0002,xray_licence_new,Phòng khám Minh Tâm,2026-01-06 14:00,2026-02-24,4,,
000.00.27.H29-260107-0003,1.000173.000.00.00.H58,Bệnh viện Quận 5,2026-01-07,2026-01-21,Đã trả kết quả,2026-01-16,2026-01-16
,xray_declaration,(no receipt number),2026-01-07,2026-01-14,10,,
000.00.27.H29-260108-0004,unknown_code,Công ty X,2026-01-08,2026-01-15,2,,
000.00.27.H29-260108-0005,xray_declaration,Công ty Y,not a date,2026-01-15,2,,
"""


def import_file(reg, data, ctype="text/csv", path="/dossiers/import", **params):
    return reg.http.post(reg.url + path, headers=reg.h("counter" if path.startswith("/dossiers") else "licensing",
                                                       **{"Content-Type": ctype}),
                         data=data.encode() if isinstance(data, str) else data, params=params, timeout=120)


def test_import_twice_gives_no_duplicates(reg):
    receipts = ["000.00.27.H29-2601%02d-%04d" % (k + 5, k + 1) for k in range(3)] + ["000.00.27.H29-260108-0004"]
    r = import_file(reg, EXPORT, dry_run="true")
    assert r.status_code == 200 and r.json()["created"] == 4 and r.json()["dry_run"], r.text
    assert reg.sql("SELECT count(*) FROM dossier WHERE receipt_no LIKE '000.00.27.H29-2601%'")[0][0] == 0
    r = import_file(reg, EXPORT)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["rows_read"], rep["created"], rep["updated"], rep["unchanged"], rep["invalid"]) == (6, 4, 0, 0, 2)
    assert {e["row"] for e in rep["invalid_rows"]} == {5, 7}
    r = import_file(reg, EXPORT)
    rep = r.json()
    assert (rep["created"], rep["updated"], rep["unchanged"]) == (0, 0, 4), rep
    for rn in receipts:
        assert reg.sql("SELECT count(*) FROM dossier WHERE receipt_no = ?", rn)[0][0] == 1, rn
    # The export says more later: the same row is updated, the steps follow the official status.
    r = import_file(reg, EXPORT.replace("2026-02-24,4,,", "2026-02-24,9,2026-02-20,"))
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 3), r.text
    d = reg.get("/dossiers", params={"receipt_no": "000.00.27.H29-260106-0002"}).json()["dossiers"][0]
    assert d["origin"] == "one_stop" and d["official"]["status"] == 9 and d["national_status"] == 9
    assert d["official"]["decided_at"] == "2026-02-20T00:00:00+07:00"
    assert d["official"]["due_at"] == "2026-02-24T17:00:00+07:00"
    # The example code of another province finds its procedure; an unknown code keeps the dossier.
    c = reg.get("/dossiers", params={"receipt_no": "000.00.27.H29-260107-0003"}).json()["dossiers"][0]
    assert c["procedure"]["key"] == "rso_certificate" and c["official"]["outcome"] == "early"
    u = reg.get("/dossiers", params={"receipt_no": "000.00.27.H29-260108-0004"}).json()["dossiers"][0]
    assert u["procedure"] is None and u["procedure_code"] == "unknown_code"
    # A counter cannot claim a receipt number; XLSX works the same way.
    body = problem(reg.post("/dossiers", "counter", json={"procedure": "xray_declaration", "applicant": "x",
                                                         "receipt_no": "1"}), 422)
    assert [e["field"] for e in body["errors"]] == ["receipt_no"]
    problem(import_file(reg, "just text", ctype="application/pdf"), 415)


def xlsx(rows):
    """A minimal XLSX workbook (shared strings) of rows of text."""
    strings, index = [], {}
    def si(v):
        if v not in index:
            index[v] = len(strings)
            strings.append(v)
        return index[v]
    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    cells = []
    for r, row in enumerate(rows, 1):
        cs = "".join('<c r="%s%d" t="s"><v>%d</v></c>' % (chr(65 + c), r, si(v)) for c, v in enumerate(row) if v)
        cells.append('<row r="%d">%s</row>' % (r, cs))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>' % "".join(cells))
    shared = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
              '2006/main" count="%d" uniqueCount="%d">%s</sst>' % (len(strings), len(strings),
                                                                  "".join("<si><t>%s</t></si>" % esc(s)
                                                                          for s in strings)))
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="HoSo" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": shared,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_import_xlsx_twice(reg):
    rows = [["receipt_no", "procedure", "applicant", "received", "due", "status"],
            ["X-2026-0001", "xray_declaration", "Công ty Z", "2026-02-02 08:00", "2026-02-09", "2"],
            ["X-2026-0002", "rso_certificate", "Công ty Z", "2026-02-03", "2026-02-17", "Đang xử lý"]]
    data = xlsx(rows)
    r = import_file(reg, data, ctype=XLSX_TYPE)
    assert r.status_code == 200 and r.json()["created"] == 2, r.text
    r = import_file(reg, data, ctype=XLSX_TYPE)
    assert r.json()["created"] == 0 and r.json()["unchanged"] == 2, r.text
    assert reg.sql("SELECT count(*) FROM dossier WHERE receipt_no LIKE 'X-2026-%'")[0][0] == 2
    problem(import_file(reg, data, ctype="text/csv"), 415)


def test_varans_licences_imported_read_only(reg):
    csv = ("Số giấy phép,Mã cơ sở,Ngày cấp,Ngày hết hạn,Điều kiện\n"
           "101/GP-ATBXHN,HM-VR1,2024-03-01,2026-08-01,Co-60 tối đa 100 TBq\n"
           "102/GP-ATBXHN,NOPE,2024-03-01,2027-03-01,\n")
    r = import_file(reg, csv, path="/authorizations/import")
    assert r.status_code == 200 and (r.json()["created"], r.json()["invalid"]) == (1, 1), r.text
    r = import_file(reg, csv, path="/authorizations/import")
    assert (r.json()["created"], r.json()["unchanged"]) == (0, 1), r.text
    f = reg.get("/collections/authorizations/items", params={"record_owner": "varans"}).json()["features"]
    assert len(f) == 1
    p = f[0]["properties"]
    assert p["number"] == "101/GP-ATBXHN" and p["status"] == "expiring" and p["facility_id"] == 4
    assert p["conditions"] == '{"text":"Co-60 tối đa 100 TBq"}'
    problem(reg.post("/authorizations/%d/status" % f[0]["id"], "leader", json={"status": "revoked", "reason": "x"}),
            403, "national regulator")


# --- attachments ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def attach(reg, did, data, ctype, name, role="counter"):
    return reg.http.post(reg.url + "/dossiers/%d/attachments" % did, params={"name": name},
                         headers=reg.h(role, **{"Content-Type": ctype}), data=data, timeout=120)


def test_attachments(reg):
    d = reg.receive("xray_declaration", "2026-06-01T08:00:00+07:00", facility_id=2)
    did = d["id"]
    r = attach(reg, did, PDF, "application/pdf", "giấy chứng nhận sức khỏe.pdf")
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["sha256"] == hashlib.sha256(PDF).hexdigest() and a["size_bytes"] == len(PDF)
    assert a["media_type"] == "application/pdf" and a["file_name"] == "giấy chứng nhận sức khỏe.pdf"
    r = attach(reg, did, PNG, "application/octet-stream", "ban-ve.png")
    assert r.status_code == 201 and r.json()["media_type"] == "image/png", r.text
    lst = reg.get("/dossiers/%d/attachments" % did, "leader").json()["attachments"]
    assert [x["id"] for x in lst] == [a["id"], r.json()["id"]]
    # Download: the bytes, as an attachment, logged.
    before = reg.sql("SELECT count(*) FROM read_log WHERE collection = 'attachments'")[0][0]
    r = reg.get("/dossiers/%d/attachments/%d" % (did, a["id"]), "licensing")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''gi%E1%BA%A5y" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "no-store"
    rows = reg.sql("SELECT user_name, ids FROM read_log WHERE collection = 'attachments' ORDER BY id")
    assert len(rows) == before + 1 and rows[-1] == ("lic_licensing", "%d/%d" % (did, a["id"]))
    for role in ("inspector", "planner", "viewer", "admin"):
        problem(reg.get("/dossiers/%d/attachments/%d" % (did, a["id"]), role), 403)
        problem(reg.get("/dossiers/%d/attachments" % did, role), 403)
    problem(reg.get("/dossiers/%d/attachments/999" % did, "counter"), 404)
    # The dossier itself lists its attachments only to the roles that may open them: to the others
    # the file names and uploaders are not sent at all.
    for role in ("counter", "licensing", "leader"):
        listed = reg.get("/dossiers/%d" % did, role).json()["attachments"]
        assert [x["file_name"] for x in listed] == ["giấy chứng nhận sức khỏe.pdf", "ban-ve.png"], role
    readers = 0
    for role in ("inspector", "planner", "admin"):
        r = reg.get("/dossiers/%d" % did, role)
        if r.status_code == 200:
            readers += 1
            assert "attachments" not in r.json() and "ban-ve.png" not in r.text, role
    assert readers, "no other role reads the dossier: the check above checked nothing"


def test_attachments_refused_write_nothing(reg):
    d = reg.receive("xray_declaration", "2026-06-01T08:00:00+07:00")
    did = d["id"]
    count = lambda: (reg.sql("SELECT count(*) FROM dossier_attachment")[0][0], reg.sql("SELECT count(*) FROM audit")[0][0])
    before = count()
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    problem(attach(reg, did, exe, "application/pdf", "hop-dong.pdf"), 415, "PDF, JPEG or PNG")
    problem(attach(reg, did, PNG, "application/pdf", "scan.pdf"), 415, "image/png")
    problem(attach(reg, did, PDF, "application/pdf", "photo.jpg"), 415, "photo.jpg")
    problem(attach(reg, did, b"", "application/pdf", "x.pdf"), 400)
    big = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))
    problem(attach(reg, did, big, "application/pdf", "big.pdf"), 413)
    assert count() == before, "a refused attachment wrote something"
    # Exactly 10 MB is accepted.
    limit = PDF + b"0" * (10 * 1024 * 1024 - len(PDF))
    r = attach(reg, did, limit, "application/pdf", "limit.pdf")
    assert r.status_code == 201 and r.json()["size_bytes"] == 10 * 1024 * 1024, r.text[:300]


# --- forms ---------------------------------------------------------------------------------------

def test_printable_forms(reg):
    d = reg.receive("xray_declaration", "2026-06-02T08:00:00+07:00", applicant="Phòng khám <Minh An>", facility_id=1)
    reg.walk(d["id"], ["assigned", "completeness_review"], "2026-06-02T09")
    for path, words in (("receipt", ["Mẫu số 01", d["receipt_no"], "09/06/2026", "lic_counter"]),
                        ("control-slip", ["Mẫu số 06", "Phân công thụ lý", "Thẩm định tính đầy đủ"])):
        r = reg.get("/dossiers/%d/%s" % (d["id"], path), "counter")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        for w in words:
            assert w in r.text, (path, w)
        assert "Phòng khám &lt;Minh An&gt;" in r.text and "<Minh An>" not in r.text
        assert not re.search(r"<script|src=|href=|https?://|@import", r.text), path
    problem(reg.get("/dossiers/%d/extension-letter" % d["id"], "counter"), 404)
    imported = reg.get("/dossiers", params={"origin": "one_stop", "limit": 1}).json()["dossiers"]
    if imported:
        problem(reg.get("/dossiers/%d/receipt" % imported[0]["id"], "counter"), 404, "one-stop")


# --- lists ---------------------------------------------------------------------------------------

def test_dossier_list_filters(reg):
    d = reg.receive("xray_emergency_plan", "2026-04-01T08:00:00+07:00", facility_id=3)
    lst = reg.get("/dossiers", params={"procedure": "xray_emergency_plan"}).json()
    assert [x["id"] for x in lst["dossiers"]] == [d["id"]] and lst["numberMatched"] == 1
    x = lst["dossiers"][0]
    assert x["due_at"] == "2026-04-15T08:00:00+07:00" and x["overdue"] and x["working_hours_left"] < 0
    over = reg.get("/dossiers", params={"overdue": "true", "limit": 1000}).json()["dossiers"]
    assert d["id"] in [o["id"] for o in over] and all(o["overdue"] for o in over)
    assert all(o["paused"] is False for o in over)
    due = reg.get("/dossiers", params={"due_before": "2026-05-01", "limit": 1000}).json()["dossiers"]
    assert d["id"] in [o["id"] for o in due] and all(o["due_at"] < "2026-05-01" for o in due)
    assert all(o["national_status"] == 2 for o in reg.get("/dossiers", params={"status": "2"}).json()["dossiers"])
    problem(reg.get("/dossiers", params={"status": "nope"}), 400, "status")
    problem(reg.get("/dossiers", params={"procedure": "nope"}), 400, "procedure")
    problem(reg.get("/dossiers", params={"due_before": "tomorrow"}), 400, "due_before")
    problem(reg.get("/dossiers", params={"colour": "red"}), 400, "colour")
    problem(reg.get("/dossiers", "viewer"), 403)
    assert reg.get("/dossiers", "planner").status_code == 200


# --- inspections ---------------------------------------------------------------------------------

def inspect(reg, role, **props):
    return reg.http.post(reg.url + "/collections/inspections/items", headers=reg.h(role),
                         json={"type": "Feature", "geometry": None, "properties": props}, timeout=30)


def test_inspections_and_plan(reg):
    problem(inspect(reg, "licensing", facility_id=1, date="2026-05-01", kind="planned"), 403)
    body = problem(inspect(reg, "inspector", facility_id=1, date="2027-05-01", kind="sometimes"), 422)
    assert {e["field"] for e in body["errors"]} == {"date", "kind"}
    r = inspect(reg, "inspector", facility_id=1, date="2026-05-01", kind="planned", result="failed",
                inspectors="Lê Văn Bình, Trần Thị Cúc", findings="thiếu kết quả kiểm định",
                follow_up_due="2026-07-01")
    assert r.status_code == 201, r.text
    assert r.json()["geometry"]["coordinates"] == pytest.approx([106.61, 10.76])
    f1 = reg.get("/collections/facilities/items/1", "inspector").json()["properties"]
    assert f1["next_inspection_due"] == "2026-07-01" and f1["inspection_overdue"] is False
    r = inspect(reg, "inspector", facility_id=1, date="2026-06-01", kind="follow_up", result="passed")
    assert r.status_code == 201, r.text
    assert reg.get("/collections/facilities/items/1", "inspector").json()["properties"]["next_inspection_due"] == \
        "2029-06-01"
    # Never inspected: the interval of the most demanding practice (radiotherapy, 12 months) from entry.
    f3 = reg.get("/collections/facilities/items/3", "inspector").json()["properties"]
    assert f3["next_inspection_due"] == "2025-01-10" and f3["inspection_overdue"] is True
    overdue = reg.get("/collections/facilities/items", "inspector", params={"inspection_overdue": "true"}).json()
    assert {f["id"] for f in overdue["features"]} == {2, 3, 4, 5}
    assert "next_inspection_due" not in reg.get("/collections/facilities/items/1", "viewer").json()["properties"]
    # 2027: one planned inspection per enterprise; the most urgent of Minh An's clinics (3, due 2025-01-01).
    plan = reg.get("/inspection-plans/2027", "inspector").json()
    assert plan["stored"] is False and plan["status"] == "proposal"
    assert [i["facility_id"] for i in plan["items"]] == [3, 5] or [i["facility_id"] for i in plan["items"]] == [5, 3]
    assert [(i["facility_id"], i["reason"]) for i in plan["deferred"]] == [(2, "enterprise_planned")]
    # 2026: Minh An had its planned inspection in May.
    p26 = reg.get("/inspection-plans/2026", "inspector").json()
    assert [i["facility_id"] for i in p26["items"]] == [3]
    assert sorted((i["facility_id"], i["reason"]) for i in p26["deferred"]) == [(2, "enterprise_inspected"),
                                                                                 (5, "enterprise_inspected")]
    body = problem(reg.post("/inspection-plans/2027", "inspector",
                            json={"items": [{"facility_id": 2, "planned_month": 3},
                                            {"facility_id": 5, "planned_month": 4}]}), 422, "same enterprise")
    problem(reg.post("/inspection-plans/2027", "licensing", json={"from_proposal": True}), 403)
    r = reg.post("/inspection-plans/2027", "inspector", json={"from_proposal": True, "note": "kế hoạch 2027"})
    assert r.status_code == 201 and r.json()["stored"] and r.json()["planned"] == 2, r.text
    problem(reg.post("/inspection-plans/2027", "inspector", json={"from_proposal": True}), 428)
    r = reg.post("/inspection-plans/2027", "leader", json={"items": [{"facility_id": 2, "planned_month": 9}],
                                                          "status": "approved"}, headers={"If-Match": '"v1"'})
    assert r.status_code == 200 and [i["facility_id"] for i in r.json()["items"]] == [2], r.text
    assert reg.get("/inspection-plans/2027", "planner").json()["status"] == "approved"
    # The interval per practice is data an admin edits; the next inspection follows it.
    xr = {p["key"]: p for p in reg.get("/practices", "viewer").json()["practices"]}["medical_xray"]
    assert xr["inspection_interval_months"] == 36 and xr["failed_interval_months"] == 6
    problem(reg.http.patch(reg.url + "/practices/medical_xray", headers=reg.h("licensing"),
                           json={"inspection_interval_months": 24}, timeout=10), 403)
    problem(reg.http.patch(reg.url + "/practices/medical_xray", headers=reg.h("admin"),
                           json={"inspection_interval_months": 0, "colour": 1}, timeout=10), 422, "colour")
    r = reg.http.patch(reg.url + "/practices/medical_xray", headers=reg.h("admin"),
                       json={"inspection_interval_months": 24}, timeout=10)
    assert r.status_code == 200 and r.json()["inspection_interval_months"] == 24, r.text
    try:
        assert reg.get("/collections/facilities/items/1", "inspector").json()["properties"][
            "next_inspection_due"] == "2028-06-01"
    finally:
        reg.http.patch(reg.url + "/practices/medical_xray", headers=reg.h("admin"),
                       json={"inspection_interval_months": 36}, timeout=10)


# --- figures -------------------------------------------------------------------------------------

STATS_EXPORT = """receipt_no,procedure,applicant,received,due,status,decided,returned
S-A,xray_declaration,A,2026-01-05 08:30,2026-01-12,10,2026-01-09,2026-01-12
S-B,xray_declaration,B,2026-01-06 09:00,2026-01-13,10,2026-01-13,2026-01-14
S-C,xray_licence_new,C,2026-01-07,2026-02-11,9,2026-02-20,
S-D,rso_certificate,D,2026-02-02,2026-02-13,4,,
S-E,rso_certificate,E,2026-02-03,2026-02-24,7,,
S-F,xray_declaration,F,2026-02-04,2026-06-30,5,,
"""


def counters(g):
    return {k: g[k] for k in ("received", "resolved", "early", "on_time", "late", "pending", "overdue_now",
                              "closed_without_decision", "on_time_rate")}


def test_one_stop_statistics_by_hand(stats_reg):
    """Six imported dossiers (official dates) and three received here (radmap's dates):
    A early, B on time (decided on its due day), C late, D pending and overdue, E withdrawn, F pending
    and paused; G early (decided 5 March, due 9 March), H on time (10 March 07:45, due 08:00), I late."""
    reg = stats_reg
    r = import_file(reg, STATS_EXPORT)
    assert r.status_code == 200 and r.json()["created"] == 6, r.text
    for received, decided in (("2026-03-02T08:00:00+07:00", "2026-03-05T10:00:00+07:00"),
                              ("2026-03-03T08:00:00+07:00", "2026-03-10T07:45:00+07:00"),
                              ("2026-03-04T08:00:00+07:00", "2026-03-12T09:00:00+07:00")):
        d = reg.receive("xray_declaration", received)
        reg.walk(d["id"], TO_DRAFT, received[:13])
        reg.step(d["id"], "decision", decided, decision="approve")
    s = reg.get("/stats/one-stop", params={"from": "2026-01-01", "to": "2026-03-31"}).json()
    assert counters(s["total"]) == {"received": 9, "resolved": 6, "early": 2, "on_time": 2, "late": 2, "pending": 2,
                                    "overdue_now": 1, "closed_without_decision": 1, "on_time_rate": 0.6667}
    months = {m["month"]: counters(m) for m in s["total"]["by_month"]}
    assert months["2026-01"] == {"received": 3, "resolved": 3, "early": 1, "on_time": 1, "late": 1, "pending": 0,
                                 "overdue_now": 0, "closed_without_decision": 0, "on_time_rate": 0.6667}
    assert months["2026-02"] == {"received": 3, "resolved": 0, "early": 0, "on_time": 0, "late": 0, "pending": 2,
                                 "overdue_now": 1, "closed_without_decision": 1, "on_time_rate": None}
    assert months["2026-03"] == months["2026-01"]
    by = {p["procedure"]: counters(p) for p in s["by_procedure"]}
    assert by["xray_declaration"] == {"received": 6, "resolved": 5, "early": 2, "on_time": 2, "late": 1,
                                      "pending": 1, "overdue_now": 0, "closed_without_decision": 0,
                                      "on_time_rate": 0.8}
    assert by["xray_licence_new"]["late"] == 1 and by["xray_licence_new"]["on_time_rate"] == 0
    assert by["rso_certificate"]["pending"] == 1 and by["rso_certificate"]["closed_without_decision"] == 1
    # radmap's own due dates part from the official ones for C (10 Feb vs 11 Feb) and F (paused there).
    rec = {x["receipt_no"]: x for x in s["reconciliation"]}
    assert set(rec) == {"S-C", "S-F"} and s["reconciliation_count"] == 2
    assert rec["S-C"]["disagreements"] == ["due_date"]
    assert rec["S-C"]["radmap"]["due_at"] == "2026-02-10T17:00:00+07:00"
    assert rec["S-C"]["official"]["due_at"] == "2026-02-11T17:00:00+07:00"
    only = reg.get("/stats/one-stop", params={"from": "2026-01-01", "to": "2026-03-31",
                                              "procedure": "xray_declaration"}).json()
    assert counters(only["total"]) == by["xray_declaration"]
    feb = reg.get("/stats/one-stop", params={"from": "2026-02-01", "to": "2026-02-28"}).json()
    assert feb["total"]["received"] == 3 and len(feb["total"]["by_month"]) == 1
    problem(reg.get("/stats/one-stop", params={"from": "2026-03-01", "to": "2026-02-01"}), 400, "before")
    problem(reg.get("/stats/one-stop", "viewer"), 403)


FORBIDDEN = re.compile(r"categor|nuclide|activity|source|serial|model", re.I)


def keys(obj):
    if isinstance(obj, dict):
        return [k for k in obj] + [x for v in obj.values() for x in keys(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in keys(v)]
    return []


def test_register_statistics_by_class(stats_reg):
    reg = stats_reg
    full = reg.get("/stats/register", "inspector").json()
    assert full["visibility"] == "full"
    assert full["facilities"]["total"] == 5 and full["facilities"]["by_practice"]["medical_xray"] == 3
    assert full["devices"]["total"] == 6 and full["devices"]["by_type"]["linac"] == 1
    assert full["sources"]["total"] == 0 and "by_category" in full["sources"]
    assert full["facilities"]["by_category"] == {"none": 5}
    viewer = reg.get("/stats/register", "viewer").json()
    assert viewer["visibility"] == "viewer" and "sources" not in viewer
    assert not [k for k in keys(viewer) if FORBIDDEN.search(k)], keys(viewer)
    assert viewer["devices"]["total"] == 6 and "authorizations" in viewer


# --- fee schedules -------------------------------------------------------------------------------

def test_fee_schedule_versions(reg):
    """A new version of the X-ray fee schedule prices the dossiers received from its date only."""
    r = reg.get("/fee-schedules/xray", "viewer")
    assert r.status_code == 200, r.text
    fees = {i["item"]: i["fee_vnd"] for i in r.json()["items"]}
    assert fees == {"bone_densitometry": 3000000, "ct": 8000000, "dental": 2000000, "fluoroscopy": 5000000,
                    "general": 3000000, "mammography": 2000000, "mobile": 2000000, "pet_ct": 16000000}
    etag = r.headers["ETag"]
    body = {"valid_from": "2026-06-01", "items": [{"item": "ct", "fee_vnd": 9000000},
                                                  {"item": "general", "fee_vnd": 3500000}]}
    r = reg.http.put(reg.url + "/fee-schedules/xray", headers=reg.h("admin"), json=body, timeout=30)
    problem(r, 428, "If-Match")
    problem(reg.put("/fee-schedules/xray", "licensing", body, etag), 403)
    bad = {"valid_from": "1999-01-01", "items": [{"item": "ct", "fee_vnd": -1}]}
    body_bad = problem(reg.put("/fee-schedules/xray", "admin", bad, etag), 422)
    assert {e["field"] for e in body_bad["errors"]} == {"valid_from", "items[0]"}
    r = reg.put("/fee-schedules/xray", "admin", body, etag)
    assert r.status_code == 200, r.text
    now = {i["item"]: i["fee_vnd"] for i in r.json()["items"]}
    assert now["ct"] == 9000000 and now["general"] == 3500000 and now["dental"] is None
    problem(reg.put("/fee-schedules/xray", "admin", body, etag), 412)
    before = reg.receive("xray_licence_new", "2026-05-04T08:00:00+07:00", facility_id=1, devices=[1, 3])
    after = reg.receive("xray_licence_new", "2026-06-02T08:00:00+07:00", facility_id=1, devices=[1, 3])
    dental = reg.receive("xray_licence_new", "2026-06-02T08:00:00+07:00", facility_id=1, devices=[2])
    assert before["fee_vnd"] == 11000000 and after["fee_vnd"] == 12500000
    assert dental["fee_vnd"] is None and "does not price" in dental["fee_note"]
    renewal = reg.receive("xray_licence_renewal", "2026-06-02T08:00:00+07:00", facility_id=1, devices=[1, 3])
    assert renewal["fee_vnd"] == 9375000
    old = reg.get("/fee-schedules/xray", "viewer", params={"at": "2026-05-31"}).json()
    assert {i["item"]: i["fee_vnd"] for i in old["items"]}["ct"] == 8000000


# --- the demo register ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_licensing(demo_db, demo_server):
    p = run_radmap("user", "add", demo_db, "lic_demo_reader", "--role", "licensing", "--read-only")
    return demo_server.url, {"Authorization": "Bearer " + p.stdout.strip().splitlines()[-1].strip()}


def test_demo_history(demo_licensing):
    url, h = demo_licensing
    s = requests.get(url + "/stats/one-stop", params={"from": "2024-06-15", "to": TODAY}, headers=h, timeout=60).json()
    t = s["total"]
    assert 800 <= t["received"] <= 2500, t
    assert t["early"] > 0 and t["late"] > 0 and t["pending"] > 0 and t["overdue_now"] > 0
    assert t["closed_without_decision"] > 0
    assert 0.9 <= t["on_time_rate"] < 1
    assert t["on_time"] > t["early"] > t["late"]
    assert {p["procedure"] for p in s["by_procedure"]} >= {"xray_declaration", "xray_licence_new",
                                                           "xray_licence_renewal", "rso_certificate"}
    assert len(t["by_month"]) == 25 and all(m["received"] > 0 for m in t["by_month"][1:-1])
    assert s["reconciliation_count"] > 0
    lst = requests.get(url + "/dossiers", params={"status": "supplement_requested"}, headers=h, timeout=60).json()
    assert lst["numberMatched"] > 0 and all(d["paused"] for d in lst["dossiers"])
    reg = requests.get(url + "/stats/register", headers=h, timeout=60).json()
    a = reg["authorizations"]
    assert a["by_status"]["expiring"] > 0 and a["by_status"]["expired"] > 0 and a["by_status"]["superseded"] > 0
    assert a["by_record_owner"]["varans"] > 0 and a["by_kind"]["declaration_confirmation"]["valid"] > 0
    insp = requests.get(url + "/collections/inspections/items", params={"limit": 1}, headers=h, timeout=60).json()
    assert insp["numberMatched"] > 1000
    over = requests.get(url + "/collections/facilities/items", params={"inspection_overdue": "true", "limit": 1},
                        headers=h, timeout=60).json()
    assert over["numberMatched"] > 0
    cal = requests.get(url + "/calendar/2025", headers=h, timeout=60).json()
    assert {d["date"] for d in cal["days"] if d["reason"] == "tet"} == {"2025-01-27", "2025-01-28", "2025-01-29",
                                                                        "2025-01-30", "2025-01-31"}
