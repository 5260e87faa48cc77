/*
 * mvt: a Mapbox Vector Tile 2.1 encoder (https://github.com/mapbox/vector-tile-spec, v2.1).
 *
 * Written by hand, protobuf wire format included (varints, zigzag, packed repeated fields),
 * because it is the hot path of /tiles: no generated code, no per-field allocation, attribute
 * keys and values deduplicated per layer through hash tables (layers hold 10k+ features).
 *
 * Use:
 *     mvt_tile *t = mvt_tile_create();
 *     mvt_layer *l = mvt_layer_begin(t, "facilities", TILE_EXTENT);
 *     for each row:
 *         mvt_feature *f = mvt_feature_begin(l, id);
 *         mvt_feature_add_string(f, "name", name);        one call per attribute
 *         mvt_feature_add_int(f, "category", cat);
 *         mvt_feature_add_point(f, x, y);                  geometry in tile units, y down
 *     mvt_tile_finish(t, &out);                            0 bytes when no feature survived
 *     mvt_tile_destroy(t);
 *
 * Geometry goes in tile-local integer units (tile_round() of geo/tile.h). The encoder enforces
 * the spec's geometry rules: one geometry type per feature, MoveTo/LineTo/ClosePath with deltas,
 * no repeated consecutive points, lines of fewer than 2 distinct points and rings of fewer than
 * 3 distinct points or zero area dropped (with the holes of a dropped exterior), exterior rings
 * with positive area by the spec's surveyor formula in tile coordinates (clockwise on screen,
 * y down) and interior rings negative, reversing what comes in the other way. A feature whose
 * geometry ends up empty is dropped when the next feature begins or the tile finishes, and so
 * are attributes only it used; a layer without features is omitted.
 *
 * Values of different types never merge: int 1, double 1.0 and "1" are three values. Strings must
 * be UTF-8; invalid bytes are replaced by U+FFFD so the tile always decodes. MVT has no null:
 * skip the attribute (a NULL string is skipped for you).
 *
 * Memory: allocation failure aborts (as core/buf does). A tile and everything in it belongs to
 * one thread at a time; there is no shared state, so threads build tiles in parallel.
 */
#ifndef RADMAP_MVT_H
#define RADMAP_MVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct mvt_tile mvt_tile;
typedef struct mvt_layer mvt_layer;
typedef struct mvt_feature mvt_feature;

/* Create an empty tile. Never NULL. Free with mvt_tile_destroy(). */
mvt_tile *mvt_tile_create(void);

/* Free the tile, its layers and features; the handles it gave out die with it. NULL is a no-op. */
void mvt_tile_destroy(mvt_tile *t);

/*
 * Begin (or find) the layer called name (UTF-8, copied) with the given extent (version 2 is
 * written). Layer names are unique in a tile: asking again for an existing name returns that
 * layer and ignores extent. Result: owned by the tile, valid until mvt_tile_destroy(). Layers may
 * be filled in any interleaving; they are written in the order they were begun.
 */
mvt_layer *mvt_layer_begin(mvt_tile *t, const char *name, uint32_t extent);

/*
 * Begin a feature of layer l with the given id (0 = no id: the field is left out, which the
 * spec reads as 0 too; radmap ids start at 1). Commits the layer's previous feature (or drops
 * it if its geometry was empty). Result: owned by the layer, valid until the next
 * mvt_feature_begin() on the same layer or mvt_tile_finish()/mvt_tile_destroy().
 */
mvt_feature *mvt_feature_begin(mvt_layer *l, uint64_t id);

/*
 * Attributes: key and string value are UTF-8 and copied. Setting a key twice on one feature
 * keeps the last value (the spec forbids repeated keys in a feature). A NULL string value is
 * skipped. Integers are written as sint64 (zigzag), doubles as double, booleans as bool.
 */
void mvt_feature_add_string(mvt_feature *f, const char *key, const char *value);
void mvt_feature_add_int(mvt_feature *f, const char *key, int64_t value);
void mvt_feature_add_double(mvt_feature *f, const char *key, double value);
void mvt_feature_add_bool(mvt_feature *f, const char *key, bool value);

/*
 * Geometry, in tile units (y down; coordinates are clamped to +-TILE_COORD_LIMIT of
 * geo/tile.h, 2^30 - 1, so that every delta fits the spec's 32-bit parameters). A feature takes one
 * geometry type: the first call fixes it, and a call of another type returns -1 and changes
 * nothing (a programmer mistake). All return 0 otherwise, also when the part was dropped as
 * degenerate.
 */

/* Add one point; call again for a multipoint (all points go into one MoveTo command). */
int mvt_feature_add_point(mvt_feature *f, int32_t x, int32_t y);

/* Add n points given as xy[0..2n) = x0, y0, x1, y1, ... */
int mvt_feature_add_points(mvt_feature *f, const int32_t *xy, size_t n);

/* Add one linestring of n points (xy as above); call again for a multilinestring. */
int mvt_feature_add_line(mvt_feature *f, const int32_t *xy, size_t n);

/*
 * Add one ring of n points (xy as above; closed or not, the closing point is implied).
 * exterior = true starts a new polygon; false adds a hole to the last polygon, and is dropped
 * when that polygon's exterior was dropped or none came before. The ring is reoriented as the
 * spec wants (exterior positive area, interior negative).
 */
int mvt_feature_add_ring(mvt_feature *f, const int32_t *xy, size_t n, bool exterior);

/*
 * Commit pending features and append the encoded tile to out. Layers without features are left
 * out; a tile without features appends nothing (the server answers 204). Feature handles given
 * out before die here; the tile and its layers stay valid (more features may be added and the
 * tile finished again into another buffer). Result: number of features written.
 */
size_t mvt_tile_finish(mvt_tile *t, buf *out);

#endif
