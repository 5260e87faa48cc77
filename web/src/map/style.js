/*
 * The MapLibre style of the web map, built in code from the server's own vector tiles:
 *   boundaries  /tiles/boundaries.json         the basemap (land, country/province/ward lines, names)
 *   register    /tiles/facilities,sources.json facilities and sources (clustered below zoom 12);
 *               sources only for callers who may see them (the server lists them in /collections)
 *   devices     /tiles/devices.json            added when the user turns the layer on
 *   receptors   /tiles/receptors.json          sensitive sites, likewise
 * Glyphs come from the SDF ranges that build-web.sh generates into glyphs/; there is no sprite (the
 * symbols are drawn by icons.js). Every URL is on this server.
 */
import { apiUrl } from '../api.js';
import { CATEGORY_COLORS, CLUSTER_COLOR, FONT_BOLD, FONT_REGULAR, NO_CATEGORY_COLOR } from '../config.js';

export const IS_CLUSTER = ['==', ['get', 'cluster'], true];
export const NOT_CLUSTER = ['!=', ['get', 'cluster'], true];

/* Layers that filters.js restricts, with the filter they always carry. */
export const BASE_FILTERS = {
  'facilities-point': NOT_CLUSTER,
  'facilities-label': NOT_CLUSTER,
  'sources-point': NOT_CLUSTER,
};

/* Layer ids per toggle of the legend. */
export const LAYER_GROUPS = {
  facilities: ['facilities-cluster', 'facilities-cluster-count', 'facilities-point', 'facilities-label',
    'facilities-selected'],
  sources: ['sources-point'],
  devices: ['devices-point'],
  receptors: ['receptors-point', 'receptors-label'],
  boundaries: ['boundary-land', 'boundary-line-country', 'boundary-line-province', 'boundary-line-ward',
    'boundary-label-province', 'boundary-label-ward'],
};

export function categoryColor(prop) {
  return ['match', ['coalesce', ['get', prop], 0],
    1, CATEGORY_COLORS[1], 2, CATEGORY_COLORS[2], 3, CATEGORY_COLORS[3], 4, CATEGORY_COLORS[4],
    5, CATEGORY_COLORS[5], NO_CATEGORY_COLOR];
}

