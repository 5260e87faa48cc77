/*
 * The proximity tool (emergency planning): everything within a radius of a point (GET /proximity)
 * or inside an area drawn on the map (POST /proximity), sorted by geodesic distance, with the
 * server's summary (counts by layer and IAEA category, activity per nuclide, sensitive sites).
 *
 * The point is clicked on the map or typed, in WGS 84 or in a VN-2000 TM-3 zone; typed VN-2000
 * coordinates go to the server as they are (crs=EPSG:…, easting=, northing=) and PROJ transforms
 * them. The ring drawn is the geodesic circle (geo/geodesic.js) around the point the server
 * answers with, so it bounds exactly what was counted. Only the layers /collections lists for the
 * caller are asked for.
 *
 * Exports: the list as CSV, built here from the answer (exactly the features listed, with their
 * distance and bearing; the proximity route answers JSON only), and as GeoPackage from the
 * server's items export (?f=gpkg), one file per layer, over the bounding box of the ring or area:
 * the file is made by the server (GDAL), but a box holds a little more than the circle or polygon.
 */
import { apiUrl } from '../api.js';
import { CATEGORY_COLORS, FONT_REGULAR } from '../config.js';
import { geodesicCircle } from '../geo/geodesic.js';
import { DEFAULT_ZONE, formatMeridian, TM3_ZONES, wgs84ToVn2000TM, zoneByEpsg } from '../geo/vn2000.js';
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { setMapTool } from '../map/map.js';
import { clearOverlay, setOverlay } from '../map/overlay.js';
import { categoryLabel, el, formatActivity } from '../util.js';
import { parseNumber } from './edit-form.js';
import { request } from './writes.js';

const LAYERS = ['sources', 'facilities', 'devices', 'receptors'];
const LIST_MAX = 200;
const FETCH_LIMIT = 1000;
const EXPORT_LIMIT = 10000;
const RADII = [100, 300, 500, 1000, 2000, 5000];

const ZONE_KEY = 'radmap.zone';
function storedZone() {
  try { return zoneByEpsg(localStorage.getItem(ZONE_KEY))?.epsg ?? DEFAULT_ZONE; } catch { return DEFAULT_ZONE; }
}

/** A feature's name in the list. */
function featureName(p) {
  switch (p.layer) {
    case 'sources': return `${p.nuclide ?? '?'}${p.facility ? ` · ${p.facility}` : ''}`;
    case 'devices': return `${tv('device', p.type)}${p.facility ? ` · ${p.facility}` : ''}`;
    case 'receptors': return `${p.name ?? ''} (${tv('receptor', p.kind)})`;
    default: return p.name ?? '';
  }
}

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
function compass(deg) {
  return deg === null || deg === undefined ? '' : COMPASS[Math.round(((deg % 360) + 360) % 360 / 45) % 8];
}

function metres(m) {
  return m >= 1000 ? `${formatNumber(m / 1000, 2)} km` : `${formatNumber(m, m < 10 ? 1 : 0)} m`;
}

/* ---- CSV --------------------------------------------------------------------------------------- */

const CSV_COLUMNS = ['layer', 'id', 'name', 'distance_m', 'bearing_deg', 'lon', 'lat', 'facility_id', 'facility',
  'nuclide', 'activity_bq_now', 'iaea_category', 'type', 'kind', 'status', 'practice', 'ward', 'address'];

