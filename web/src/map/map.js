/*
 * The map: MapLibre GL JS (its CSP build, loaded by index.html as a classic script that defines
 * window.maplibregl; its worker is served from vendor/ as the Content-Security-Policy requires),
 * the style of style.js, the controls, and the interactions shared by the panels.
 */
import { CLUSTER_MAXZOOM } from '../config.js';
import { formatNumber, t, tv } from '../i18n.js';
import { el } from '../util.js';
import { addPracticeImages } from './icons.js';
import { addDevices, addReceptors, buildStyle, LAYER_GROUPS } from './style.js';

const maplibregl = window.maplibregl;

/** The worker from this server (no blob: of inlined code, no CDN). */
maplibregl.setWorkerUrl(new URL('vendor/maplibre-gl-csp-worker.js', location.href.replace(/[#?].*$/, '')).href);

const CLICKABLE = ['facilities-point', 'facilities-cluster', 'sources-point', 'receptors-point'];

/**
 * Create the map in container. bounds: [minLon, minLat, maxLon, maxLat] of the register.
 * Returns {map, ready} where ready resolves on the first 'load'.
 */
export function createMap(container, { bounds, caps, onFacilityClick }) {
  const map = new maplibregl.Map({
    container,
    style: buildStyle(caps),
    bounds: bounds || [106.3, 10.3, 107.6, 11.6],
    fitBoundsOptions: { padding: 30 },
    maxZoom: 19,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ maxWidth: 140, unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({
    compact: true,
    customAttribution: 'radmap · Natural Earth',
  }), 'bottom-right');

  // Symbols are drawn, not fetched: register them before the style needs them and again if the
  // style asks for one it lacks (after a style reload).
  map.on('styleimagemissing', (e) => {
    if (e.id.startsWith('practice-')) addPracticeImages(map);
  });

  const ready = new Promise((resolve) => {
    map.once('load', () => {
      addPracticeImages(map);
      resolve(map);
    });
  });

  map.on('mousemove', (e) => {
    if (tools.has(map)) {
      map.getCanvas().style.cursor = 'crosshair';
      return;
    }
    const layers = CLICKABLE.filter((l) => map.getLayer(l));
    const hit = layers.length && map.queryRenderedFeatures(e.point, { layers }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  let popup = null;

  map.on('click', (e) => {
    if (tools.has(map)) {
      tools.get(map)(e);
      return;
    }
    const hits = map.queryRenderedFeatures(e.point, { layers: CLICKABLE.filter((l) => map.getLayer(l)) });
    if (!hits.length) return;
    const f = hits.find((h) => h.layer.id === 'facilities-point') ||
      hits.find((h) => h.layer.id === 'facilities-cluster') || hits[0];
    if (f.layer.id === 'facilities-cluster') {
      // Server clusters split as the zoom grows: zoom in two steps on the cluster (at most to the
      // zoom where points are no longer clustered).
      const z = Math.min(Math.max(map.getZoom() + 2, 0), CLUSTER_MAXZOOM + 1);
      map.easeTo({ center: f.geometry.coordinates, zoom: z });
    } else if (f.layer.id === 'facilities-point' && f.id !== undefined) {
      onFacilityClick?.(Number(f.id), f.geometry.coordinates);
    } else if (f.layer.id === 'sources-point' && f.properties.facility_id !== undefined) {
      onFacilityClick?.(Number(f.properties.facility_id), f.geometry.coordinates);
    } else if (f.layer.id === 'receptors-point') {
      const p = f.properties;
      popup?.remove();
      popup = new maplibregl.Popup({ closeButton: true, maxWidth: '260px' })
        .setLngLat(f.geometry.coordinates)
        .setDOMContent(el('div', { class: 'receptor-popup' },
          el('strong', null, p.name), el('br'), tv('receptor', p.kind),
          p.capacity ? el('div', { class: 'muted small' }, t('receptor.capacity', { n: formatNumber(p.capacity) })) : null))
        .addTo(map);
    }
  });

  return { map, ready };
}

/* The tool that takes the map's clicks instead of the features under them (a module picking a
 * point or drawing an area), per map. */
const tools = new Map();

/** Send the map's clicks to handler(e) (a MapLibre MapMouseEvent) instead of opening features; null ends it. */
export function setMapTool(map, handler) {
  if (handler) tools.set(map, handler);
  else tools.delete(map);
  map.getCanvas().style.cursor = handler ? 'crosshair' : '';
}

/** Fetch every tile of a vector source again (after an edit: the server's tile cache follows writes). */
export function refreshSource(map, id) {
  const src = map.getSource(id);
  if (src?.url && src.setUrl) src.setUrl(src.url);
}

/** Outline the selected facility (id or null). */
export function setSelected(map, id) {
  if (!map.getLayer('facilities-selected')) return;
  map.setFilter('facilities-selected', ['all', ['!=', ['get', 'cluster'], true], ['==', ['id'], id ?? -1]]);
}

/** Show or hide a group of layers (facilities, sources, devices, boundaries). */
export function setGroupVisible(map, group, visible) {
  if (group === 'devices' && visible) addDevices(map);
  if (group === 'receptors' && visible) addReceptors(map);
  for (const id of LAYER_GROUPS[group] || []) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
}
