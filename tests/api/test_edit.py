"""
Editing the register through OGC API - Features Part 4 (issue 4): create, replace, patch and
delete for facilities, sources and devices; ETags and If-Match (428, 412), no lost update under
concurrent edits, validation that lists every bad field (422) and writes nothing, duplicate serial
numbers (409 naming the other record), records of the national regulator (403), OPTIONS that
reflects the role, an audit row per write, and tiles that show the change at once.
"""
import copy
import json
import threading
import time

import pytest
import requests

from authutil import (Realm, au_demo, db_checksum, decode_mvt, etag_version, fetch_all,  # noqa: F401
                      lonlat_to_tile, metres_between, problem, route_exists, table_rows)

GEO = {"Content-Type": "application/geo+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}
TODAY = "2026-06-15"
TOMORROW = "2026-06-16"


@pytest.fixture(scope="module")
def ed(au_demo):
    r = Realm(au_demo, args=["--public", "on"], name="edit.db")
    yield r
    assert r.close() == 0, r.server.stderr()


@pytest.fixture(scope="module")
def reg(ed):
    """Ids the tests need, as an admin reads them."""
    facs = fetch_all(ed, "facilities", "admin")
    srcs = fetch_all(ed, "sources", "admin")

    def first_devices(**params):
        r = ed.get("/collections/devices/items", "admin", params=dict(params, limit=300))
        assert r.status_code == 200, r.text
        return r.json()["features"]

    devs = first_devices(record_owner="department", status="in_use")
    holding = {s["properties"]["facility_id"] for s in srcs} | {d["properties"]["facility_id"] for d in devs}
    dept = [f for f in facs if f["properties"]["record_owner"] == "department"]
    dup_src = next(s for s in srcs if s["properties"]["record_owner"] == "department" and s["properties"]["serial_no"]
                   and s["properties"]["manufacturer"] and s["properties"]["model"]
                   and s["properties"]["status"] in ("in_use", "stored"))
    dup_dev = next(d for d in devs if d["properties"]["serial_no"] and d["properties"]["manufacturer"]
                   and d["properties"]["model"])
    varans_dev = first_devices(record_owner="varans")[0]
    return {
        "facility": dept[0]["id"],
        "holding": next(f["id"] for f in dept if f["id"] in holding),
        "varans": {"facilities": next(f["id"] for f in facs if f["properties"]["record_owner"] == "varans"),
                   "sources": next(s["id"] for s in srcs if s["properties"]["record_owner"] == "varans"),
                   "devices": varans_dev["id"]},
        "dup_source": dup_src, "dup_device": dup_dev,
        "facilities": {f["id"]: f for f in facs},
    }


_n = [0]


def uniq(prefix):
    _n[0] += 1
    return "%s-%d-%d" % (prefix, int(time.time() * 1000) % 10 ** 7, _n[0])


def facility_body(lon=106.70, lat=10.78, **props):
    p = {"code": uniq("T"), "name": "Phòng khám thử nghiệm", "practice": "medical_xray",
         "practices": ["medical_xray", "nuclear_medicine"], "address": "1 Lê Lợi", "ward": "Phường Bến Thành",
         "contact_email": "lienhe@example.vn"}
    p.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": p}


def source_body(facility_id, geometry=None, **props):
    p = {"facility_id": facility_id, "nuclide": "Cs-137", "form": "sealed", "serial_no": uniq("SN"),
         "manufacturer": "Eckert & Ziegler", "model": "Test model", "activity_bq": 3.7e9,
         "reference_date": "2020-01-01", "status": "in_use"}
    p.update(props)
    return {"type": "Feature", "geometry": geometry, "properties": p}


def device_body(facility_id, **props):
    p = {"facility_id": facility_id, "type": "general", "manufacturer": "Shimadzu", "model": "RADspeed",
         "serial_no": uniq("DV"), "max_kv": 150, "max_ma": 500, "room": "P.101", "status": "in_use"}
    p.update(props)
    return {"type": "Feature", "geometry": None, "properties": p}


def create(ed, coll, body, role="licensing"):
    r = ed.request("POST", "/collections/%s/items" % coll, role, json=body, headers=GEO)
    assert r.status_code == 201, r.text
    return r


def audit_rows(ed, coll, fid):
    return table_rows(ed.db, "SELECT id, user_name, action, before_json, after_json FROM audit WHERE collection = ? "
                             "AND feature_id = ? ORDER BY id", (coll, fid))


def bodies(reg, coll):
    f = reg["facility"]
    if coll == "facilities":
        return facility_body(), facility_body(lon=106.71, lat=10.79, name="Đổi tên", practice="industrial_gauge",
                                              practices=[], address=None)
    if coll == "sources":
        return (source_body(f), source_body(f, {"type": "Point", "coordinates": [106.72, 10.80]}, nuclide="Co-60",
                                            activity_bq=1.0e12, reference_date="2025-01-01", status="stored"))
    return device_body(f), device_body(f, type="ct", max_kv=140, room=None)


@pytest.mark.parametrize("coll", ["facilities", "sources", "devices"])
def test_create_replace_patch_delete(ed, reg, coll):
    first, second = bodies(reg, coll)
    r = create(ed, coll, first)
    feat = r.json()
    fid = feat["id"]
    assert r.headers["Location"] == "%s/collections/%s/items/%d" % (ed.url, coll, fid)
    assert etag_version(r.headers["ETag"]) == 1
    for k, v in first["properties"].items():
        assert feat["properties"][k] == v, (k, feat["properties"][k], v)
    if coll == "facilities":
        assert feat["geometry"]["coordinates"] == first["geometry"]["coordinates"]
    else:  # without a point of its own it sits at its facility
        assert feat["geometry"]["coordinates"] == reg["facilities"][reg["facility"]]["geometry"]["coordinates"]
        assert "own_location" not in feat["properties"] or feat["properties"]["own_location"] is False
    g = ed.get(r.headers["Location"].replace(ed.url, ""), "licensing")
    assert g.status_code == 200 and g.json()["properties"] == feat["properties"]
    etag = g.headers["ETag"]
    assert etag_version(etag) == 1

    # Replace: every writable property as sent; one left out is cleared.
    second = copy.deepcopy(second)
    second["id"] = fid
    r = ed.request("PUT", "/collections/%s/items/%d" % (coll, fid), "licensing", json=second,
                   headers=dict(GEO, **{"If-Match": etag}))
    assert r.status_code == 200, r.text
    assert etag_version(r.headers["ETag"]) == 2
    got = r.json()
    for k, v in second["properties"].items():
        if k == "practices":
            assert set(got["properties"][k]) == {second["properties"]["practice"]} | set(v)
        else:
            assert got["properties"][k] == v, (k, got["properties"][k], v)
    if second["geometry"]:
        assert got["geometry"]["coordinates"] == second["geometry"]["coordinates"]
    assert got["properties"]["version"] == 2
    g = ed.get("/collections/%s/items/%d" % (coll, fid), "licensing")
    assert etag_version(g.headers["ETag"]) == 2 and g.json()["properties"] == got["properties"]

    # Patch (RFC 7396): only what is named changes.
    patch_key = {"facilities": "name", "sources": "model", "devices": "model"}[coll]
    r = ed.request("PATCH", "/collections/%s/items/%d" % (coll, fid), "licensing",
                   json={"properties": {patch_key: "Sửa đổi"}}, headers=dict(MERGE, **{"If-Match": g.headers["ETag"]}))
    assert r.status_code == 200, r.text
    assert etag_version(r.headers["ETag"]) == 3
    patched = r.json()
    assert patched["properties"][patch_key] == "Sửa đổi"
    for k, v in got["properties"].items():
        if k not in (patch_key, "version", "updated_at"):
            assert patched["properties"][k] == v, k
    assert patched["geometry"] == got["geometry"]

    r = ed.request("DELETE", "/collections/%s/items/%d" % (coll, fid), "licensing", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204, r.text
    assert not r.content
    problem(ed.get("/collections/%s/items/%d" % (coll, fid), "licensing"), 404)
    problem(ed.request("DELETE", "/collections/%s/items/%d" % (coll, fid), "licensing",
                       headers={"If-Match": r.request.headers["If-Match"]}), 404)

    rows = audit_rows(ed, coll, fid)
    assert [(u, a) for _, u, a, _, _ in rows] == [("demo.licensing", "create"), ("demo.licensing", "replace"),
                                                  ("demo.licensing", "update"), ("demo.licensing", "delete")]
    assert rows[0][3] is None and rows[-1][4] is None
    assert json.loads(rows[1][4])["properties"] == got["properties"]
    assert json.loads(rows[2][3])["properties"] == got["properties"]


def test_patch_accepts_json_and_clears_with_null(ed, reg):
    fid = create(ed, "facilities", facility_body()).json()["id"]
    g = ed.get("/collections/facilities/items/%d" % fid, "licensing")
    r = ed.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing",
                   json={"properties": {"address": None, "ward": "Phường Sài Gòn"}},
                   headers={"Content-Type": "application/json", "If-Match": g.headers["ETag"]})
    assert r.status_code == 200, r.text
    p = r.json()["properties"]
    assert p["address"] is None and p["ward"] == "Phường Sài Gòn" and p["name"] == g.json()["properties"]["name"]
    # A required property cannot be removed.
    r2 = ed.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing", json={"properties": {"name": None}},
                    headers=dict(MERGE, **{"If-Match": r.headers["ETag"]}))
    body = problem(r2, 422)
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_patch_optional_status_null_is_not_a_database_error(ed, reg):
    fid = create(ed, "facilities", facility_body()).json()["id"]
    etag = ed.get("/collections/facilities/items/%d" % fid, "licensing").headers["ETag"]
    r = ed.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing", json={"properties": {"status": None}},
                   headers=dict(MERGE, **{"If-Match": etag}))
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert "constraint" not in r.text.lower() and r.json().get("errors"), r.text


