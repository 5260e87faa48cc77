"""
Offline map packages (`radmap tiles`) and MBTiles basemaps (`radmap serve --tiles DIR`): the package
holds exactly the tiles the server answers to that role (byte for byte), with the MBTiles 1.3
metadata, and GDAL's MBTiles/MVT drivers read it back; a basemap directory is served with TileJSON,
vector tiles gzipped or not as the client asks, raster tiles as images.

    RADMAP_BIN=build/radmap /usr/bin/python3 -m pytest -q tests/api/test_offline.py
"""
import gzip
import json
import os
import shutil
import sqlite3

import pytest
import requests

from conftest import AUTH, run_radmap
from io_helpers import auth, gdal, ogr, osr, token

BBOX = "106.68,10.76,106.71,10.79"


def layer_ids(meta):
    return [l["id"] for l in json.loads(meta["json"])["vector_layers"]]


def mbtiles(path):
    con = sqlite3.connect(path)
    meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
    tiles = {}
    for z, x, row, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
        tiles[(z, x, (1 << z) - 1 - row)] = data
    con.close()
    return meta, tiles


@pytest.fixture(scope="module")
def package(demo_db, workdir):
    out = os.path.join(workdir, "inspector.mbtiles")
    p = run_radmap("tiles", demo_db, out, "--role", "inspector", "--minzoom", "10", "--maxzoom", "14", "--bbox", BBOX,
                   "--quiet")
    assert "tiles" in p.stdout
    return out


def test_package_metadata_and_gdal(package):
    meta, tiles = mbtiles(package)
    for k in ("name", "format", "bounds", "center", "minzoom", "maxzoom", "json"):
        assert k in meta, k
    assert meta["format"] == "pbf" and meta["minzoom"] == "10" and meta["maxzoom"] == "14"
    b = [float(v) for v in meta["bounds"].split(",")]
    assert b == pytest.approx([106.68, 10.76, 106.71, 10.79], abs=1e-6)
    layers = json.loads(meta["json"])["vector_layers"]
    # Every layer an inspector sees, in the server's order.
    ids = [l["id"] for l in layers]
    assert ids[:4] == ["facilities", "sources", "devices", "receptors"] and ids[-1] == "boundaries", ids
    assert "max_category" in layers[0]["fields"]
    assert tiles and all(data[:2] == b"\x1f\x8b" for data in tiles.values()), "MBTiles 1.3: pbf tiles are gzipped"
    assert {z for z, _, _ in tiles} == set(range(10, 15))
    # GDAL's MBTiles driver reads the package as vector layers, at the highest zoom by default.
    ds = gdal.OpenEx(package, gdal.OF_VECTOR)
    assert ds.GetDriver().ShortName == "MBTiles"
    names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
    assert "facilities" in names and "sources" in names
    fac = ds.GetLayerByName("facilities")
    n = fac.GetFeatureCount()
    assert n > 0
    f = fac.GetNextFeature()
    assert f.GetField("name") and f.GetGeometryRef().GetGeometryType() in (ogr.wkbPoint, ogr.wkbMultiPoint)
    # And clustered at a low zoom.
    ds10 = gdal.OpenEx(package, gdal.OF_VECTOR, open_options=["ZOOM_LEVEL=10"])
    clusters = [f for f in ds10.GetLayerByName("facilities") if f.GetField("cluster")]
    assert clusters and all(f.GetField("point_count") >= 2 for f in clusters)


def test_package_holds_the_servers_tiles(package, base_url, http, workdir):
    meta, tiles = mbtiles(package)
    layers = ",".join(layer_ids(meta))
    keys = sorted(tiles)
    # A sample across the zooms (the first, last and every seventh tile).
    sample = keys[::7] + [keys[-1]]
    for (z, x, y) in sample:
        r = http.get("%s/tiles/%s/%d/%d/%d.mvt" % (base_url, layers, z, x, y), headers={"Accept-Encoding": "identity"},
                     timeout=60)
        assert r.status_code == 200, (z, x, y, r.status_code)
        assert gzip.decompress(tiles[(z, x, y)]) == r.content, "tile %d/%d/%d differs from the server's" % (z, x, y)
    # The MVT driver decodes a tile of the package.
    z, x, y = keys[-1]
    path = os.path.join(workdir, "one.mvt")
    with open(path, "wb") as f:
        f.write(gzip.decompress(tiles[(z, x, y)]))
    ds = gdal.OpenEx(path, gdal.OF_VECTOR, allowed_drivers=["MVT"], open_options=["X=%d" % x, "Y=%d" % y, "Z=%d" % z])
    assert sum(ds.GetLayer(i).GetFeatureCount() for i in range(ds.GetLayerCount())) > 0


