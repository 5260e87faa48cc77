"""
Events and enforcement (issue 11): the demo's lost source is an open event in /alerts with its zones
and in the tiles (alert=true) for roles that see sources, and both go on its recovery; orphan
sources registered with their event and zones; events on the map; violations, sanctions and
corrective actions with overdue flags and the facility's enforcement_status in GeoJSON and tiles.

    RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api/test_events.py
"""
import json
import os
import sqlite3

import pytest
import requests

from authutil import decode_mvt, lonlat_to_tile
from conftest import problem, run_radmap


class Reg:
    def __init__(self, db, server):
        self.db, self.url, self.tokens = db, server.url, {}
        for role in ("licensing", "leader", "inspector", "viewer"):
            p = run_radmap("user", "add", db, "ev." + role, "--role", role)
            self.tokens[role] = p.stdout.strip().splitlines()[-1].strip()

    def h(self, role, **extra):
        d = {"Authorization": "Bearer " + self.tokens[role]}
        d.update(extra)
        return d

    def get(self, path, role="inspector", **kw):
        return requests.get(self.url + path, headers=self.h(role), timeout=60, **kw)

    def send(self, method, path, body, role="licensing"):
        return requests.request(method, self.url + path, data=json.dumps(body), timeout=60,
                                headers=self.h(role, **{"Content-Type": "application/json"}))

    def sql(self, q, args=()):
        con = sqlite3.connect(self.db)
        rows = con.execute(q, args).fetchall()
        con.close()
        return rows


@pytest.fixture(scope="module")
def reg(workdir, start_server):
    db = os.path.join(workdir, "events.db")
    run_radmap("init", db, "--demo")
    return Reg(db, start_server(db))


def tile_feats(reg, role, layer, z, lon, lat):
    x, y = lonlat_to_tile(z, lon, lat)
    r = reg.get("/tiles/%s/%d/%d/%d.mvt" % (layer, z, x, y), role)
    if r.status_code == 404:
        return None
    assert r.status_code in (200, 204), r.text
    feats = decode_mvt(r.content, z, x, y).get(layer, []) if r.content else []
    return {f["id"]: f for f in feats if f["id"] is not None}


def test_lost_source_event_in_alerts_and_tiles_until_recovery(reg):
    sid, lon, lat, fac = reg.sql("SELECT id, lon, lat, facility_id FROM source WHERE status = 'lost'")[0]
    eid = reg.sql("SELECT event_id FROM event_source WHERE source_id = ?", (sid,))[0][0]
    doc = reg.get("/alerts").json()
    pts = {(f["properties"]["layer"], f["id"]) for f in doc["features"] if f["geometry"]["type"] == "Point"}
    assert ("sources", sid) in pts and ("events", eid) in pts
    ev = next(f for f in doc["features"] if f["geometry"]["type"] == "Point" and f["properties"]["layer"] == "events"
              and f["id"] == eid)
    assert ev["properties"]["kind"] == "loss" and ev["properties"]["zones"] and ev["properties"]["largest_zone_m"] > 0
    assert str(sid) in [str(s) for s in ev["properties"]["source_ids"]]
    # tiles: alert on the source and the event for a role that sees sources; no such layers for a viewer
    feats = tile_feats(reg, "inspector", "sources", 14, lon, lat)
    assert feats[sid]["props"]["alert"] is True
    evs = tile_feats(reg, "inspector", "events", 14, lon, lat)
    assert evs[eid]["props"]["alert"] is True and evs[eid]["props"]["status"] == "open"
    assert tile_feats(reg, "viewer", "events", 14, lon, lat) is None
    assert reg.get("/alerts", "viewer").json()["features"] == []
    # recovery: back into its facility's store; the event closes; alerts and tiles follow
    r = reg.send("POST", "/collections/sources/items/%d/transactions" % sid,
                 {"kind": "recovery", "date": "2026-06-15", "to_facility_id": fac, "status": "stored",
                  "note": "tìm thấy tại bãi xe"})
    assert r.status_code == 201, r.text
    assert r.json()["closed_events"] == 1
    doc = reg.get("/alerts").json()
    pts = {(f["properties"]["layer"], f["id"]) for f in doc["features"] if f["geometry"]["type"] == "Point"}
    assert ("sources", sid) not in pts and ("events", eid) not in pts
    feats = tile_feats(reg, "inspector", "sources", 14, lon, lat)
    assert sid not in feats or feats[sid]["props"]["alert"] is False
    evs = tile_feats(reg, "inspector", "events", 14, lon, lat)
    assert evs[eid]["props"]["alert"] is False and evs[eid]["props"]["status"] == "closed"
    e = reg.get("/events/%d" % eid).json()
    assert e["status"] == "closed" and "recovered" in e["closed_reason"]
    t = reg.get("/collections/sources/items/%d/transactions" % sid).json()
    assert t["consistent"] and t["transactions"][-1]["kind"] == "recovery"