function glyphsUrl() {
  return new URL('glyphs/{fontstack}/{range}.pbf', location.href.replace(/[#?].*$/, '')).href
    .replace('%7Bfontstack%7D', '{fontstack}').replace('%7Brange%7D', '{range}');
}

const labelHalo = { 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.4 };

/** The style for what the caller may see (caps: api.capabilities()). */
export function buildStyle(caps) {
  const withSources = caps.hasCollection('sources');
  const points = ['facilities', ...(withSources ? ['sources'] : [])];
  const style = {
    version: 8,
    name: 'radmap',
    glyphs: glyphsUrl(),
    sources: {
      boundaries: { type: 'vector', url: apiUrl('/tiles/boundaries.json') },
      register: { type: 'vector', url: apiUrl(`/tiles/${points.join(',')}.json`) },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#cfe1ec' } },
      {
        id: 'boundary-land', type: 'fill', source: 'boundaries', 'source-layer': 'boundaries',
        filter: ['==', ['get', 'level'], 'country'],
        paint: { 'fill-color': '#f4f1ea', 'fill-antialias': false },
      },
      {
        id: 'boundary-line-ward', type: 'line', source: 'boundaries', 'source-layer': 'boundaries', minzoom: 10,
        filter: ['==', ['get', 'level'], 'ward'],
        paint: { 'line-color': '#b9ad9c', 'line-width': 0.8, 'line-dasharray': [3, 2] },
      },
      {
        id: 'boundary-line-province', type: 'line', source: 'boundaries', 'source-layer': 'boundaries',
        filter: ['==', ['get', 'level'], 'province'],
        paint: { 'line-color': '#9c8b76', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.8, 12, 2] },
      },
      {
        id: 'boundary-line-country', type: 'line', source: 'boundaries', 'source-layer': 'boundaries',
        filter: ['==', ['get', 'level'], 'country'],
        paint: { 'line-color': '#7f7364', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.7, 12, 2.5] },
      },
      {
        id: 'boundary-label-province', type: 'symbol', source: 'boundaries', 'source-layer': 'boundaries',
        minzoom: 6, maxzoom: 11, filter: ['==', ['get', 'level'], 'province'],
        layout: { 'text-field': ['get', 'name'], 'text-font': [FONT_REGULAR], 'text-size': 13, 'text-padding': 60 },
        paint: { 'text-color': '#6b6257', ...labelHalo },
      },
      {
        id: 'boundary-label-ward', type: 'symbol', source: 'boundaries', 'source-layer': 'boundaries',
        minzoom: 11, filter: ['==', ['get', 'level'], 'ward'],
        layout: { 'text-field': ['get', 'name'], 'text-font': [FONT_REGULAR], 'text-size': 12, 'text-padding': 40 },
        paint: { 'text-color': '#8a7f72', ...labelHalo },
      },
      {
        id: 'sources-point', type: 'circle', source: 'register', 'source-layer': 'sources',
        filter: BASE_FILTERS['sources-point'],
        layout: { 'circle-sort-key': ['-', 10, ['coalesce', ['get', 'iaea_category'], 9]] },
        paint: {
          'circle-color': categoryColor('iaea_category'),
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 7, 14, 15],
          'circle-stroke-color': '#5f5f5f',
          'circle-stroke-width': 1,
          'circle-opacity': 0.95,
        },
      },
      {
        id: 'facilities-selected', type: 'circle', source: 'register', 'source-layer': 'facilities',
        filter: ['==', ['id'], -1],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 16, 14, 22],
          'circle-color': 'rgba(255, 214, 0, 0.35)',
          'circle-stroke-color': '#ffb300',
          'circle-stroke-width': 3,
        },
      },
      {
        id: 'facilities-cluster', type: 'circle', source: 'register', 'source-layer': 'facilities',
        filter: IS_CLUSTER,
        paint: {
          'circle-color': CLUSTER_COLOR,
          'circle-opacity': 0.88,
          'circle-radius': ['step', ['get', 'point_count'], 13, 10, 16, 50, 20, 200, 25, 1000, 30],
          'circle-stroke-color': ['case', ['has', 'max_category'], categoryColor('max_category'), '#ffffff'],
          'circle-stroke-width': ['case', ['has', 'max_category'], 4, 2],
        },
      },
      {
        id: 'facilities-cluster-count', type: 'symbol', source: 'register', 'source-layer': 'facilities',
        filter: IS_CLUSTER,
        layout: {
          'text-field': ['to-string', ['get', 'point_count']],
          'text-font': [FONT_BOLD],
          'text-size': 13,
          'text-allow-overlap': true,
          'text-ignore-placement': true,
        },
        paint: { 'text-color': '#ffffff' },
      },
      {
        id: 'facilities-point', type: 'symbol', source: 'register', 'source-layer': 'facilities',
        filter: BASE_FILTERS['facilities-point'],
        layout: {
          'icon-image': ['coalesce', ['image', ['concat', 'practice-', ['get', 'practice']]], ['image', 'practice-other']],
          'icon-size': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 1.1],
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
          'symbol-sort-key': ['coalesce', ['get', 'max_category'], 9],
        },
        paint: { 'icon-opacity': ['match', ['get', 'status'], 'closed', 0.45, 'suspended', 0.75, 1] },
      },
      {
        id: 'facilities-label', type: 'symbol', source: 'register', 'source-layer': 'facilities', minzoom: 14,
        filter: BASE_FILTERS['facilities-label'],
        layout: {
          'text-field': ['get', 'name'],
          'text-font': [FONT_REGULAR],
          'text-size': 12,
          'text-offset': [0, 1.4],
          'text-anchor': 'top',
          'text-max-width': 10,
          'text-optional': true,
        },
        paint: { 'text-color': '#263238', ...labelHalo },
      },
    ],
  };
  if (!withSources) style.layers = style.layers.filter((l) => l['source-layer'] !== 'sources');
  return style;
}

/* The devices layer and its source, added on demand (3 500 devices sit mostly at their facilities,
 * so they are small dots beside the facility symbol). */
export function addDevices(map) {
  if (map.getSource('devices')) return;
  map.addSource('devices', { type: 'vector', url: apiUrl('/tiles/devices.json') });
  map.addLayer({
    id: 'devices-point', type: 'circle', source: 'devices', 'source-layer': 'devices', minzoom: 12,
    filter: NOT_CLUSTER,
    paint: {
      'circle-radius': 3.5,
      'circle-color': '#37474f',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
      'circle-translate': [10, -10],
    },
  }, 'facilities-label');
}

export const RECEPTOR_COLOR = '#00897b';

/* Sensitive sites (schools, hospitals, markets ...), added on demand. */
export function addReceptors(map) {
  if (map.getSource('receptors')) return;
  map.addSource('receptors', { type: 'vector', url: apiUrl('/tiles/receptors.json') });
  map.addLayer({
    id: 'receptors-point', type: 'circle', source: 'receptors', 'source-layer': 'receptors',
    filter: NOT_CLUSTER,
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, 3, 15, 6],
      'circle-color': RECEPTOR_COLOR,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
  }, map.getLayer('sources-point') ? 'sources-point' : 'facilities-selected');
  map.addLayer({
    id: 'receptors-label', type: 'symbol', source: 'receptors', 'source-layer': 'receptors', minzoom: 15,
    filter: NOT_CLUSTER,
    layout: {
      'text-field': ['get', 'name'], 'text-font': [FONT_REGULAR], 'text-size': 11, 'text-offset': [0, 0.9],
      'text-anchor': 'top', 'text-optional': true,
    },
    paint: { 'text-color': '#00695c', ...labelHalo },
  }, 'facilities-selected');
}
