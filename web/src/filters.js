/*
 * Filters: practice, IAEA category, status and ward. They restyle the tile layers with MapLibre
 * filter expressions (no tile is fetched again):
 *   - practice, status and category compare attributes the facility tiles carry;
 *   - ward uses the ids of the ward's facilities (wards.js), since the tiles carry no ward;
 *   - sources follow the category filter on their own category, and the facility filters through
 *     the ids of the matching facilities, which the same query to the API returns with its count.
 * Clusters (below the cluster zoom) are built by the server over every facility and cannot be
 * filtered here: while a filter is on they fade and a note says so.
 */
import { allItems } from './api.js';
import { CLUSTER_MAXZOOM, FACILITY_STATUSES, PRACTICES, WARD_INDEX_MAX } from './config.js';
import { formatNumber, onLanguageChange, t } from './i18n.js';
import { BASE_FILTERS } from './map/style.js';
import { el } from './util.js';
import { wardIndex } from './wards.js';

export const state = { practice: '', category: '', status: '', ward: '' };

function active(s = state) {
  return Boolean(s.practice || s.category || s.status || s.ward);
}

function facilityConditions(s, wardIds) {
  const c = [];
  if (s.practice) c.push(['==', ['get', 'practice'], s.practice]);
  if (s.status) c.push(['==', ['get', 'status'], s.status]);
  if (s.category === 'none') c.push(['!', ['has', 'max_category']]);
  else if (s.category) c.push(['==', ['get', 'max_category'], Number(s.category)]);
  if (s.ward && wardIds) c.push(['in', ['id'], ['literal', [...wardIds]]]);
  return c;
}

/** The filter expressions of every filtered layer for a state (exported for the tests). */
export function expressions(s, { wardIds = null, facilityIds = null } = {}) {
  const fac = ['all', BASE_FILTERS['facilities-point'], ...facilityConditions(s, wardIds)];
  const src = ['all', BASE_FILTERS['sources-point']];
  if (s.category === 'none') src.push(['!', ['has', 'iaea_category']]);
  else if (s.category) src.push(['==', ['get', 'iaea_category'], Number(s.category)]);
  if ((s.practice || s.status || s.ward) && facilityIds) {
    src.push(['in', ['get', 'facility_id'], ['literal', [...facilityIds]]]);
  }
  return { 'facilities-point': fac, 'facilities-label': fac, 'sources-point': src };
}

function apiParams(s) {
  return {
    practice: s.practice || undefined,
    status: s.status || undefined,
    ward: s.ward || undefined,
    category: s.category && s.category !== 'none' ? s.category : undefined,
  };
}

/**
 * Mount the filter card in container; calls onChange(state) after each change has been applied.
 * Returns {apply, set} for other modules (search sets the ward, for instance).
 */
export function mountFilters(container, map, caps, { onChange } = {}) {
  const withCategories = caps.hasCollection('sources'); // categories are shown to the full class only
  let seq = 0;
  const matched = el('p', { class: 'filters-matched', 'aria-live': 'polite' });
  const note = el('p', { class: 'filters-note', hidden: true });
  const selects = {};

  function option(value, label, selected) {
    return el('option', { value, selected: selected || undefined }, label);
  }

  function buildOptions() {
    selects.practice.replaceChildren(option('', t('filters.any')),
      ...PRACTICES.map((p) => option(p.key, t(`practice.${p.key}`), state.practice === p.key)));
    selects.category?.replaceChildren(option('', t('filters.any')),
      ...[1, 2, 3, 4, 5].map((n) => option(String(n), t('category.n', { n }), state.category === String(n))),
      option('none', t('filters.category.none'), state.category === 'none'));
    selects.status.replaceChildren(option('', t('filters.any')),
      ...FACILITY_STATUSES.map((s) => option(s, t(`fstatus.${s}`), state.status === s)));
    const wardOptions = [option('', t('filters.any'))];
    if (wards?.available) wardOptions.push(...wards.wards.map((w) => option(w.name, w.name, state.ward === w.name)));
    else wardOptions.push(option('', t(wards ? 'filters.ward.unavailable' : 'filters.ward.loading')));
    selects.ward.replaceChildren(...wardOptions);
    selects.ward.disabled = !wards?.available;
    note.textContent = t('filters.clusters', { z: CLUSTER_MAXZOOM });
  }

  let wards = null;
  const field = (key, label) => {
    const s = el('select', { id: `filter-${key}`, name: key, onchange: () => set({ [key]: s.value }) });
    selects[key] = s;
    return el('label', { class: 'field' }, el('span', { 'data-i18n': label }, t(label)), s);
  };

  container.append(...[
    field('practice', 'filters.practice'),
    withCategories ? field('category', 'filters.category') : null,
    field('status', 'filters.status'),
    field('ward', 'filters.ward'),
    el('div', { class: 'filters-actions' },
      el('button', { type: 'button', class: 'link', onclick: () => set({ practice: '', category: '', status: '', ward: '' }), 'data-i18n': 'filters.clear' }, t('filters.clear'))),
    matched,
    note,
  ].filter(Boolean));
  buildOptions();
  onLanguageChange(() => { buildOptions(); showCount(lastCount); });

  wardIndex().then((w) => { wards = w; buildOptions(); apply(); }).catch(() => { wards = { available: false, wards: [] }; buildOptions(); });

  let lastCount = null;
  function showCount(n) {
    lastCount = n;
    matched.textContent = n === null ? '' : t('filters.matched', { n: formatNumber(n) });
  }

  async function apply() {
    const my = ++seq;
    const s = { ...state };
    const wardIds = s.ward && wards?.available ? wards.wards.find((w) => w.name === s.ward)?.ids : null;
    const setAll = (facilityIds) => {
      for (const [layer, expr] of Object.entries(expressions(s, { wardIds, facilityIds }))) {
        if (map.getLayer(layer)) map.setFilter(layer, expr);
      }
    };
    setAll(null); // at once, from the tile attributes
    const on = active(s);
    map.setPaintProperty('facilities-cluster', 'circle-opacity', on ? 0.3 : 0.88);
    map.setPaintProperty('facilities-cluster-count', 'text-opacity', on ? 0.5 : 1);
    note.hidden = !on;
    if (!on) {
      showCount(null);
      onChange?.(s);
      return;
    }
    try {
      // The exact answer from the server: its count, and the facilities the sources must follow.
      const feats = await allItems('facilities', apiParams(s), { max: WARD_INDEX_MAX });
      if (my !== seq) return;
      showCount(feats.length);
      if (s.practice || s.status || s.ward) setAll(new Set(feats.map((f) => Number(f.id))));
    } catch (e) {
      if (my === seq) matched.textContent = t('app.error', { detail: e.message });
    }
    onChange?.(s);
  }

  function set(changes) {
    Object.assign(state, changes);
    for (const [k, s] of Object.entries(selects)) if (s.value !== state[k]) s.value = state[k];
    return apply();
  }

  return { apply, set, state };
}
