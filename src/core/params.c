/*
 * params: shared query-parameter parsing; see params.h.
 */
#include "core/params.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* strtod that accepts only a complete finite decimal number (no hex, no inf/nan, no spaces). */
static int parse_number(const char *s, const char **end, double *v)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')))
        return -1;
    for (const char *q = p; *q && *q != ','; q++)
        if (!((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-'))
            return -1;
    char *e;
    errno = 0;
    double d = strtod(s, &e);
    if (e == s || errno == ERANGE || !isfinite(d))
        return -1;
    *v = d;
    *end = e;
    return 0;
}

int params_parse_bbox(const char *s, params_bbox *out, rm_error *err)
{
    double v[6];
    int n = 0;
    const char *p = s;
    if (!s || !*s)
        return rm_error_set(err, 400, "Invalid parameter", "bbox is empty; expected minlon,minlat,maxlon,maxlat");
    while (1) {
        if (n == 6)
            return rm_error_set(err, 400, "Invalid parameter", "bbox has more than 6 numbers; expected 4 "
                                "(minlon,minlat,maxlon,maxlat) or 6 (with min and max height)");
        const char *e;
        if (parse_number(p, &e, &v[n]) < 0)
            return rm_error_set(err, 400, "Invalid parameter", "bbox value %d is not a number; expected "
                                "minlon,minlat,maxlon,maxlat in degrees", n + 1);
        n++;
        if (*e == 0)
            break;
        if (*e != ',')
            return rm_error_set(err, 400, "Invalid parameter", "bbox must be numbers separated by commas");
        p = e + 1;
    }
    if (n != 4 && n != 6)
        return rm_error_set(err, 400, "Invalid parameter", "bbox has %d numbers; expected 4 "
                            "(minlon,minlat,maxlon,maxlat) or 6 (with min and max height)", n);
    double minx = v[0], miny = v[1], maxx = n == 4 ? v[2] : v[3], maxy = n == 4 ? v[3] : v[4];
    if (minx < -180 || minx > 180 || maxx < -180 || maxx > 180)
        return rm_error_set(err, 400, "Invalid parameter", "bbox longitudes must be within -180..180");
    if (miny < -90 || miny > 90 || maxy < -90 || maxy > 90)
        return rm_error_set(err, 400, "Invalid parameter", "bbox latitudes must be within -90..90");
    if (miny > maxy)
        return rm_error_set(err, 400, "Invalid parameter", "bbox minimum latitude %g is above the maximum %g",
                            miny, maxy);
    out->min_lon = minx;
    out->min_lat = miny;
    out->max_lon = maxx;
    out->max_lat = maxy;
    out->crosses_antimeridian = minx > maxx;
    return 0;
}

int params_parse_int(const char *name, const char *s, int64_t min, int64_t max, int64_t def, bool clamp,
                     int64_t *out, rm_error *err)
{
    if (!s) {
        *out = def;
        return 0;
    }
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 18)
        return rm_error_set(err, 400, "Invalid parameter", "%s must be a whole number from %lld to %lld",
                            name, (long long)min, (long long)max);
    long long v = strtoll(s, NULL, 10);
    if (v > max && clamp)
        v = max;
    if (v < min || v > max)
        return rm_error_set(err, 400, "Invalid parameter", "%s must be a whole number from %lld to %lld",
                            name, (long long)min, (long long)max);
    *out = v;
    return 0;
}

int params_parse_double(const char *name, const char *s, double min, double max, double *out, rm_error *err)
{
    const char *e;
    double v;
    if (!s || parse_number(s, &e, &v) < 0 || *e)
        return rm_error_set(err, 400, "Invalid parameter", "%s must be a number from %g to %g", name, min, max);
    if (v < min || v > max)
        return rm_error_set(err, 400, "Invalid parameter", "%s must be a number from %g to %g", name, min, max);
    *out = v;
    return 0;
}

int params_check_text(const char *name, const char *s, rm_error *err)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        unsigned c = *p;
        size_t len;
        unsigned cp, min;
        if (c < 0x20 || c == 0x7F)
            return rm_error_set(err, 400, "Invalid parameter", "%s contains a control character", name);
        if (c < 0x80) {
            p++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            len = 4, cp = c & 0x07, min = 0x10000;
        else
            return rm_error_set(err, 400, "Invalid parameter", "%s is not valid UTF-8", name);
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return rm_error_set(err, 400, "Invalid parameter", "%s is not valid UTF-8", name);
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return rm_error_set(err, 400, "Invalid parameter", "%s is not valid UTF-8", name);
        p += len;
    }
    return 0;
}
