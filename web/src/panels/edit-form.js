/*
 * The forms of the editing module (edit.js): a form over a list of writable fields, with each
 * field's error shown under it, and the position of a facility, dragged on the map as a marker or
 * typed in WGS 84 or a VN-2000 TM-3 zone. Also used by the proximity tool for typed numbers.
 */
import { DEFAULT_ZONE, formatMeridian, TM3_ZONES, vn2000TMToWgs84, wgs84ToVn2000TM, zoneByEpsg } from '../geo/vn2000.js';
import { formatNumber, t, tv } from '../i18n.js';
import { el, formatActivity } from '../util.js';

const maplibregl = window.maplibregl;

/* ---- values ------------------------------------------------------------------------------------ */

/** A typed number: "1189000,5" (Vietnamese decimal comma) or "3.7e10"; NaN when not a number. */
export function parseNumber(s) {
  let v = String(s ?? '').trim().replace(/\s+/g, '');
  if (v === '') return NaN;
  if (/^[-+]?\d+,\d+$/.test(v)) v = v.replace(',', '.');
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v) ? Number(v) : NaN;
}

export function normalise(field, v) {
  if (v === null || v === undefined || v === '') return null;
  if (field.kind === 'number') {
    const n = typeof v === 'number' ? v : parseNumber(v);
    return Number.isNaN(n) ? String(v).trim() : n;
  }
  return String(v).trim() || null;
}

export function display(field, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'status') return `${tv('fstatus', v) !== v ? tv('fstatus', v) : tv('sstatus', v)}`;
  if (field === 'practice') return tv('practice', v);
  if (field === 'type') return tv('device', v);
  if (field === 'activity_bq') return formatActivity(v);
  if (Array.isArray(v)) return v.join(', ');
  return typeof v === 'number' ? formatNumber(v, Number.isInteger(v) ? 0 : 3) : String(v);
}

export function positionText(g) {
  const [lon, lat] = g?.coordinates || [];
  return lon === undefined ? '—' : `${lat.toFixed(6)}° N, ${lon.toFixed(6)}° E`;
}

export function fieldLabel(fields, name) {
  if (name === 'geometry') return t('panel.position');
  const f = fields.find((x) => x.name === name);
  return f ? t(f.label) : name;
}

/* ---- a form over a list of fields ------------------------------------------------------------- */

