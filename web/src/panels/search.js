/*
 * The search box: facilities by name, code, address or ward through the API's q= (the server folds
 * case and Vietnamese diacritics, so "thu dau mot" finds "Thủ Dầu Một"), and wards by name from the
 * ward index. Choosing a result flies to it; a facility also opens its panel.
 */
import { items } from '../api.js';
import { formatNumber, onLanguageChange, t, tv } from '../i18n.js';
import { practiceIconUrl } from '../map/icons.js';
import { debounce, el } from '../util.js';
import { matchWards, wardIndex } from '../wards.js';

const LIMIT = 8;

export function mountSearch(form, { map, openFacility }) {
  const input = form.querySelector('input[type=search]');
  const list = el('ul', { class: 'search-results', id: 'search-results', role: 'listbox', hidden: true });
  form.append(list);
  input.setAttribute('aria-controls', 'search-results');
  input.setAttribute('aria-autocomplete', 'list');
  let results = [];
  let active = -1;
  let seq = 0;
  let controller = null;
  let lastQuery = '';
  let lastTotal = 0;

  function hide() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  }

  function show(msg) {
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (msg) list.replaceChildren(el('li', { class: 'search-msg' }, msg));
  }

  function render(total = lastTotal) {
    lastTotal = total;
    if (!results.length) { show(t('search.none')); return; }
    list.replaceChildren(...results.map((r, i) => el('li', {
      role: 'option',
      class: `search-result${i === active ? ' active' : ''}`,
      'aria-selected': i === active ? 'true' : 'false',
      'data-kind': r.kind,
      'data-id': r.id ?? undefined,
      onmousedown: (e) => { e.preventDefault(); choose(i); },
    },
    r.kind === 'ward'
      ? el('span', { class: 'result-icon ward-icon' }, '⌖')
      : el('img', { class: 'result-icon', src: practiceIconUrl(r.practice), alt: '', width: 18, height: 18 }),
    el('span', { class: 'result-text' },
      el('span', { class: 'result-title' }, r.title),
      el('span', { class: 'result-sub' }, r.sub)))));
    const rest = total - results.filter((r) => r.kind === 'facility').length;
    if (rest > 0) list.append(el('li', { class: 'search-msg' }, t('search.more', { n: formatNumber(rest) })));
    show();
  }

  async function search(q) {
    const my = ++seq;
    controller?.abort();
    lastQuery = q;
    if (q.trim().length < 2) { results = []; hide(); return; }
    controller = new AbortController();
    show(t('search.searching'));
    try {
      const [fc, wards] = await Promise.all([
        items('facilities', { q, limit: LIMIT }, { signal: controller.signal }),
        wardIndex().then((w) => matchWards(w, q)).catch(() => []),
      ]);
      if (my !== seq) return;
      results = [
        ...wards.slice(0, 3).map((w) => ({
          kind: 'ward', title: w.name, sub: t('search.ward', { n: formatNumber(w.ids.size) }), bbox: w.bbox,
        })),
        ...fc.features.map((f) => ({
          kind: 'facility', id: Number(f.id), practice: f.properties.practice, title: f.properties.name,
          sub: [f.properties.code, f.properties.ward, tv('practice', f.properties.practice)].filter(Boolean).join(' · '),
          center: f.geometry?.coordinates,
        })),
      ];
      active = results.length ? 0 : -1;
      render(fc.numberMatched ?? fc.features.length);
    } catch (e) {
      if (e.name === 'AbortError' || my !== seq) return;
      show(t('app.error', { detail: e.message }));
    }
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    hide();
    input.blur();
    if (r.kind === 'ward') {
      const [w, s, e, n] = r.bbox;
      map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 15, duration: 1200 });
    } else {
      openFacility(r.id, { fly: true });
    }
  }

  const later = debounce(search, 250);
  input.addEventListener('input', () => later(input.value));
  input.addEventListener('focus', () => { if (results.length && input.value === lastQuery) render(); });
  input.addEventListener('blur', () => setTimeout(hide, 150));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!results.length) return;
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + results.length) % results.length;
      render();
    } else if (e.key === 'Escape') {
      hide();
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (input.value !== lastQuery || !results.length) await search(input.value);
    choose(active >= 0 ? active : 0);
  });
  onLanguageChange(() => { if (!list.hidden && results.length) render(); });
}