def test_orphan_source_registered_on_map_with_zones(reg):
    custodian = reg.sql("SELECT id FROM facility WHERE record_owner = 'department' ORDER BY id LIMIT 1")[0][0]
    body = {"nuclide": "Co-60", "activity_bq": 3.7e10, "reference_date": "2000-01-01", "found_on": "2026-06-14",
            "custodian_facility_id": custodian, "lon": 106.6812, "lat": 10.7621, "place": "Bãi phế liệu",
            "description": "phát hiện tại cổng đo"}
    r = reg.send("POST", "/orphans", body)
    assert r.status_code == 201, r.text
    src, ev = r.json()["source"], r.json()["event"]
    assert src["properties"]["orphan"] is True and src["properties"]["status"] == "found"
    assert src["geometry"]["coordinates"] == [106.6812, 10.7621]
    assert ev["kind"] == "orphan_found" and ev["status"] == "open"
    doc = reg.get("/alerts").json()
    a = [f for f in doc["features"] if f["geometry"]["type"] == "Point" and f["properties"]["layer"] == "sources"
         and f["id"] == src["id"]]
    assert a and a[0]["properties"]["zones"]
    item = reg.get("/collections/sources/items/%d" % src["id"]).json()
    assert item["properties"]["orphan"] is True and item["properties"]["alert"] is True
    evs = reg.get("/collections/events/items", params={"status": "open"}).json()
    assert ev["id"] in [f["id"] for f in evs["features"]]
    problem(reg.send("POST", "/orphans", {"nuclide": "Xx-1", "lon": 0, "lat": 0}), 422)


def test_event_register(reg):
    fac = reg.sql("SELECT id, lon, lat FROM facility ORDER BY id LIMIT 1")[0]
    r = reg.send("POST", "/events", {"kind": "overexposure", "occurred_at": "2026-06-10T09:30:00+07:00",
                                     "lon": fac[1], "lat": fac[2], "severity": "medium", "facility_id": fac[0],
                                     "persons": [{"name": "Nguyễn Văn A", "role": "worker", "dose_msv": 25.0}],
                                     "notifications": [{"to": "varans", "at": "2026-06-10"}]}, role="inspector")
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["persons"][0]["dose_msv"] == 25.0 and e["notifications"][0]["to"] == "varans"
    r = reg.send("PATCH", "/events/%d" % e["id"], {"status": "closed", "closed_reason": "điều tra xong",
                                                   "follow_up": "đào tạo lại"}, role="inspector")
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closed_at"]
    body = problem(reg.send("POST", "/events", {"kind": "meteor", "lon": 500}), 422)
    assert {"kind", "occurred_at", "lat", "lon"} <= {x["field"] for x in body["errors"]}
    problem(reg.send("POST", "/events", {"kind": "loss"}, role="viewer"), 403)


def test_enforcement_chain_and_status(reg):
    fid, lon, lat = reg.sql("SELECT id, lon, lat FROM facility WHERE id NOT IN (SELECT facility_id FROM violation) "
                            "AND status = 'operating' ORDER BY id LIMIT 1")[0]
    p = reg.get("/collections/facilities/items/%d" % fid).json()["properties"]
    assert p["enforcement_status"] is None
    r = reg.send("POST", "/violations", {"facility_id": fid, "finding": "không có biển cảnh báo",
                                         "legal_basis": "Điều 9 Nghị định 107/2013/NĐ-CP", "found_on": "2026-05-01"},
                 role="inspector")
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert reg.get("/collections/facilities/items/%d" % fid).json()["properties"]["enforcement_status"] == "open"
    r = reg.send("POST", "/violations/%d/corrective-actions" % vid, {"action": "lắp biển cảnh báo", "due": "2026-06-01"},
                 role="inspector")
    assert r.status_code == 201 and r.json()["status"] == "overdue"
    ca = r.json()["corrective_actions"][0]
    assert ca["overdue"] is True
    assert reg.get("/collections/facilities/items/%d" % fid).json()["properties"]["enforcement_status"] == "overdue"
    feats = tile_feats(reg, "inspector", "facilities", 15, lon, lat)
    assert feats[fid]["props"]["enforcement_status"] == "overdue"
    problem(reg.send("POST", "/violations/%d/sanctions" % vid, {"decision_no": "1/QĐ", "decided_on": "2026-06-02",
                                                               "kind": "fine"}, role="inspector"), 403)
    r = reg.send("POST", "/violations/%d/sanctions" % vid, {"decision_no": "1/QĐ", "decided_on": "2026-06-02",
                                                           "kind": "fine", "fine_vnd": 15000000}, role="leader")
    assert r.status_code == 201 and r.json()["sanctions"][0]["fine_vnd"] == 15000000
    r = reg.send("PATCH", "/corrective-actions/%d" % ca["id"], {"done_on": "2026-06-05", "verified_on": "2026-06-10"},
                 role="inspector")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed" and r.json()["closed_on"] == "2026-06-10"
    assert reg.get("/collections/facilities/items/%d" % fid).json()["properties"]["enforcement_status"] is None
    feats = tile_feats(reg, "inspector", "facilities", 15, lon, lat)
    assert feats[fid]["props"].get("enforcement_status") is None
    over = reg.get("/violations", params={"overdue": "true"}).json()["violations"]
    assert all(v["status"] == "overdue" for v in over)
