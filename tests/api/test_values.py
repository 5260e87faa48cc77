"""
Values the server derives: a source's decayed activity, A/D and IAEA category (RS-G-1.9 bands), and
a facility's counts, highest category and aggregate A/D. Each is recomputed here in Python from the
source and device collections and geodata/nuclides.csv, for the demo register (today and other
dates) and for the hand-made register, whose sources sit exactly on the band edges.
"""
import datetime
import math

import pytest

from conftest import TODAY, fetch_all
from handmade import EXPECTED_FACILITY, EXPECTED_SOURCE_CATEGORY, SOURCES, nuclides

HELD = ("in_use", "stored", "disused", "found")
NUC = nuclides()
REL = 1e-12


def band(aod):
    if aod is None:
        return None
    if aod >= 1000:
        return 1
    if aod >= 10:
        return 2
    if aod >= 1:
        return 3
    if aod >= 0.01:
        return 4
    return 5


def day(s):
    return datetime.date.fromisoformat(s)


def expected_now(props, at):
    """A * 2^(-t/T); infinity when going back before the reference date overflows a double."""
    t_half, _ = NUC[props["nuclide"]]
    elapsed_s = (day(at) - day(props["reference_date"])).days * 86400.0
    try:
        return props["activity_bq"] * 2.0 ** (-elapsed_s / t_half)
    except OverflowError:
        return math.inf


def check_source(props, at):
    """Compare one source's derived properties with the Python computation; a list of errors."""
    errs = []
    nuc = props["nuclide"]
    _, d = NUC[nuc]
    now = expected_now(props, at)
    if math.isinf(now):
        # beyond a double: JSON has no infinity, so no number may be given
        if props["activity_bq_now"] is not None or props["a_over_d"] is not None:
            errs.append("activity_bq_now %r, a_over_d %r for an activity beyond a double"
                        % (props["activity_bq_now"], props["a_over_d"]))
        return errs
    if props["activity_bq_now"] is None or not math.isclose(props["activity_bq_now"], now, rel_tol=REL,
                                                            abs_tol=1e-300):
        errs.append("activity_bq_now %r, want %r" % (props["activity_bq_now"], now))
    if d is None:
        want = {"a_over_d": None, "iaea_category": None, "exemption_checked": None,
                "category_reason": "no D-value is known for " + nuc}
        for k, v in want.items():
            if props[k] != v:
                errs.append("%s %r, want %r (no D-value for %s)" % (k, props[k], v, nuc))
        return errs
    aod = now / (d * 1e12)
    if props["a_over_d"] is None or not math.isclose(props["a_over_d"], aod, rel_tol=REL, abs_tol=1e-300):
        errs.append("a_over_d %r, want %r" % (props["a_over_d"], aod))
        return errs
    # the band is decided on the server's own A/D, so a last-bit difference cannot flip it here
    cat = band(props["a_over_d"])
    if props["iaea_category"] != cat:
        errs.append("iaea_category %r, want %r for A/D %r" % (props["iaea_category"], cat, props["a_over_d"]))
    if props["exemption_checked"] != (False if cat == 5 else None):
        errs.append("exemption_checked %r on category %r" % (props["exemption_checked"], cat))
    if props["category_reason"] is not None:
        errs.append("category_reason %r with a D-value" % props["category_reason"])
    return errs


def check_sources(sources, at):
    bad = []
    for s in sources:
        errs = check_source(s["properties"], at)
        if errs:
            bad.append("source %d (%s, %s, ref %s): %s" % (s["id"], s["properties"]["nuclide"],
                                                             s["properties"]["activity_bq"],
                                                             s["properties"]["reference_date"], "; ".join(errs)))
    assert not bad, "%d of %d sources wrong at %s:\n%s" % (len(bad), len(sources), at, "\n".join(bad[:20]))


def test_source_values_today(scan):
    sources = list(scan["sources"].values())
    assert len(sources) > 100
    check_sources(sources, TODAY)
    # the demo exercises every branch: decayed values, several bands, nuclides with no D-value
    cats = {s["properties"]["iaea_category"] for s in sources}
    assert len(cats - {None}) >= 3, cats
    assert any(s["properties"]["reference_date"] < TODAY for s in sources)


@pytest.mark.parametrize("at", ["2031-01-01", "2020-02-29", "2100-12-31"])
def test_source_values_at(base_url, http, scan, at):
    sources = fetch_all(http, base_url + "/collections/sources/items", {"at": at})
    assert [s["id"] for s in sources] == sorted(scan["sources"])
    check_sources(sources, at)
    # the date matters: some activity differs from today's
    changed = sum(1 for s in sources if s["properties"]["activity_bq_now"] !=
                  scan["sources"][s["id"]]["properties"]["activity_bq_now"])
    assert changed > len(sources) // 2


