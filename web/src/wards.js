/*
 * The wards of the register and the facilities in each, for the ward filter and for finding a
 * ward by name. The server has no list of wards yet (no queryables, and the tiles carry no ward
 * attribute), so the index is built from the facilities themselves, once, on first use, and only
 * when the register is small enough to page through (config.WARD_INDEX_MAX).
 */
import { allItems, items } from './api.js';
import { WARD_INDEX_MAX } from './config.js';
import { fold } from './util.js';

let loading = null;

/** Promise of {available, wards: [{name, key, ids: Set<number>, bbox: [w,s,e,n]}]} sorted by name. */
export function wardIndex() {
  if (!loading) loading = build().catch((e) => { loading = null; throw e; });
  return loading;
}

async function build() {
  const head = await items('facilities', { limit: 1 });
  if ((head.numberMatched ?? 0) > WARD_INDEX_MAX) return { available: false, wards: [] };
  const feats = await allItems('facilities', {}, { max: WARD_INDEX_MAX });
  const by = new Map();
  for (const f of feats) {
    const name = f.properties.ward;
    if (!name || !f.geometry) continue;
    let w = by.get(name);
    if (!w) {
      w = { name, key: fold(name), ids: new Set(), bbox: [Infinity, Infinity, -Infinity, -Infinity] };
      by.set(name, w);
    }
    w.ids.add(Number(f.id));
    const [x, y] = f.geometry.coordinates;
    w.bbox = [Math.min(w.bbox[0], x), Math.min(w.bbox[1], y), Math.max(w.bbox[2], x), Math.max(w.bbox[3], y)];
  }
  const wards = [...by.values()].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  return { available: true, wards };
}

/** Wards whose folded name contains the folded query (a prefix of a word counts). */
export function matchWards(index, query) {
  const q = fold(query);
  if (!q || !index?.available) return [];
  // "thu dau mot" matches "phuong thu dau mot".
  return index.wards.filter((w) => w.key.includes(q));
}