def test_replace_sends_back_what_get_gave(ed, reg):
    """A client (QGIS) sends back the feature it read, derived properties included."""
    fid = create(ed, "facilities", facility_body()).json()["id"]
    g = ed.get("/collections/facilities/items/%d" % fid, "licensing")
    feat = g.json()
    feat.pop("links", None)
    feat["properties"]["name"] = "Tên mới"
    r = ed.request("PUT", "/collections/facilities/items/%d" % fid, "licensing", json=feat,
                   headers=dict(GEO, **{"If-Match": g.headers["ETag"]}))
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["name"] == "Tên mới"
    assert r.json()["properties"]["status"] == feat["properties"]["status"]


def test_if_match_required_and_checked(ed, reg):
    fid = create(ed, "facilities", facility_body()).json()["id"]
    path = "/collections/facilities/items/%d" % fid
    for method, kw in (("PUT", {"json": dict(facility_body(), id=fid), "headers": GEO}),
                       ("PATCH", {"json": {"properties": {"name": "x"}}, "headers": MERGE}),
                       ("DELETE", {})):
        problem(ed.request(method, path, "licensing", **kw), 428, "If-Match")
    old = ed.get(path, "licensing").headers["ETag"]
    r = ed.request("PATCH", path, "licensing", json={"properties": {"name": "first"}}, headers=dict(MERGE, **{"If-Match": old}))
    assert r.status_code == 200
    for method, kw in (("PUT", {"json": dict(facility_body(), id=fid), "headers": dict(GEO, **{"If-Match": old})}),
                       ("PATCH", {"json": {"properties": {"name": "second"}}, "headers": dict(MERGE, **{"If-Match": old})}),
                       ("DELETE", {"headers": {"If-Match": old}})):
        problem(ed.request(method, path, "licensing", **kw), 412)
    for junk in ('"nonsense"', "garbage", '"v0-x"', 'W/"v99999-x"'):
        problem(ed.request("PATCH", path, "licensing", json={"properties": {"name": "third"}},
                           headers=dict(MERGE, **{"If-Match": junk})), 412)
    assert ed.get(path, "licensing").json()["properties"]["name"] == "first"
    # If-Match: * is "whatever the current version is" (RFC 9110).
    r = ed.request("PATCH", path, "licensing", json={"properties": {"name": "star"}}, headers=dict(MERGE, **{"If-Match": "*"}))
    assert r.status_code == 200


