"""
An independent client: GDAL's OAPIF driver lists the collections as layers and reads every
facility by following the server's paging links.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import auth_headers

pytestmark = pytest.mark.skipif(not shutil.which("ogrinfo") or not shutil.which("ogr2ogr"),
                                reason="gdal-bin is not installed")


def gdal_env(base_url):
    env = dict(os.environ)
    env.update({"GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF", "GDAL_DISABLE_READDIR_ON_OPEN": "YES"})
    auth = auth_headers(base_url)
    if auth:
        env["GDAL_HTTP_HEADERS"] = "Authorization: " + auth["Authorization"]
    return env


def run(cmd, timeout=120):
    base_url = next(a for a in cmd if a.startswith("OAPIF:"))[len("OAPIF:"):]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=gdal_env(base_url))
    assert p.returncode == 0, "%s\n%s\n%s" % (" ".join(cmd), p.stdout, p.stderr)
    return p.stdout


def test_ogrinfo_lists_layers(base_url):
    out = run(["ogrinfo", "-ro", "-so", "OAPIF:" + base_url])
    layers = re.findall(r"^\d+: (\S+)", out, re.M)
    for c in ("facilities", "sources", "devices"):
        assert c in layers, out


def test_ogrinfo_feature_count(base_url, http):
    matched = http.get(base_url + "/collections/facilities/items", params={"limit": 1}, timeout=10).json()
    out = run(["ogrinfo", "-ro", "-al", "-so", "OAPIF:" + base_url, "facilities"])
    m = re.search(r"Feature Count: (\d+)", out)
    assert m, out
    assert int(m.group(1)) == matched["numberMatched"]
    assert "Point" in out
    for field in ("code", "name", "practice", "max_category"):
        assert re.search(r"^%s: " % field, out, re.M), (field, out)


def test_ogr2ogr_reads_every_facility(base_url, scan, tmp_path):
    dst = str(tmp_path / "facilities.geojson")
    run(["ogr2ogr", "-f", "GeoJSON", dst, "OAPIF:" + base_url, "facilities"], timeout=300)
    with open(dst, encoding="utf-8") as f:
        feats = json.load(f)["features"]
    assert len(feats) == len(scan["facilities"])
    codes = [f["properties"]["code"] for f in feats]
    assert sorted(codes) == sorted(f["properties"]["code"] for f in scan["facilities"].values())
    by_code = {f["properties"]["code"]: f for f in scan["facilities"].values()}
    for f in feats[:50]:
        want = by_code[f["properties"]["code"]]
        assert f["geometry"]["coordinates"] == want["geometry"]["coordinates"]
        assert f["properties"]["name"] == want["properties"]["name"]


def test_ogr2ogr_bbox_filter(base_url, scan, tmp_path):
    """-spat turns into a bbox= request; the answer is the same as the server's own."""
    box = (106.6, 10.7, 106.8, 10.9)
    want = sorted(f["properties"]["code"] for f in scan["facilities"].values()
                  if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
                  and box[1] <= f["geometry"]["coordinates"][1] <= box[3])
    assert want
    dst = str(tmp_path / "box.geojson")
    run(["ogr2ogr", "-f", "GeoJSON", "-spat"] + [str(v) for v in box] + [dst, "OAPIF:" + base_url, "facilities"])
    with open(dst, encoding="utf-8") as f:
        got = sorted(x["properties"]["code"] for x in json.load(f)["features"])
    assert got == want