export function createForm(prefix, fields, props) {
  const rows = new Map();
  const node = el('div', { class: 'edit-fields' });
  for (const f of fields) {
    const id = `edit-${prefix}-${f.name}`;
    const value = props[f.name];
    let input;
    if (f.options) {
      const opts = f.options();
      if (value && !opts.some(([v]) => v === value)) opts.push([value, value]);
      input = el('select', { id, name: f.name },
        f.required && value ? null : el('option', { value: '' }, '—'),
        opts.map(([v, label]) => el('option', { value: v, selected: v === value || undefined }, label)));
    } else {
      input = el('input', {
        id, name: f.name, autocomplete: 'off', spellcheck: 'false',
        type: f.kind === 'date' ? 'date' : 'text',
        inputmode: f.kind === 'number' ? 'decimal' : undefined,
        list: f.list ? `${id}-list` : undefined,
      });
      input.value = value === null || value === undefined ? '' : String(value);
    }
    const error = el('span', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
    input.setAttribute('aria-describedby', error.id);
    const label = el('span', { class: 'edit-label' });
    const row = el('label', { class: 'field edit-field', for: id }, label, input, error,
      f.list ? el('datalist', { id: `${id}-list` }, f.list.map((v) => el('option', { value: v }))) : null);
    rows.set(f.name, { f, input, error, label, row });
    node.append(row);
  }
  const labels = () => {
    for (const { f, label } of rows.values()) label.textContent = `${t(f.label)}${f.required ? ' *' : ''}`;
  };
  labels();
  return {
    node,
    labels,
    /** The properties whose value differs from base, as a merge patch (null removes a value). */
    changes(base) {
      const out = {};
      for (const { f, input } of rows.values()) {
        const now = normalise(f, input.value);
        if (now !== normalise(f, base[f.name])) out[f.name] = now === null && f.required ? '' : now;
      }
      return out;
    },
    /** Every field's value (a new feature's properties). */
    values() {
      const out = {};
      for (const { f, input } of rows.values()) {
        const v = normalise(f, input.value);
        if (v !== null) out[f.name] = v;
      }
      return out;
    },
    /** Put fields the user did not touch (same as before) to their value in next. */
    rebase(before, next) {
      for (const { f, input } of rows.values()) {
        if (normalise(f, input.value) === normalise(f, before[f.name])) {
          input.value = next[f.name] === null || next[f.name] === undefined ? '' : String(next[f.name]);
        }
      }
    },
    /** Show the reasons of a 422 under their fields; answers the entries no field of the form shows. */
    showErrors(errors) {
      const rest = [];
      for (const [name, reasons] of errors) {
        const r = rows.get(name);
        if (r) {
          r.error.textContent = reasons.join('; ');
          r.row.classList.add('invalid');
          r.input.setAttribute('aria-invalid', 'true');
        } else rest.push([name, reasons]);
      }
      const first = [...rows.values()].find((r) => r.row.classList.contains('invalid'));
      first?.input.focus();
      return rest;
    },
    clearErrors() {
      for (const r of rows.values()) {
        r.error.textContent = '';
        r.row.classList.remove('invalid');
        r.input.removeAttribute('aria-invalid');
      }
    },
  };
}

/* ---- the position of a facility: marker on the map and typed coordinates ----------------------- */

const ZONE_KEY = 'radmap.zone';
function storedZone() {
  try { return zoneByEpsg(localStorage.getItem(ZONE_KEY))?.epsg ?? DEFAULT_ZONE; } catch { return DEFAULT_ZONE; }
}

export function createPosition(map, geometry) {
  const start = geometry?.coordinates ? { lon: geometry.coordinates[0], lat: geometry.coordinates[1] } : null;
  let pos = start ? { ...start } : null;
  let typed = false; // the inputs hold what the user typed (sent as typed, in their CRS)
  let changed = false;

  const crs = el('select', { id: 'edit-crs', name: 'crs' });
  const a = el('input', { id: 'edit-pos-a', name: 'pos-a', inputmode: 'decimal', autocomplete: 'off' });
  const b = el('input', { id: 'edit-pos-b', name: 'pos-b', inputmode: 'decimal', autocomplete: 'off' });
  const aLabel = el('span', { class: 'edit-label' });
  const bLabel = el('span', { class: 'edit-label' });
  const crsLabel = el('span', { class: 'edit-label' });
  const error = el('span', { class: 'field-error', id: 'edit-facility-geometry-error', 'aria-live': 'polite' });
  const hint = el('p', { class: 'muted small' });
  const legend = el('legend');
  const node = el('fieldset', { class: 'edit-position', id: 'edit-position' }, legend,
    el('label', { class: 'field', for: 'edit-crs' }, crsLabel, crs),
    el('div', { class: 'edit-pair' },
      el('label', { class: 'field', for: 'edit-pos-a' }, aLabel, a),
      el('label', { class: 'field', for: 'edit-pos-b' }, bLabel, b)),
    error, hint);

  let epsg = storedZone(); // 0: WGS 84
  const marker = pos ? new maplibregl.Marker({ draggable: true, color: '#e65100' }).setLngLat([pos.lon, pos.lat]) : null;
  if (marker) {
    const m = marker.getElement();
    m.id = 'edit-marker';
    m.classList.add('edit-marker');
    marker.addTo(map);
    marker.on('drag', () => { fromMarker(); });
    marker.on('dragend', () => { fromMarker(); });
  }

  function fromMarker() {
    const ll = marker.getLngLat();
    pos = { lon: ll.lng, lat: ll.lat };
    typed = false;
    changed = true;
    fill();
  }

  /* Inputs from pos, in the chosen CRS. */
  function fill() {
    if (!pos) { a.value = ''; b.value = ''; return; }
    if (epsg === 0) {
      a.value = pos.lat.toFixed(7);
      b.value = pos.lon.toFixed(7);
    } else {
      const p = wgs84ToVn2000TM(pos.lon, pos.lat, zoneByEpsg(epsg).lon0);
      a.value = p.x.toFixed(3);
      b.value = p.y.toFixed(3);
    }
  }

  /* pos from the typed inputs (null if they are not two numbers). */
  function typedPosition() {
    const x = parseNumber(a.value), y = parseNumber(b.value);
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    if (epsg === 0) return { lon: y, lat: x };
    const g = vn2000TMToWgs84(x, y, zoneByEpsg(epsg).lon0);
    return { lon: g.lon, lat: g.lat };
  }

  function onType() {
    typed = true;
    changed = true;
    const p = typedPosition();
    if (p && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180) {
      pos = p;
      marker?.setLngLat([p.lon, p.lat]);
    }
  }
  a.addEventListener('input', onType);
  b.addEventListener('input', onType);
  crs.addEventListener('change', () => {
    if (typed) { const p = typedPosition(); if (p) pos = p; typed = false; }
    epsg = Number(crs.value);
    if (epsg) { try { localStorage.setItem(ZONE_KEY, String(epsg)); } catch { /* private mode */ } }
    labels();
    fill();
  });

  function labels() {
    legend.textContent = t('panel.position');
    crsLabel.textContent = t('edit.crs');
    crs.replaceChildren(el('option', { value: '0', selected: epsg === 0 || undefined }, t('edit.crs.wgs84')),
      ...TM3_ZONES.map((z) => el('option', { value: z.epsg, selected: z.epsg === epsg || undefined },
        t('edit.crs.vn2000', { meridian: formatMeridian(z.lon0), epsg: z.epsg }))));
    aLabel.textContent = epsg === 0 ? t('edit.lat') : t('edit.x');
    bLabel.textContent = epsg === 0 ? t('edit.lon') : t('edit.y');
    hint.textContent = t('edit.position.hint');
  }
  labels();
  fill();

  return {
    node,
    labels,
    /** {geometry, epsg} to send when the position changed (epsg: CRS of typed VN-2000 input), else null. */
    change() {
      if (!changed) return null;
      if (typed) {
        const x = parseNumber(a.value), y = parseNumber(b.value);
        if (epsg === 0) return { geometry: { type: 'Point', coordinates: [y, x] } };
        // EPSG:9205-9218 and 5896-5899 list easting first: [Y, X] in Vietnamese survey terms.
        return { geometry: { type: 'Point', coordinates: [y, x] }, epsg };
      }
      return { geometry: { type: 'Point', coordinates: [Number(pos.lon.toFixed(8)), Number(pos.lat.toFixed(8))] } };
    },
    showError(reasons) { error.textContent = reasons.join('; '); node.classList.add('invalid'); },
    clearError() { error.textContent = ''; node.classList.remove('invalid'); },
    /** Start again from a new version of the feature, keeping a position the user changed. */
    rebase(next) {
      if (changed) return;
      const c = next?.coordinates;
      if (c) { pos = { lon: c[0], lat: c[1] }; marker?.setLngLat(c); fill(); }
    },
    destroy() { marker?.remove(); },
  };
}
