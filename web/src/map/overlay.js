/*
 * GeoJSON drawn over the register by the tools (the proximity ring and area, zones): one GeoJSON
 * source per overlay with its layers, added on first use above the register's layers and updated
 * in place afterwards. Nothing here fetches anything: the modules hand over the geometries.
 */

const EMPTY = { type: 'FeatureCollection', features: [] };

/**
 * Show data (a GeoJSON object) in overlay id, creating its source and layers the first time.
 * layers: MapLibre layer specifications without id/source (each gets id `${id}-${i}` or its own
 * `suffix`), drawn in order; beforeId: an existing layer to draw them under (default: on top).
 */
export function setOverlay(map, id, data, layers, beforeId) {
  const src = map.getSource(id);
  if (src) {
    src.setData(data || EMPTY);
    return;
  }
  map.addSource(id, { type: 'geojson', data: data || EMPTY });
  layers.forEach((l, i) => {
    const { suffix, ...spec } = l;
    map.addLayer({ ...spec, id: `${id}-${suffix || i}`, source: id }, beforeId && map.getLayer(beforeId) ? beforeId : undefined);
  });
}

/** Empty overlay id (its layers stay, drawing nothing). */
export function clearOverlay(map, id) {
  map.getSource(id)?.setData(EMPTY);
}