@pytest.mark.parametrize("clients", [2, 6])
def test_concurrent_patches_one_wins(ed, reg, clients):
    fid = create(ed, "facilities", facility_body()).json()["id"]
    path = ed.url + "/collections/facilities/items/%d" % fid
    tok = ed.token("licensing")
    for round_ in range(5):
        etag = requests.get(path, headers={"Authorization": "Bearer " + tok}).headers["ETag"]
        barrier = threading.Barrier(clients)
        results = {}

        def edit(i):
            s = requests.Session()
            req = requests.Request("PATCH", path, json={"properties": {"name": "client %d round %d" % (i, round_)}},
                                   headers=dict(MERGE, **{"If-Match": etag, "Authorization": "Bearer " + tok}))
            prepared = s.prepare_request(req)
            barrier.wait()
            results[i] = s.send(prepared, timeout=60)

        threads = [threading.Thread(target=edit, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results.values())
        assert codes == [200] + [412] * (clients - 1), codes
        winner = next(i for i, r in results.items() if r.status_code == 200)
        for i, r in results.items():
            if r.status_code == 412:
                problem(r, 412)
        stored = requests.get(path, headers={"Authorization": "Bearer " + tok}).json()["properties"]
        assert stored["name"] == "client %d round %d" % (winner, round_)
        assert stored["version"] == etag_version(etag) + 1
    assert len([a for a in audit_rows(ed, "facilities", fid) if a[2] == "update"]) == 5


# --- validation ---------------------------------------------------------------------------------------

def errors_of(r):
    body = problem(r, 422)
    assert isinstance(body.get("errors"), list) and body["errors"]
    fields = [e["field"] for e in body["errors"]]
    for e in body["errors"]:
        assert e["reason"] and e["field"] in body["detail"]
    return fields, body


def test_422_lists_every_bad_source_field(ed, reg):
    before = db_checksum(ed.db)
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
            "properties": {"facility_id": 99999999, "nuclide": "Xx-999", "form": "sealed", "serial_no": "S" * 61,
                           "manufacturer": "M", "model": "N", "activity_bq": 0, "reference_date": TOMORROW,
                           "status": "misplaced", "colour": "red"}}
    r = ed.request("POST", "/collections/sources/items", "licensing", json=body, headers=GEO)
    fields, doc = errors_of(r)
    assert sorted(fields) == sorted(["geometry", "facility_id", "nuclide", "serial_no", "activity_bq",
                                     "reference_date", "status", "colour"]), doc
    assert "in_use" in doc["detail"]  # the allowed values are named
    body["properties"].update(activity_bq=-5, reference_date="2026-02-30")
    fields, _ = errors_of(ed.request("POST", "/collections/sources/items", "licensing", json=body, headers=GEO))
    assert "activity_bq" in fields and "reference_date" in fields
    assert db_checksum(ed.db) == before, "a rejected write changed the register"


