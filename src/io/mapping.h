/*
 * mapping: how the columns of a file people exchange become the fields of the register, and how
 * their values are read. Pure functions, no I/O beyond reading a mapping file.
 *
 * Columns are matched to fields by name after folding (core/fold.h: no case, no diacritics,
 * punctuation as spaces), against the field's own name and a list of the headers Vietnamese
 * registers use ("Tên cơ sở", "Địa chỉ", "Quận/Huyện", "Hoạt độ (mCi)", "Tọa độ X" ...); --map
 * field=column and a mapping file override the guess. Values are read the way such files write
 * them: dates as YYYY-MM-DD, DD/MM/YYYY or YYYY/MM/DD; numbers with a decimal point or comma;
 * activities with a unit (Bq ... TBq, Ci, mCi, µCi); coordinates in decimal degrees or
 * degrees-minutes-seconds; status and kind words in Vietnamese.
 *
 * Besides the writable fields of db/collection.h, a file may carry these import-only targets:
 *   lon, lat        WGS 84 (or --crs geographic) degrees
 *   x, y            easting and northing in --crs or the file's CRS (metres)
 *   organization, tax_code            facilities: the licensee, found by tax code or name, else created
 *   facility_code, facility_legacy_id sources, devices: the holding facility, by code or legacy id
 *   legacy_system, legacy_id          where the record came from (every layer)
 */
#ifndef RADMAP_MAPPING_H
#define RADMAP_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

enum {
    MAP_FACILITIES = 1 << 0,
    MAP_SOURCES = 1 << 1,
    MAP_DEVICES = 1 << 2,
    MAP_RECEPTORS = 1 << 3,
    MAP_BOUNDARIES = 1 << 4,
    MAP_AUTHORIZATIONS = 1 << 5,
};

/* The bit of a layer name ("facilities" ...), 0 when unknown. */
unsigned mapping_layer_bit(const char *layer);

/* The field or import-only target a column header means for that layer, guessed from its folded
 * name; NULL when none. When the header carries an activity unit ("Hoạt độ (mCi)"), *unit (may be
 * NULL) receives it ("mCi"), else NULL. */
const char *mapping_guess_target(const char *header, unsigned layer_bit, const char **unit);

/* Whether two names are equal after folding ("Địa chỉ" and "dia chi"). */
bool mapping_same_name(const char *a, const char *b);

/* The canonical value of an enumerated field that a Vietnamese or English word names
 * ("Đang hoạt động" -> "operating" for field "status" of facilities); NULL when none is known. */
const char *mapping_value_alias(unsigned layer_bit, const char *field, const char *value);

/* Read a date as YYYY-MM-DD into out: "2024-03-05", "2024/03/05", "05/03/2024", "5-3-2024",
 * "05.03.2024", and a date-time (its date). 0, or -1 when it is not a real date. */
int mapping_parse_date(const char *s, char out[11]);
/* Read a number: "12.5", "12,5", "1 234,5", "1.234.567" (thousands), "3.7E+10". 0 or -1. */
int mapping_parse_number(const char *s, double *out);
/* Read an activity in Bq: a number with an optional unit suffix (Bq, kBq, MBq, GBq, TBq, Ci, mCi,
 * µCi/uCi); unit (may be NULL) is the column's unit for bare numbers. 0 or -1. */
int mapping_parse_activity(const char *s, const char *unit, double *bq);
/* Bq per unit ("mCi" -> 3.7e7), 0 when the unit is unknown. */
double mapping_unit_bq(const char *unit);
/* Read a coordinate: decimal ("106.7", "106,7") or degrees-minutes-seconds ("10°45'30.5\"N",
 * "106 42 30 E"); S and W negate. 0 or -1. */
int mapping_parse_coord(const char *s, double *deg);

/* Split one line of a mapping file ("field = column", "# comment") in place: 1 with *key and
 * *value trimmed, 0 for a blank or comment line, -1 when the line has no '='. */
int mapping_split_line(char *line, char **key, char **value);

#endif