def test_single_source_at(base_url, http, scan):
    sid = max(scan["sources"], key=lambda i: scan["sources"][i]["properties"]["activity_bq"])
    r = http.get(base_url + "/collections/sources/items/%d" % sid, params={"at": "2040-06-15"}, timeout=10)
    assert r.status_code == 200
    assert not check_source(r.json()["properties"], "2040-06-15")
    today = http.get(base_url + "/collections/sources/items/%d" % sid, timeout=10)
    assert today.json()["properties"] == scan["sources"][sid]["properties"]
    assert today.json()["properties"]["activity_bq_now"] != r.json()["properties"]["activity_bq_now"]


def facility_expectations(sources, devices):
    """{facility_id: (source_count, device_count, max_category, aggregate_a_over_d, aggregate_category)}"""
    out = {}
    for s in sources:
        p = s["properties"]
        if p["status"] not in HELD:
            continue
        e = out.setdefault(p["facility_id"], [0, 0, None, None])
        e[0] += 1
        if p["iaea_category"] is not None:
            e[2] = p["iaea_category"] if e[2] is None else min(e[2], p["iaea_category"])
        if p["form"] == "sealed" and p["a_over_d"] is not None:
            e[3] = p["a_over_d"] if e[3] is None else e[3] + p["a_over_d"]
    for d in devices:
        p = d["properties"]
        if p["status"] in ("in_use", "stored", "disused"):
            out.setdefault(p["facility_id"], [0, 0, None, None])[1] += 1
    return {fid: (e[0], e[1], e[2], e[3], band(e[3])) for fid, e in out.items()}


def check_facilities(facilities, want):
    bad = []
    for f in facilities:
        p = f["properties"]
        sc, dc, maxc, agg, aggc = want.get(f["id"], (0, 0, None, None, None))
        errs = []
        if p["source_count"] != sc:
            errs.append("source_count %r want %r" % (p["source_count"], sc))
        if p["device_count"] != dc:
            errs.append("device_count %r want %r" % (p["device_count"], dc))
        if p["max_category"] != maxc:
            errs.append("max_category %r want %r" % (p["max_category"], maxc))
        if (agg is None) != (p["aggregate_a_over_d"] is None) or (
                agg is not None and not math.isclose(p["aggregate_a_over_d"], agg, rel_tol=1e-9)):
            errs.append("aggregate_a_over_d %r want %r" % (p["aggregate_a_over_d"], agg))
        elif p["aggregate_category"] != band(p["aggregate_a_over_d"]) or p["aggregate_category"] != aggc:
            errs.append("aggregate_category %r want %r" % (p["aggregate_category"], aggc))
        if errs:
            bad.append("facility %d: %s" % (f["id"], "; ".join(errs)))
    assert not bad, "%d of %d facilities wrong:\n%s" % (len(bad), len(facilities), "\n".join(bad[:20]))


def test_facility_values(scan):
    want = facility_expectations(scan["sources"].values(), scan["devices"].values())
    check_facilities(list(scan["facilities"].values()), want)
    # not all trivially empty
    assert sum(1 for f in scan["facilities"].values() if f["properties"]["max_category"]) > 50
    assert sum(1 for f in scan["facilities"].values() if f["properties"]["device_count"]) > 500


def test_facility_values_at(base_url, http, scan):
    at = "2045-01-01"
    sources = fetch_all(http, base_url + "/collections/sources/items", {"at": at})
    facilities = fetch_all(http, base_url + "/collections/facilities/items", {"at": at})
    want = facility_expectations(sources, scan["devices"].values())
    check_facilities(facilities, want)
    differs = sum(1 for f in facilities if f["properties"]["aggregate_a_over_d"] !=
                  scan["facilities"][f["id"]]["properties"]["aggregate_a_over_d"])
    assert differs > 0


# --- the hand-made register: exact answers -----------------------------------------------------------

def test_band_edges(handmade, http):
    sources = fetch_all(http, handmade.url + "/collections/sources/items")
    assert [s["id"] for s in sources] == list(range(1, len(SOURCES) + 1))
    got = [s["properties"]["iaea_category"] for s in sources]
    assert got == EXPECTED_SOURCE_CATEGORY
    for s, (fid, nuc, form, aod, status) in zip(sources, SOURCES):
        p = s["properties"]
        assert p["activity_bq_now"] == p["activity_bq"], "reference date is today: no decay"
        assert p["a_over_d"] == aod, (s["id"], p["a_over_d"], aod)
        assert p["exemption_checked"] == (False if got[s["id"] - 1] == 5 else None)
        assert p["category_reason"] == (None if aod is not None else "no D-value is known for " + nuc)
        assert (p["facility_id"], p["nuclide"], p["form"], p["status"]) == (fid, nuc, form, status)
    check_sources(sources, TODAY)


def test_handmade_facility_values(handmade, http):
    for fid, (sc, dc, maxc, agg, aggc) in EXPECTED_FACILITY.items():
        r = http.get(handmade.url + "/collections/facilities/items/%d" % fid, timeout=10)
        assert r.status_code == 200
        p = r.json()["properties"]
        assert (p["source_count"], p["device_count"], p["max_category"], p["aggregate_category"]) == \
            (sc, dc, maxc, aggc), (fid, p)
        if agg is None:
            assert p["aggregate_a_over_d"] is None, (fid, p)
        else:
            assert math.isclose(p["aggregate_a_over_d"], agg, rel_tol=1e-12), (fid, p["aggregate_a_over_d"], agg)


