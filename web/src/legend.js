/*
 * The legend: the symbols of the practices (the very pixels the map draws), the category colours of
 * sources, what a cluster means, and the layer switches.
 */
import { CATEGORY_COLORS, CLUSTER_COLOR, NO_CATEGORY_COLOR, PRACTICES } from './config.js';
import { onLanguageChange, t } from './i18n.js';
import { setGroupVisible } from './map/map.js';
import { practiceIconUrl } from './map/icons.js';
import { el } from './util.js';

/* Layer switches: [group, on at start, collection the caller must be allowed to read]. */
const GROUPS = [
  ['facilities', true, 'facilities'],
  ['sources', true, 'sources'],
  ['devices', false, 'devices'],
  ['receptors', false, 'receptors'],
  ['boundaries', true, null],
];

export function mountLegend(container, map, caps) {
  const groups = GROUPS.filter(([, , c]) => !c || caps.hasCollection(c));
  const withSources = caps.hasCollection('sources');
  const visible = Object.fromEntries(groups.map(([g, v]) => [g, v]));

  function render() {
    const practices = el('ul', { class: 'legend-list' },
      PRACTICES.map((p) => el('li', null,
        el('img', { src: practiceIconUrl(p.key), alt: '', width: 18, height: 18 }),
        el('span', null, t(`practice.${p.key}`)))));
    const categories = el('ul', { class: 'legend-list legend-cats' },
      [1, 2, 3, 4, 5].map((n) => el('li', null,
        el('span', { class: 'swatch', style: { background: CATEGORY_COLORS[n] } }),
        el('span', null, t('category.n', { n })))),
      el('li', null, el('span', { class: 'swatch', style: { background: NO_CATEGORY_COLOR } }),
        el('span', null, t('legend.nocategory'))));
    const cluster = el('div', { class: 'legend-cluster' },
      el('span', { class: 'cluster-swatch', style: { background: CLUSTER_COLOR, borderColor: CATEGORY_COLORS[2] } }, '12'),
      el('span', null, t('legend.clusters')));
    const layers = el('div', { class: 'legend-layers' },
      groups.map(([g]) => el('label', { class: 'check' },
        el('input', {
          type: 'checkbox', name: `layer-${g}`, checked: visible[g] || undefined,
          onchange: (e) => { visible[g] = e.target.checked; setGroupVisible(map, g, visible[g]); },
        }),
        el('span', null, t(`legend.layer.${g}`)))));
    container.replaceChildren(...[
      el('h3', null, t('legend.facilities')), practices,
      withSources ? el('h3', null, t('legend.sources')) : null, withSources ? categories : null,
      cluster,
      el('h3', null, t('legend.layers')), layers,
    ].filter(Boolean));
  }
  render();
  onLanguageChange(render);
  for (const [g, v] of groups) if (!v) setGroupVisible(map, g, false);
}
