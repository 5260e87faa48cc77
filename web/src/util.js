/* Small helpers shared by the modules: DOM building, text folding, number formats. */
import { formatNumber, t } from './i18n.js';

/** el('div', {class: 'x', onclick: f}, child, 'text', ...) */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(e.style, v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Lower case without Vietnamese diacritics, as the server folds search keys ("Thủ Dầu Một" -> "thu dau mot"). */
export function fold(s) {
  return String(s ?? '')
    .replace(/[đĐ]/g, 'd')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** An activity in becquerels with the SI prefix that keeps 3 significant figures readable. */
export function formatActivity(bq) {
  if (bq === null || bq === undefined || !Number.isFinite(bq)) return '—';
  const units = [['PBq', 1e15], ['TBq', 1e12], ['GBq', 1e9], ['MBq', 1e6], ['kBq', 1e3], ['Bq', 1]];
  const [u, f] = units.find(([, v]) => bq >= v) || units[units.length - 1];
  const x = bq / f;
  return `${formatNumber(x, x >= 100 ? 0 : x >= 10 ? 1 : 2)} ${u}`;
}

/** Label of an IAEA category as the API gives it (null: none; 5 with exemption_checked false). */
export function categoryLabel(cat, exemptionChecked) {
  if (cat === null || cat === undefined) return t('category.none');
  if (cat === 5 && exemptionChecked === false) return t('category.5unchecked');
  return t('category.n', { n: cat });
}

export function debounce(f, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => f(...args), ms);
  };
}