def test_handmade_category_and_held_filters(handmade, http):
    def fac(**params):
        return [f["id"] for f in fetch_all(http, handmade.url + "/collections/facilities/items", params)]
    assert fac(category=1) == [2, 4]
    assert fac(category=2) == [5]
    assert fac(category=3) == [6]
    assert fac(category=4) == [] and fac(category=5) == []
    # nuclide= counts held sources only: facility 4's lost Co-60 does not, its found one does;
    # facility 6's stored and disused ones do, its transferred, disposed and stolen ones do not
    assert fac(nuclide="Co-60") == [4, 6]
    assert fac(nuclide="Kr-85") == [7]
    assert fac(nuclide="Ir-192") == [5]
    assert fac(type="ct") == [1] and fac(type="dental") == [3]
    src = [s["id"] for s in fetch_all(http, handmade.url + "/collections/sources/items", {"category": 5})]
    assert src == [8]


def test_handmade_type_filter_counts_held_devices(handmade, http):
    """type= on facilities means a device the facility holds, as device_count and nuclide= do:
    facility 1's general X-ray was transferred and facility 3's disposed of, so neither has one."""
    got = [f["id"] for f in fetch_all(http, handmade.url + "/collections/facilities/items", {"type": "general"})]
    assert got == [], "type=general matched facilities %s whose only general X-ray is no longer held" % got
    got = [f["id"] for f in fetch_all(http, handmade.url + "/collections/facilities/items", {"type": "mobile"})]
    assert got == [3], "a disused device is still held"


def test_handmade_decay_at(handmade, http):
    """A year later every source has decayed by 2^(-365 d / T1/2); categories follow."""
    at = (datetime.date.fromisoformat(TODAY) + datetime.timedelta(days=365)).isoformat()
    sources = fetch_all(http, handmade.url + "/collections/sources/items", {"at": at})
    check_sources(sources, at)
    # Cs-137 at exactly A/D 1000 today decays below it: category 2 a year later
    assert sources[0]["properties"]["iaea_category"] == 2
    assert sources[0]["properties"]["activity_bq_now"] < sources[0]["properties"]["activity_bq"]


def test_etag_follows_derived_values(handmade, workdir, start_server, http):
    """A feature's ETag must change when its answer does, also when the change is in another row
    its properties are computed from: a facility's counts and categories come from its sources, a
    source's facility name from its facility. Otherwise If-None-Match answers 304 with a stale body."""
    import os
    import sqlite3
    path = os.path.join(workdir, "etag.db")
    src = sqlite3.connect(handmade.path)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    srv = start_server(path)
    fac_url = srv.url + "/collections/facilities/items/7"
    src_url = srv.url + "/collections/sources/items/19"
    f1, s1 = http.get(fac_url, timeout=10), http.get(src_url, timeout=10)
    assert f1.json()["properties"]["source_count"] == 1

    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    with con:
        con.execute("INSERT INTO source(id, facility_id, nuclide, form, activity_bq, reference_date, status, lon, "
                    "lat, geom) SELECT 100, id, 'Cs-137', 'sealed', 5e12, ?, 'in_use', lon, lat, "
                    "MakePoint(lon, lat, 4326) FROM facility WHERE id = 7", (TODAY,))
    wrong = []
    f2 = http.get(fac_url, timeout=10)
    assert f2.json()["properties"]["source_count"] == 2 and f2.json()["properties"]["max_category"] == 2
    if f2.headers["ETag"] == f1.headers["ETag"]:
        wrong.append("facility 7 gained a source (source_count 1 -> 2, max_category null -> 2) but kept ETag %s"
                     % f1.headers["ETag"])
    r = http.get(fac_url, headers={"If-None-Match": f1.headers["ETag"]}, timeout=10)
    if r.status_code != 200:
        wrong.append("If-None-Match with facility 7's old ETag -> %d" % r.status_code)

    with con:
        con.execute("UPDATE facility SET name = 'Trường Đại học Quốc gia', version = version + 1 WHERE id = 7")
    con.close()
    s2 = http.get(src_url, timeout=10)
    assert s2.json()["properties"]["facility"] == "Trường Đại học Quốc gia"
    if s2.headers["ETag"] == s1.headers["ETag"]:
        wrong.append("source 19's facility was renamed (its 'facility' property changed) but it kept ETag %s"
                     % s1.headers["ETag"])
    r = http.get(src_url, headers={"If-None-Match": s1.headers["ETag"]}, timeout=10)
    if r.status_code != 200:
        wrong.append("If-None-Match with source 19's old ETag -> %d" % r.status_code)
    assert not wrong, "\n".join(wrong)
