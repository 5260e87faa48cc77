/*
 * A facility's audit trail in its panel (GET /collections/facilities/items/{id}/history, newest
 * first), for the roles the server lets read it (licensing, leader, admin: the Allow header of
 * OPTIONS on the route says so; nobody else ever requests it). Each change shows when, who, what
 * kind, and the fields that differ between the version before and after it. The list is fetched
 * when the section is opened, and again after an edit while it is open.
 */
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { el, formatActivity } from '../util.js';
import { allowed, request } from './writes.js';

const SKIP = new Set(['version', 'updated_at']);
const LIMIT = 50;

function value(k, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (k === 'status') return tv('fstatus', v);
  if (k === 'practice') return tv('practice', v);
  if (Array.isArray(v)) return v.map((x) => (k === 'practices' ? tv('practice', x) : x)).join(', ');
  if (k === 'activity_bq' || k === 'activity_bq_now') return formatActivity(v);
  if (typeof v === 'number') return formatNumber(v, Number.isInteger(v) ? 0 : 4);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function point(g) {
  const c = g?.coordinates;
  return c ? `${c[1].toFixed(6)}° N, ${c[0].toFixed(6)}° E` : '—';
}

/** The fields that differ between two versions: [{field, was, now}]. */
export function differences(before, after) {
  const out = [];
  if (before && after && JSON.stringify(before.geometry) !== JSON.stringify(after.geometry)) {
    out.push({ field: 'geometry', was: point(before.geometry), now: point(after.geometry) });
  }
  const b = before?.properties || {}, a = after?.properties || {};
  if (!before || !after) return out;
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (SKIP.has(k)) continue;
    if (JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null)) out.push({ field: k, was: value(k, b[k]), now: value(k, a[k]) });
  }
  return out;
}

function fieldName(k) {
  const key = { geometry: 'panel.position', name: 'edit.f.name', code: 'panel.code', status: 'panel.status',
    practice: 'edit.f.practice', address: 'panel.address', ward: 'panel.ward', contact_name: 'edit.f.contact_name',
    contact_phone: 'edit.f.contact_phone', contact_email: 'edit.f.contact_email' }[k];
  return key ? t(key) : k;
}

export async function mount({ panel }) {
  if (!panel) return false;
  const allow = await allowed('/collections/facilities/items/0/history');
  if (!allow.has('GET')) return false;

  let state = { id: null, version: null, data: null, error: null, loading: false, open: false };
  const summary = el('summary');
  const body = el('div', { class: 'history-body' });
  const details = el('details', { class: 'panel-section history', id: 'facility-history' }, summary, body);
  details.addEventListener('toggle', () => {
    state.open = details.open;
    if (details.open && !state.data && !state.loading) load();
  });

  async function load() {
    const id = state.id;
    state.loading = true;
    draw();
    try {
      const r = await request('GET', `/collections/facilities/items/${id}/history`, { params: { limit: LIMIT } });
      if (id !== state.id) return;
      state.data = r.data;
      state.error = null;
    } catch (e) {
      if (id !== state.id) return;
      state.error = e.message;
    } finally {
      if (id === state.id) state.loading = false;
      draw();
    }
  }

  function draw() {
    summary.textContent = t('history.title');
    if (state.loading && !state.data) { body.replaceChildren(el('p', { class: 'muted' }, t('panel.loading'))); return; }
    if (state.error) { body.replaceChildren(el('p', { class: 'error' }, t('app.error', { detail: state.error }))); return; }
    const changes = state.data?.changes || [];
    if (!changes.length) { body.replaceChildren(el('p', { class: 'muted' }, t('history.none'))); return; }
    body.replaceChildren(el('ol', { class: 'history-list' }, changes.map((c) => {
      const diffs = differences(c.before, c.after);
      return el('li', { class: 'history-entry', 'data-audit': c.audit_id },
        el('div', { class: 'history-head' },
          el('strong', null, t(`history.action.${c.action}`) !== `history.action.${c.action}` ? t(`history.action.${c.action}`) : c.action),
          ' · ', el('span', { class: 'history-user' }, c.user || '—'),
          ' · ', el('time', { datetime: c.at }, new Date(c.at).toLocaleString(document.documentElement.lang, { timeZone: 'Asia/Ho_Chi_Minh' })),
          c.import_id ? el('span', { class: 'muted small' }, ` · ${t('history.import', { id: c.import_id })}`) : null),
        diffs.length && c.action === 'update'
          ? el('ul', { class: 'plain history-diff' }, diffs.map((d) => el('li', { 'data-field': d.field },
            el('span', { class: 'muted' }, `${fieldName(d.field)}: `), el('del', null, d.was), ' → ', el('ins', null, d.now))))
          : null);
    })), changes.length >= LIMIT ? el('p', { class: 'muted small' }, t('history.more', { n: LIMIT })) : null);
  }

  panel.addSection((current) => {
    const version = current.facility.properties.version;
    if (current.id !== state.id || version !== state.version) {
      const open = current.id === state.id && state.open;
      state = { id: current.id, version, data: null, error: null, loading: false, open };
      details.open = open;
      if (open) load();
    }
    draw();
    return details;
  }, { onClose: () => { state = { id: null, version: null, data: null, error: null, loading: false, open: false }; details.open = false; } });
  onLanguageChange(draw);
  return true;
}