def test_422_lists_every_bad_facility_field(ed, reg):
    before = db_checksum(ed.db)
    body = facility_body(lon=106.7, lat=24.5, code="has space", name="N" * 201, practice="alchemy",
                         practices=["medical_xray", "dowsing"], status="open", contact_email="not-an-email",
                         organization_id=987654321, phone="1")
    fields, doc = errors_of(ed.request("POST", "/collections/facilities/items", "licensing", json=body, headers=GEO))
    assert sorted(set(fields)) == sorted(["geometry", "code", "name", "practice", "practices", "status",
                                          "contact_email", "organization_id", "phone"]), doc
    # Every missing required property, and a geometry that is no Point.
    fields, _ = errors_of(ed.request("POST", "/collections/facilities/items", "licensing",
                                     json={"type": "Feature", "geometry": {"type": "LineString",
                                                                           "coordinates": [[106.7, 10.7], [106.8, 10.8]]},
                                           "properties": {}}, headers=GEO))
    assert sorted(fields) == ["code", "geometry", "name", "practice"]
    # A PATCH is validated as the merged feature.
    fid = reg["facility"]
    etag = ed.get("/collections/facilities/items/%d" % fid, "licensing").headers["ETag"]
    fields, _ = errors_of(ed.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing",
                                     json={"properties": {"status": "gone", "source_count": "x", "nope": 1},
                                           "geometry": {"type": "Point", "coordinates": [200, 10]}},
                                     headers=dict(MERGE, **{"If-Match": etag})))
    assert sorted(fields) == ["geometry", "nope", "status"]
    assert db_checksum(ed.db) == before


def test_422_device_fields(ed, reg):
    before = db_checksum(ed.db)
    body = device_body(0, type="death_ray", max_kv=0, max_ma=-1, status="lost", room="R" * 101)
    fields, _ = errors_of(ed.request("POST", "/collections/devices/items", "licensing", json=body, headers=GEO))
    assert sorted(fields) == ["facility_id", "max_kv", "max_ma", "room", "status", "type"]
    assert db_checksum(ed.db) == before