def test_public_package_has_no_source_detail(demo_db, workdir):
    out = os.path.join(workdir, "public.mbtiles")
    run_radmap("tiles", demo_db, out, "--role", "public", "--minzoom", "12", "--maxzoom", "13", "--bbox", BBOX, "--quiet")
    meta, tiles = mbtiles(out)
    layers = {l["id"]: l["fields"] for l in json.loads(meta["json"])["vector_layers"]}
    assert "sources" not in layers and "devices" not in layers
    assert "max_category" not in layers["facilities"] and "source_count" not in layers["facilities"]
    for data in tiles.values():
        raw = gzip.decompress(data)
        for word in (b"nuclide", b"iaea_category", b"max_category", b"sources"):
            assert word not in raw
    p = run_radmap("tiles", demo_db, out, "--role", "public", "--layers", "sources", "--quiet", check=False)
    assert p.returncode == 1 and "sources" in p.stderr


def raster_mbtiles(path):
    """A small PNG MBTiles made by GDAL: one zoom-12 tile over the city, in Web Mercator."""
    z, res = 12, 2 * 20037508.342789244 / 256 / (1 << 12)
    x0, y0 = -20037508.342789244 + 3262 * 256 * res, 20037508.342789244 - 1923 * 256 * res
    src = gdal.GetDriverByName("MEM").Create("", 256, 256, 3, gdal.GDT_Byte)
    src.SetGeoTransform([x0, res, 0, y0, 0, -res])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    src.SetProjection(srs.ExportToWkt())
    src.GetRasterBand(1).Fill(200)
    gdal.Translate(path, src, format="MBTiles", creationOptions=["TILE_FORMAT=PNG"])


def test_serve_basemaps(package, workdir, demo_db, start_server):
    d = os.path.join(workdir, "basemaps")
    os.makedirs(d, exist_ok=True)
    shutil.copy(package, os.path.join(d, "hcm-offline.mbtiles"))
    raster_mbtiles(os.path.join(d, "red.mbtiles"))
    s = start_server(demo_db, args=("--tiles", d))
    r = requests.get(s.url + "/tiles/basemap", timeout=10, auth=AUTH)
    assert r.status_code == 200
    assert [b["name"] for b in r.json()["basemaps"]] == ["hcm-offline", "red"]
    tj = requests.get(s.url + "/tiles/basemap/hcm-offline.json", auth=AUTH, timeout=10).json()
    assert tj["tilejson"] == "3.0.0" and tj["tiles"][0].endswith("/tiles/basemap/hcm-offline/{z}/{x}/{y}.pbf")
    assert [l["id"] for l in tj["vector_layers"]] == layer_ids(mbtiles(package)[0])
    assert tj["minzoom"] == 10 and tj["maxzoom"] == 14
    _, tiles = mbtiles(package)
    (z, x, y), data = sorted(tiles.items())[0]
    r = requests.get(s.url + "/tiles/basemap/hcm-offline/%d/%d/%d.pbf" % (z, x, y), auth=AUTH, timeout=10,
                     headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert r.raw.read() == data
    r = requests.get(s.url + "/tiles/basemap/hcm-offline/%d/%d/%d" % (z, x, y), auth=AUTH, timeout=10,
                     headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and "Content-Encoding" not in r.headers and r.content == gzip.decompress(data)
    # An empty place: no content.
    r = requests.get(s.url + "/tiles/basemap/hcm-offline/3/0/0.pbf", auth=AUTH, timeout=10)
    assert r.status_code == 204
    # Raster.
    tj = requests.get(s.url + "/tiles/basemap/red.json", auth=AUTH, timeout=10).json()
    assert tj["format"] == "png"
    zr = tj["maxzoom"]
    con = sqlite3.connect(os.path.join(d, "red.mbtiles"))
    zz, xx, row = con.execute("SELECT zoom_level, tile_column, tile_row FROM tiles ORDER BY zoom_level DESC LIMIT 1").fetchone()
    con.close()
    r = requests.get(s.url + "/tiles/basemap/red/%d/%d/%d.png" % (zz, xx, (1 << zz) - 1 - row), auth=AUTH, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png" and r.content[:4] == b"\x89PNG"
    assert zr >= zz
    # Names cannot leave the directory; unknown names are 404.
    for bad in ("..%2Fsecret", "nope", ".hidden"):
        r = requests.get(s.url + "/tiles/basemap/%s.json" % bad, auth=AUTH, timeout=10)
        assert r.status_code == 404, bad
    # The data tiles are still served at /tiles/{layers}/...
    r = requests.get(s.url + "/tiles/facilities/%d/%d/%d.mvt" % (z, x, y), auth=AUTH, timeout=30)
    assert r.status_code in (200, 204)