function csvCell(v) {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(';') : String(v);
  return /[",\n\r;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The answer's features as CSV (UTF-8 with a byte-order mark, as the server's own CSV exports). */
export function toCsv(features) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const f of features) {
    const p = f.properties;
    const [lon, lat] = f.geometry?.coordinates || [];
    const row = { ...p, id: f.id, lon, lat, name: p.layer === 'sources' ? p.nuclide : p.layer === 'devices' ? p.type : p.name };
    lines.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/* ---- the module -------------------------------------------------------------------------------- */

export async function mount({ map, caps, openFacility }) {
  const layers = LAYERS.filter((l) => caps.hasCollection(l));
  if (!layers.length) return false;

  let mode = 'point';
  let epsg = storedZone(); // 0: WGS 84
  let answer = null; // {kind: 'point'|'area', data, query}
  let vertices = []; // the area being drawn
  let drawing = false;
  let busy = false;

  /* -- the card -- */
  const title = el('h2');
  const modePoint = el('button', { type: 'button', class: 'seg', id: 'prox-mode-point', onclick: () => setMode('point') });
  const modeArea = el('button', { type: 'button', class: 'seg', id: 'prox-mode-area', onclick: () => setMode('area') });
  const crs = el('select', { id: 'prox-crs', name: 'crs' });
  const a = el('input', { id: 'prox-a', name: 'a', inputmode: 'decimal', autocomplete: 'off' });
  const b = el('input', { id: 'prox-b', name: 'b', inputmode: 'decimal', autocomplete: 'off' });
  const aLabel = el('span'), bLabel = el('span'), crsLabel = el('span'), radiusLabel = el('span'), bufferLabel = el('span');
  const radius = el('input', { id: 'prox-radius', name: 'radius', inputmode: 'numeric', value: '1000', list: 'prox-radii', autocomplete: 'off' });
  const pick = el('button', { type: 'button', class: 'secondary', id: 'prox-pick', onclick: () => startPick() });
  const run = el('button', { type: 'submit', class: 'primary', id: 'prox-run' });
  const pointForm = el('form', { class: 'prox-form', id: 'prox-point', novalidate: true },
    el('label', { class: 'field', for: 'prox-crs' }, crsLabel, crs),
    el('div', { class: 'edit-pair' },
      el('label', { class: 'field', for: 'prox-a' }, aLabel, a),
      el('label', { class: 'field', for: 'prox-b' }, bLabel, b)),
    el('label', { class: 'field', for: 'prox-radius' }, radiusLabel, radius,
      el('datalist', { id: 'prox-radii' }, RADII.map((r) => el('option', { value: r })))),
    el('div', { class: 'edit-actions' }, pick, run));
  pointForm.addEventListener('submit', (e) => { e.preventDefault(); queryPoint(); });

  const areaHint = el('p', { class: 'muted small', id: 'prox-area-hint' });
  const draw = el('button', { type: 'button', class: 'secondary', id: 'prox-draw', onclick: () => startDraw() });
  const finish = el('button', { type: 'button', class: 'secondary', id: 'prox-finish', onclick: () => finishDraw() });
  const clear = el('button', { type: 'button', class: 'link', id: 'prox-clear', onclick: () => clearDraw() });
  const buffer = el('input', { id: 'prox-buffer', name: 'buffer', inputmode: 'numeric', value: '0', autocomplete: 'off' });
  const runArea = el('button', { type: 'submit', class: 'primary', id: 'prox-run-area' });
  const areaForm = el('form', { class: 'prox-form', id: 'prox-area', novalidate: true, hidden: true },
    areaHint, el('div', { class: 'edit-actions' }, clear, draw, finish),
    el('label', { class: 'field', for: 'prox-buffer' }, bufferLabel, buffer),
    el('div', { class: 'edit-actions' }, runArea));
  areaForm.addEventListener('submit', (e) => { e.preventDefault(); queryArea(); });

  const message = el('p', { class: 'edit-message', id: 'prox-message', role: 'status' });
  const results = el('div', { class: 'prox-results', id: 'prox-results' });
  const close = el('button', { type: 'button', class: 'icon-button card-close', onclick: () => toggle(false) }, '×');
  const card = el('section', { class: 'card prox-card', id: 'proximity', hidden: true },
    close, title, el('div', { class: 'seg-group', role: 'group' }, modePoint, modeArea), pointForm, areaForm, message, results);
  document.querySelector('.cards').prepend(card);

  const button = el('button', { type: 'button', class: 'tool', id: 'tool-proximity', 'aria-expanded': 'false',
    'aria-controls': 'proximity', onclick: () => toggle(card.hidden) });
  document.querySelector('.tools').insertBefore(button, document.getElementById('lang-switch'));

  function toggle(show) {
    card.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    if (!show) { stopTools(); }
  }

  function setMode(m) {
    mode = m;
    stopTools();
    pointForm.hidden = m !== 'point';
    areaForm.hidden = m !== 'area';
    modePoint.setAttribute('aria-pressed', String(m === 'point'));
    modeArea.setAttribute('aria-pressed', String(m === 'area'));
  }

  function labels() {
    title.textContent = t('prox.title');
    button.textContent = t('prox.tool');
    button.title = t('prox.tool.title');
    close.title = t('panel.close');
    close.setAttribute('aria-label', t('panel.close'));
    modePoint.textContent = t('prox.mode.point');
    modeArea.textContent = t('prox.mode.area');
    crsLabel.textContent = t('edit.crs');
    crs.replaceChildren(el('option', { value: '0', selected: epsg === 0 || undefined }, t('edit.crs.wgs84')),
      ...TM3_ZONES.map((z) => el('option', { value: z.epsg, selected: z.epsg === epsg || undefined },
        t('edit.crs.vn2000', { meridian: formatMeridian(z.lon0), epsg: z.epsg }))));
    aLabel.textContent = epsg === 0 ? t('edit.lat') : t('edit.x');
    bLabel.textContent = epsg === 0 ? t('edit.lon') : t('edit.y');
    radiusLabel.textContent = t('prox.radius');
    pick.textContent = t('prox.pick');
    run.textContent = t('prox.run');
    areaHint.textContent = t('prox.area.hint');
    draw.textContent = t('prox.draw');
    finish.textContent = t('prox.finish');
    clear.textContent = t('prox.clear');
    bufferLabel.textContent = t('prox.buffer');
    runArea.textContent = t('prox.run.area');
    renderResults();
  }

  let lastPoint = null; // WGS 84 of the last point shown in the inputs
  function fillPoint(lon, lat) {
    lastPoint = { lon, lat };
    if (epsg === 0) { a.value = lat.toFixed(7); b.value = lon.toFixed(7); } else {
      const p = wgs84ToVn2000TM(lon, lat, zoneByEpsg(epsg).lon0);
      a.value = p.x.toFixed(3);
      b.value = p.y.toFixed(3);
    }
  }
  a.addEventListener('input', () => { lastPoint = null; });
  b.addEventListener('input', () => { lastPoint = null; });
  crs.addEventListener('change', () => {
    epsg = Number(crs.value);
    if (epsg) { try { localStorage.setItem(ZONE_KEY, String(epsg)); } catch { /* private mode */ } }
    labels();
    const p = lastPoint || (answer?.kind === 'point' ? { lon: answer.data.query.lon, lat: answer.data.query.lat } : null);
    if (p) fillPoint(p.lon, p.lat);
  });

  /* -- map tools -- */
  function stopTools() {
    setMapTool(map, null);
    pick.classList.remove('active');
    if (drawing) { drawing = false; map.doubleClickZoom.enable(); }
    draw.classList.remove('active');
  }

  function startPick() {
    stopTools();
    pick.classList.add('active');
    say(t('prox.pick.hint'));
    setMapTool(map, (e) => {
      stopTools();
      fillPoint(e.lngLat.lng, e.lngLat.lat);
      queryPoint();
    });
  }

  function showDraft() {
    const ring = vertices.length ? [...vertices, vertices[0]] : [];
    setOverlay(map, 'prox-draw', {
      type: 'FeatureCollection',
      features: [
        ...(vertices.length >= 3 ? [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: {} }] : []),
        ...(vertices.length >= 2 ? [{ type: 'Feature', geometry: { type: 'LineString', coordinates: drawing ? vertices : ring }, properties: {} }] : []),
        ...vertices.map((v) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: v }, properties: {} })),
      ],
    }, [
      { type: 'fill', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#6a1b9a', 'fill-opacity': 0.12 } },
      { type: 'line', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#6a1b9a', 'line-width': 2, 'line-dasharray': [2, 1] } },
      { type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#6a1b9a', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
    ]);
  }

  function startDraw() {
    stopTools();
    vertices = [];
    drawing = true;
    draw.classList.add('active');
    map.doubleClickZoom.disable();
    say(t('prox.area.hint'));
    showDraft();
    setMapTool(map, (e) => {
      const v = [e.lngLat.lng, e.lngLat.lat];
      // A click on the first vertex (or a double click: the same point twice) closes the area.
      const last = vertices[vertices.length - 1];
      if (last && vertices.length >= 3) {
        const p = map.project(last), q = map.project(v), first = map.project(vertices[0]);
        if (Math.hypot(p.x - q.x, p.y - q.y) < 4 || Math.hypot(first.x - q.x, first.y - q.y) < 8) { finishDraw(); return; }
      }
      vertices.push(v);
      showDraft();
    });
  }

  function finishDraw() {
    if (vertices.length < 3) { say(t('prox.area.few'), 'error'); return; }
    stopTools();
    showDraft();
    say('');
  }

  function clearDraw() {
    stopTools();
    vertices = [];
    clearOverlay(map, 'prox-draw');
  }

  function say(text, kind = 'muted') {
    message.textContent = text;
    message.className = `edit-message ${kind}`;
  }

  /* -- queries -- */
  function pointParams() {
    const x = parseNumber(a.value), y = parseNumber(b.value), r = parseNumber(radius.value);
    if (Number.isNaN(x) || Number.isNaN(y)) return { error: t('prox.bad.point') };
    if (Number.isNaN(r) || r <= 0 || r > 100000) return { error: t('prox.bad.radius') };
    const params = { radius: r, layers: layers.join(',') };
    if (epsg === 0) Object.assign(params, { lon: y, lat: x });
    else Object.assign(params, { crs: `EPSG:${epsg}`, easting: y, northing: x });
    return { params };
  }

  async function queryPoint(limit = FETCH_LIMIT) {
    const { params, error } = pointParams();
    if (error) { say(error, 'error'); return null; }
    return run1('GET', { ...params, limit }, undefined, 'point');
  }

  function areaBody() {
    if (vertices.length < 3) return null;
    const buf = parseNumber(buffer.value);
    return { geometry: { type: 'Polygon', coordinates: [[...vertices, vertices[0]]] }, buffer_m: Number.isNaN(buf) ? 0 : buf };
  }

  async function queryArea(limit = FETCH_LIMIT) {
    if (drawing) finishDraw();
    const body = areaBody();
    if (!body) { say(t('prox.area.few'), 'error'); return null; }
    return run1('POST', { layers: layers.join(','), limit }, body, 'area');
  }

  async function run1(method, params, body, kind) {
    if (busy) return null;
    busy = true;
    say(t('prox.searching'));
    try {
      const r = await request(method, '/proximity', { params, body });
      answer = { kind, data: r.data, params, body };
      say('');
      drawAnswer();
      renderResults();
      return r.data;
    } catch (e) {
      say(e.status === 503 ? t('prox.busy', { s: e.retryAfter || '…' }) : t('app.error', { detail: e.message }), 'error');
      return null;
    } finally {
      busy = false;
    }
  }

  function drawAnswer() {
    const d = answer.data;
    const features = [];
    if (answer.kind === 'point') {
      features.push({ type: 'Feature', geometry: geodesicCircle(d.query.lon, d.query.lat, d.query.radius_m), properties: { role: 'ring' } });
      features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [d.query.lon, d.query.lat] }, properties: { role: 'centre' } });
      lastPoint = lastPoint || null;
    }
    for (const f of d.features) {
      features.push({ type: 'Feature', geometry: f.geometry, properties: { role: 'hit', layer: f.properties.layer, cat: f.properties.iaea_category ?? 0 } });
    }
    setOverlay(map, 'prox', { type: 'FeatureCollection', features }, [
      { type: 'fill', filter: ['==', ['get', 'role'], 'ring'], paint: { 'fill-color': '#1f6fb4', 'fill-opacity': 0.08 } },
      { type: 'line', filter: ['==', ['get', 'role'], 'ring'], paint: { 'line-color': '#1f6fb4', 'line-width': 2.5 } },
      {
        type: 'circle', suffix: 'hit', filter: ['==', ['get', 'role'], 'hit'],
        paint: {
          'circle-radius': 4,
          'circle-color': ['match', ['get', 'layer'], 'sources', ['match', ['get', 'cat'], 1, CATEGORY_COLORS[1], 2, CATEGORY_COLORS[2],
            3, CATEGORY_COLORS[3], 4, CATEGORY_COLORS[4], CATEGORY_COLORS[5]], 'receptors', '#00897b', 'devices', '#37474f', '#ffffff'],
          'circle-stroke-color': '#1f6fb4',
          'circle-stroke-width': 1.5,
        },
      },
      { type: 'circle', filter: ['==', ['get', 'role'], 'centre'], paint: { 'circle-radius': 5, 'circle-color': '#1f6fb4', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
      {
        type: 'symbol', filter: ['==', ['get', 'role'], 'centre'],
        layout: { 'text-field': answer.kind === 'point' ? metres(d.query.radius_m) : '', 'text-font': [FONT_REGULAR], 'text-size': 12, 'text-offset': [0, 1.2], 'text-anchor': 'top' },
        paint: { 'text-color': '#1f6fb4', 'text-halo-color': '#fff', 'text-halo-width': 1.5 },
      },
    ]);
    if (map.getLayer('prox-4')) map.setLayoutProperty('prox-4', 'text-field', answer.kind === 'point' ? metres(d.query.radius_m) : '');
    // Bring the whole ring or area into view.
    const box = answerBox();
    if (box) map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 60, maxZoom: 16, duration: 400 });
  }

  /** minLon, minLat, maxLon, maxLat of the ring or area queried. */
  function answerBox() {
    if (!answer) return null;
    if (answer.kind === 'area') return answer.data.query.bbox;
    const ring = geodesicCircle(answer.data.query.lon, answer.data.query.lat, answer.data.query.radius_m, 64).coordinates[0];
    const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }

  /* -- the answer -- */
  function renderResults() {
    if (!answer) { results.replaceChildren(); return; }
    const d = answer.data, s = d.summary || {};
    const byLayer = s.layers || {};
    const q = d.query;
    const where = answer.kind === 'point'
      ? t('prox.within', { r: metres(q.radius_m), lat: q.lat.toFixed(6), lon: q.lon.toFixed(6) })
      : t('prox.inside', { buffer: metres(q.buffer_m || 0) });
    results.dataset.matched = String(d.numberMatched ?? d.features.length);
    results.dataset.kind = answer.kind;

    const summary = el('div', { class: 'prox-summary', id: 'prox-summary' },
      el('p', { class: 'prox-count', id: 'prox-count' }, t('prox.count', { n: formatNumber(d.numberMatched ?? d.features.length) }), ' ', el('span', { class: 'muted' }, where)),
      el('ul', { class: 'plain prox-layers' }, layers.filter((l) => byLayer[l]).map((l) => el('li', { 'data-layer': l },
        `${t(`prox.layer.${l}`)}: `, el('strong', null, formatNumber(byLayer[l].count)),
        byLayer[l].by_category ? el('span', { class: 'muted small' }, ` (${[1, 2, 3, 4, 5]
          .filter((c) => byLayer[l].by_category[c]).map((c) => `${categoryLabel(c)}: ${byLayer[l].by_category[c]}`).join(', ') || t('prox.nocat')})`) : null))),
      s.highest_category ? el('p', null, `${t('prox.highest')}: `, el('strong', null, categoryLabel(s.highest_category))) : null,
      s.activity_bq_by_nuclide && Object.keys(s.activity_bq_by_nuclide).length
        ? el('p', { class: 'small' }, `${t('prox.activity')}: `, Object.entries(s.activity_bq_by_nuclide).map(([n, bq]) => `${n} ${formatActivity(bq)}`).join(' · '))
        : null,
      s.receptors?.length
        ? el('p', { class: 'small' }, `${t('prox.receptors', { n: s.receptors.length })}: `,
          s.receptors.slice(0, 8).map((r) => `${r.name} (${metres(r.distance_m)})`).join(' · '), s.receptors.length > 8 ? ' …' : '')
        : null);

    const rows = d.features.slice(0, LIST_MAX).map((f) => {
      const p = f.properties;
      const facilityId = p.layer === 'facilities' ? Number(f.id) : p.facility_id;
      return el('li', { class: 'prox-item', 'data-layer': p.layer, 'data-id': f.id },
        el('span', { class: `prox-dot layer-${p.layer}` }),
        el('span', { class: 'prox-name' },
          facilityId ? el('button', { type: 'button', class: 'link', onclick: () => openFacility(facilityId, { fly: true }) }, featureName(p)) : featureName(p),
          el('span', { class: 'muted small' }, ` ${t(`prox.layer1.${p.layer}`)}${p.iaea_category ? ` · ${categoryLabel(p.iaea_category)}` : ''}`)),
        el('span', { class: 'prox-dist' }, answer.kind === 'point' ? `${metres(p.distance_m)} ${compass(p.bearing_deg)}` : (p.distance_m ? `+${metres(p.distance_m)}` : '')));
    });
    const more = d.features.length > LIST_MAX || (d.numberMatched ?? 0) > d.features.length
      ? el('p', { class: 'muted small' }, t('prox.more', { n: formatNumber((d.numberMatched ?? d.features.length) - Math.min(LIST_MAX, d.features.length)) }))
      : null;

    const box = answerBox();
    const bbox = box.map((v) => v.toFixed(6)).join(',');
    const present = layers.filter((l) => byLayer[l]?.count);
    const exports = el('div', { class: 'prox-exports' },
      el('button', { type: 'button', class: 'secondary', id: 'prox-csv', onclick: exportCsv }, t('prox.csv')),
      present.map((l) => el('a', {
        class: 'button-link', id: `prox-gpkg-${l}`, download: `radmap-${l}.gpkg`,
        href: apiUrl(`/collections/${l}/items`, { f: 'gpkg', bbox }),
      }, t('prox.gpkg', { layer: t(`prox.layer.${l}`) }))),
      el('p', { class: 'muted small' }, t('prox.gpkg.note')));

    results.replaceChildren(summary, exports, el('ol', { class: 'plain prox-list', id: 'prox-list' }, rows), more);
  }

  async function exportCsv() {
    let data = answer.data;
    if ((data.numberMatched ?? 0) > data.features.length) {
      // The list holds the nearest FETCH_LIMIT: the file gets up to EXPORT_LIMIT of them.
      const r = await request(answer.kind === 'point' ? 'GET' : 'POST', '/proximity',
        { params: { ...answer.params, limit: EXPORT_LIMIT }, body: answer.body }).catch((e) => { say(t('app.error', { detail: e.message }), 'error'); return null; });
      if (!r) return;
      data = r.data;
    }
    const stamp = new Date().toISOString().slice(0, 10);
    download(`radmap-proximity-${stamp}.csv`, toCsv(data.features), 'text/csv;charset=utf-8');
  }

  // Escape ends picking or drawing (the area drawn so far stays).
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !card.hidden) stopTools(); });

  setMode('point');
  labels();
  onLanguageChange(labels);
  window.radmap = Object.assign(window.radmap || {}, { proximity: {
    queryPoint, queryArea,
    get answer() { return answer?.data ?? null; },
    get area() { return answer?.kind === 'area' ? answer.body : null; },
  } });
  return true;
}
