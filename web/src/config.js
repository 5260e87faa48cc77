/*
 * Constants of the web map: colours, symbols, zooms and the names of the fonts the build ships.
 * Everything here is data; the translations of the keys are in i18n.js.
 */

/* The server clusters point layers below this zoom (TileJSON cluster_maxzoom says the same). */
export const CLUSTER_MAXZOOM = 12;

/* Font stacks: build-web.sh turns the Debian font it finds into SDF glyph ranges under
 * glyphs/<stack>/<start>-<end>.pbf and copies the same font to fonts/ for the interface. */
export const FONT_REGULAR = 'radmap-regular';
export const FONT_BOLD = 'radmap-bold';

/* Practices in the order of the legend (keys of the practice table, sql/001_core.sql). Each has a
 * colour and a shape: circles for medical uses, squares for industrial ones, diamonds for the rest,
 * and a pictogram drawn by map/icons.js. */
export const PRACTICES = [
  { key: 'medical_xray', color: '#1f6fb4', shape: 'circle', mark: 'cross' },
  { key: 'nuclear_medicine', color: '#7b3fa0', shape: 'circle', mark: 'trefoil' },
  { key: 'radiotherapy', color: '#b2182b', shape: 'circle', mark: 'target' },
  { key: 'industrial_radiography', color: '#e07b00', shape: 'square', mark: 'trefoil' },
  { key: 'industrial_gauge', color: '#8c5a2b', shape: 'square', mark: 'gauge' },
  { key: 'well_logging', color: '#2e7d32', shape: 'square', mark: 'arrow' },
  { key: 'irradiator', color: '#c2185b', shape: 'diamond', mark: 'trefoil' },
  { key: 'research', color: '#00838f', shape: 'diamond', mark: 'dot' },
  { key: 'storage', color: '#546e7a', shape: 'diamond', mark: 'box' },
  { key: 'other', color: '#757575', shape: 'circle', mark: 'dot' },
];

/* IAEA categories (RS-G-1.9): 1 is the most dangerous. */
export const CATEGORY_COLORS = {
  1: '#d7191c',
  2: '#f46d43',
  3: '#fdae61',
  4: '#4f8fc0',
  5: '#9e9e9e',
};
export const NO_CATEGORY_COLOR = '#ffffff';
export const CLUSTER_COLOR = '#3b6ea8';

export const FACILITY_STATUSES = ['operating', 'suspended', 'closed'];
export const SOURCE_STATUSES = ['in_use', 'stored', 'disused', 'transferred', 'disposed', 'lost', 'stolen', 'found'];
export const DEVICE_TYPES = ['general', 'mobile', 'dental', 'mammography', 'fluoroscopy', 'bone_densitometry', 'ct',
  'pet_ct', 'spect_ct', 'linac', 'cyclotron', 'industrial_xray', 'xray_security', 'xrf_analyser', 'other'];

/* Above this many facilities the ward filter does not load the ward index (see wards.js). */
export const WARD_INDEX_MAX = 20000;