def test_reference_date_today_is_accepted(ed, reg):
    r = create(ed, "sources", source_body(reg["facility"], reference_date=TODAY))
    assert r.json()["properties"]["reference_date"] == TODAY


def test_409_duplicate_serial_names_the_other_record(ed, reg):
    before = db_checksum(ed.db)
    for coll, dup, body in (("sources", reg["dup_source"], source_body), ("devices", reg["dup_device"], device_body)):
        p = dup["properties"]
        b = body(reg["facility"], manufacturer=p["manufacturer"], model=p["model"], serial_no=p["serial_no"])
        r = ed.request("POST", "/collections/%s/items" % coll, "licensing", json=b, headers=GEO)
        problem(r, 409, p["serial_no"], "%s %d" % (coll, dup["id"]))
    assert db_checksum(ed.db) == before
    # Patching another record onto that serial number is refused the same way.
    p = reg["dup_source"]["properties"]
    other = create(ed, "sources", source_body(reg["facility"], manufacturer=p["manufacturer"], model=p["model"])).json()
    etag = ed.get("/collections/sources/items/%d" % other["id"], "licensing").headers["ETag"]
    r = ed.request("PATCH", "/collections/sources/items/%d" % other["id"], "licensing",
                   json={"properties": {"serial_no": p["serial_no"]}}, headers=dict(MERGE, **{"If-Match": etag}))
    problem(r, 409, "sources %d" % reg["dup_source"]["id"])
    # A disposed source may carry the number (it is no longer active).
    r = create(ed, "sources", source_body(reg["facility"], manufacturer=p["manufacturer"], model=p["model"],
                                          serial_no=p["serial_no"], status="disposed"))
    assert r.json()["properties"]["status"] == "disposed"


def test_409_duplicate_facility_code(ed, reg):
    code = reg["facilities"][reg["facility"]]["properties"]["code"]
    before = db_checksum(ed.db)
    r = ed.request("POST", "/collections/facilities/items", "licensing", json=facility_body(code=code), headers=GEO)
    problem(r, 409)
    assert db_checksum(ed.db) == before


def test_facility_with_holdings_cannot_be_deleted(ed, reg):
    fid = reg["holding"]
    etag = ed.get("/collections/facilities/items/%d" % fid, "licensing").headers["ETag"]
    problem(ed.request("DELETE", "/collections/facilities/items/%d" % fid, "licensing", headers={"If-Match": etag}), 409)
    assert ed.get("/collections/facilities/items/%d" % fid, "licensing").status_code == 200


@pytest.mark.parametrize("coll", ["facilities", "sources", "devices"])
def test_records_of_the_national_regulator_are_read_only(ed, reg, coll):
    fid = reg["varans"][coll]
    path = "/collections/%s/items/%d" % (coll, fid)
    g = ed.get(path, "admin")
    etag, feat = g.headers["ETag"], g.json()
    feat.pop("links", None)
    before = db_checksum(ed.db)
    for method, kw in (("PUT", {"json": feat, "headers": dict(GEO, **{"If-Match": etag})}),
                       ("PATCH", {"json": {"properties": {"status": feat["properties"]["status"]}},
                                  "headers": dict(MERGE, **{"If-Match": etag})}),
                       ("DELETE", {"headers": {"If-Match": etag}})):
        body = problem(ed.request(method, path, "admin", **kw), 403)
        assert "national regulator" in body["detail"] or "VARANS" in body["detail"].upper()
    assert db_checksum(ed.db) == before


def test_record_owner_cannot_be_written(ed, reg):
    r = create(ed, "facilities", facility_body(record_owner="varans"))
    assert r.json()["properties"]["record_owner"] == "department"


def test_options_allow_by_role(ed):
    def allow(path, role):
        r = ed.request("OPTIONS", path, role)
        return {m.strip() for m in r.headers.get("Allow", "").split(",")}
    assert "POST" in allow("/collections/sources/items", "licensing")
    assert "POST" not in allow("/collections/sources/items", "viewer")
    assert "POST" not in allow("/collections/sources/items", "planner")
    assert {"PUT", "PATCH", "DELETE"} <= allow("/collections/devices/items/1", "admin")
    assert not {"PUT", "PATCH", "DELETE"} & allow("/collections/devices/items/1", "inspector")


