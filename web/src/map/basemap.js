/*
 * The MBTiles basemap hook. DESIGN §4 has radmap serve MBTiles files dropped in tiles/ at
 * /tiles/basemap/{name}/...; this server does not list any yet, so the map uses the boundaries
 * layer as its basemap. When the server announces basemaps (a landing-page link with rel "basemap",
 * or /tiles/basemap in its OpenAPI paths answering a list of TileJSON links), the first one is
 * added under the boundaries: raster tiles as a raster layer, vector tiles with a neutral style of
 * the usual OpenMapTiles layers. Nothing is requested unless the server says the route exists, so
 * a server without basemaps sees no failed request.
 */
import { getJSON } from '../api.js';

async function listBasemaps(caps) {
  const links = caps.links.filter((l) => l.rel === 'basemap' || l.rel === 'tiles-basemap');
  if (links.length) return links.map((l) => ({ name: l.title || l.href, tilejson: l.href }));
  if (!caps.has('/tiles/basemap')) return [];
  const list = await getJSON('/tiles/basemap');
  const arr = Array.isArray(list) ? list : list.basemaps || list.links || [];
  return arr.map((b) => ({ name: b.name || b.title, tilejson: b.tilejson || b.href || b.url })).filter((b) => b.tilejson);
}

function vectorLayers(tj) {
  const have = new Set((tj.vector_layers || []).map((l) => l.id));
  const src = 'basemap';
  const out = [];
  if (have.has('landuse')) out.push({ id: 'basemap-landuse', type: 'fill', source: src, 'source-layer': 'landuse', paint: { 'fill-color': '#ebe7dc' } });
  if (have.has('park')) out.push({ id: 'basemap-park', type: 'fill', source: src, 'source-layer': 'park', paint: { 'fill-color': '#dcebd3' } });
  if (have.has('water')) out.push({ id: 'basemap-water', type: 'fill', source: src, 'source-layer': 'water', paint: { 'fill-color': '#cfe1ec' } });
  if (have.has('waterway')) out.push({ id: 'basemap-waterway', type: 'line', source: src, 'source-layer': 'waterway', paint: { 'line-color': '#b5d0e0' } });
  if (have.has('building')) out.push({ id: 'basemap-building', type: 'fill', source: src, 'source-layer': 'building', minzoom: 14, paint: { 'fill-color': '#e0dbd0' } });
  if (have.has('transportation')) out.push({ id: 'basemap-roads', type: 'line', source: src, 'source-layer': 'transportation', paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.5, 16, 6] } });
  return out;
}

/** Add the server's first MBTiles basemap, if it lists one. Returns its name or null. */
export async function addServerBasemap(map, caps) {
  let basemaps;
  try {
    basemaps = await listBasemaps(caps);
  } catch {
    return null;
  }
  if (!basemaps.length) return null;
  const b = basemaps[0];
  const url = new URL(b.tilejson, location.origin);
  if (url.origin !== location.origin) return null; // never leave this server
  const tj = await getJSON(url.pathname + url.search);
  const raster = /png|jpe?g|webp/.test(tj.format || '') || !tj.vector_layers;
  map.addSource('basemap', raster
    ? { type: 'raster', tiles: tj.tiles, tileSize: 256, minzoom: tj.minzoom, maxzoom: tj.maxzoom, attribution: tj.attribution }
    : { type: 'vector', tiles: tj.tiles, minzoom: tj.minzoom, maxzoom: tj.maxzoom, attribution: tj.attribution });
  const layers = raster ? [{ id: 'basemap-raster', type: 'raster', source: 'basemap' }] : vectorLayers(tj);
  for (const l of layers) map.addLayer(l, 'boundary-line-ward');
  return b.name;
}