def test_writes_refused_to_other_roles(ed, reg):
    for role in ("viewer", "inspector", "planner", "counter", "leader"):
        r = ed.request("POST", "/collections/facilities/items", role, json=facility_body(), headers=GEO)
        problem(r, 403)


# --- tiles follow the writes --------------------------------------------------------------------------

def tile(ed, role, layer, z, lon, lat):
    x, y = lonlat_to_tile(z, lon, lat)
    r = ed.get("/tiles/%s/%d/%d/%d.mvt" % (layer, z, x, y), role)
    assert r.status_code in (200, 204)
    feats = decode_mvt(r.content, z, x, y).get(layer, []) if r.content else []
    return r.headers.get("ETag"), {f["id"]: f for f in feats if f["id"] is not None}


def test_tile_shows_moved_and_renamed_facility(ed, reg):
    a = (106.6501, 10.7502)
    b = (106.7399, 10.8398)
    fid = create(ed, "facilities", facility_body(*a, name="Trước")).json()["id"]
    z = 15
    assert lonlat_to_tile(z, *a) != lonlat_to_tile(z, *b)
    e1, feats = tile(ed, "licensing", "facilities", z, *a)
    assert fid in feats and feats[fid]["props"]["name"] == "Trước"
    etag = ed.get("/collections/facilities/items/%d" % fid, "licensing").headers["ETag"]
    r = ed.request("PATCH", "/collections/facilities/items/%d" % fid, "licensing",
                   json={"properties": {"name": "Sau"}, "geometry": {"type": "Point", "coordinates": list(b)}},
                   headers=dict(MERGE, **{"If-Match": etag}))
    assert r.status_code == 200, r.text
    e2, feats = tile(ed, "licensing", "facilities", z, *a)
    assert e2 != e1 and fid not in feats, "the old tile still shows the facility"
    _, feats = tile(ed, "licensing", "facilities", z, *b)
    assert fid in feats and feats[fid]["props"]["name"] == "Sau"
    assert metres_between(feats[fid]["lon"], feats[fid]["lat"], *b) < 2
    # Clustered zooms follow as well: the cell count at z=8 includes it wherever it is.
    etag = r.headers["ETag"]
    r = ed.request("DELETE", "/collections/facilities/items/%d" % fid, "licensing", headers={"If-Match": etag})
    assert r.status_code == 204
    _, feats = tile(ed, "licensing", "facilities", z, *b)
    assert fid not in feats


def test_new_category1_source_hides_its_facility_from_the_public(ed, reg):
    lon, lat = 106.6133, 10.7311
    fid = create(ed, "facilities", facility_body(lon, lat)).json()["id"]
    _, feats = tile(ed, None, "facilities", 15, lon, lat)
    assert fid in feats
    assert ed.get("/collections/facilities/items/%d" % fid).status_code == 200
    r = create(ed, "sources", source_body(fid, nuclide="Co-60", activity_bq=4.0e14, reference_date=TODAY))
    src = r.json()
    assert src["properties"]["iaea_category"] == 1
    _, feats = tile(ed, None, "facilities", 15, lon, lat)
    assert fid not in feats, "the public tile still shows a facility that now holds a Category 1 source"
    assert ed.get("/collections/facilities/items/%d" % fid).status_code == 404
    # The source's own tile shows it to staff.
    _, feats = tile(ed, "licensing", "sources", 15, lon, lat)
    assert src["id"] in feats
    r = ed.request("DELETE", "/collections/sources/items/%d" % src["id"], "licensing",
                   headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204
    _, feats = tile(ed, None, "facilities", 15, lon, lat)
    assert fid in feats


def test_source_own_location_moves_and_returns(ed, reg):
    fid = reg["facility"]
    home = reg["facilities"][fid]["geometry"]["coordinates"]
    r = create(ed, "sources", source_body(fid))
    sid = r.json()["id"]
    away = [106.801, 10.851]
    r = ed.request("PATCH", "/collections/sources/items/%d" % sid, "licensing",
                   json={"geometry": {"type": "Point", "coordinates": away}}, headers=dict(MERGE, **{"If-Match": r.headers["ETag"]}))
    assert r.status_code == 200, r.text
    assert r.json()["geometry"]["coordinates"] == away and r.json()["properties"]["own_location"] is True
    _, feats = tile(ed, "licensing", "sources", 15, *away)
    assert sid in feats
    r = ed.request("PATCH", "/collections/sources/items/%d" % sid, "licensing", json={"geometry": None},
                   headers=dict(MERGE, **{"If-Match": r.headers["ETag"]}))
    assert r.status_code == 200, r.text
    assert r.json()["geometry"]["coordinates"] == home and r.json()["properties"]["own_location"] is False
    _, feats = tile(ed, "licensing", "sources", 15, *away)
    assert sid not in feats


def test_each_write_is_audited_once(ed, reg):
    n0 = table_rows(ed.db, "SELECT coalesce(max(id), 0) FROM audit")[0][0]
    r = create(ed, "devices", device_body(reg["facility"]))
    did = r.json()["id"]
    r = ed.request("PATCH", "/collections/devices/items/%d" % did, "admin", json={"properties": {"room": "B2"}},
                   headers=dict(MERGE, **{"If-Match": r.headers["ETag"]}))
    assert r.status_code == 200
    # Rejected writes leave no row.
    problem(ed.request("PATCH", "/collections/devices/items/%d" % did, "admin", json={"properties": {"room": "B3"}},
                       headers=dict(MERGE, **{"If-Match": '"v1"'})), 412)
    problem(ed.request("POST", "/collections/devices/items", "admin", json=device_body(0), headers=GEO), 422)
    new = table_rows(ed.db, "SELECT user_name, action, collection, feature_id FROM audit WHERE id > ? ORDER BY id", (n0,))
    assert new == [("demo.licensing", "create", "devices", did), ("demo.admin", "update", "devices", did)], new


def test_organizations_resource(ed, reg):
    if not route_exists("POST", "/organizations"):
        pytest.skip("no /organizations")
    js = {"Content-Type": "application/json"}
    r = ed.request("POST", "/organizations", "licensing", headers=js,
                   json={"name": "Công ty TNHH Thử nghiệm", "tax_code": "0312345678", "email": "a@b.vn"})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.headers["Location"] == "%s/organizations/%d" % (ed.url, oid)
    etag = ed.get("/organizations/%d" % oid, "viewer").headers["ETag"]
    path = "/organizations/%d" % oid
    problem(ed.request("PATCH", path, "licensing", headers=dict(MERGE), json={"phone": "028 1234"}), 428)
    fields, _ = errors_of(ed.request("PATCH", path, "licensing", headers=dict(MERGE, **{"If-Match": etag}),
                                     json={"email": "nope", "owner": "x", "name": None}))
    assert sorted(fields) == ["email", "name", "owner"]
    r = ed.request("PATCH", path, "licensing", headers=dict(MERGE, **{"If-Match": etag}), json={"phone": "028 1234"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "028 1234" and r.json()["name"] == "Công ty TNHH Thử nghiệm"
    problem(ed.request("PATCH", path, "licensing", headers=dict(MERGE, **{"If-Match": etag}), json={"phone": "1"}), 412)
    problem(ed.request("POST", "/organizations", "viewer", headers=js, json={"name": "x"}), 403)
    # The national regulator's records are read-only here.
    (varans,), = table_rows(ed.db, "SELECT id FROM organization WHERE record_owner = 'varans' LIMIT 1")
    v_etag = ed.get("/organizations/%d" % varans, "licensing").headers["ETag"]
    body = problem(ed.request("PATCH", "/organizations/%d" % varans, "admin", headers=dict(MERGE, **{"If-Match": v_etag}),
                              json={"phone": "1"}), 403)
    assert "national regulator" in body["detail"]
    # A licensee of facilities cannot go.
    (holder,), = table_rows(ed.db, "SELECT organization_id FROM facility WHERE organization_id IN "
                                   "(SELECT id FROM organization WHERE record_owner = 'department') LIMIT 1")
    h_etag = ed.get("/organizations/%d" % holder, "licensing").headers["ETag"]
    problem(ed.request("DELETE", "/organizations/%d" % holder, "licensing", headers={"If-Match": h_etag}), 409)
    r = ed.request("DELETE", path, "licensing", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204
    problem(ed.get(path, "licensing"), 404)
    assert [a for _, _, a, _, _ in audit_rows(ed, "organizations", oid)] == ["create", "update", "delete"]


def test_conformance_declares_part2_and_part4(ed):
    classes = set(ed.get("/conformance").json()["conformsTo"])
    for c in ("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
              "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
              "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update"):
        assert c in classes, c
