/*
 * fuzz_params: the query-string parsers every route shares (core/params.h: bbox, whole numbers,
 * decimals), the CRS reference parser of crs= / bbox-crs= (geo/crs.h) and the URL encoder that
 * rebuilds query strings for next/prev links (http_url_encode).
 *
 * Input: byte 0 picks the parser, the rest (NUL-terminated copy) is the parameter's value. Beyond
 * "no crash, no leak", each parser's promise is checked: an accepted bbox is in range and ordered,
 * an accepted number lies in [min, max], the encoder's output holds only unreserved characters and
 * %XX escapes and decodes back to the input.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/params.h"
#include "geo/crs.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *s = malloc(size);
    if (!s)
        abort();
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    rm_error err = {0};
    switch (data[0] % 5) {
    case 0: {
        params_bbox b;
        if (params_parse_bbox(s, &b, &err) == 0) {
            if (!(b.min_lon >= -180 && b.min_lon <= 180 && b.max_lon >= -180 && b.max_lon <= 180 &&
                  b.min_lat >= -90 && b.min_lat <= b.max_lat && b.max_lat <= 90) ||
                b.crosses_antimeridian != (b.min_lon > b.max_lon))
                abort();
        } else if (err.status != 400 || !strstr(err.detail, "bbox")) {
            abort();
        }
        break;
    }
    case 1: {
        int64_t v;
        if (params_parse_int("limit", s, 1, 10000, 10, true, &v, &err) == 0) {
            if (v < 1 || v > 10000)
                abort();
        } else if (err.status != 400 || !strstr(err.detail, "limit")) {
            abort();
        }
        break;
    }
    case 2: {
        double v;
        if (params_parse_double("radius", s, 0, 100000, &v, &err) == 0) {
            if (!isfinite(v) || v < 0 || v > 100000)
                abort();
        } else if (err.status != 400 || !strstr(err.detail, "radius")) {
            abort();
        }
        break;
    }
    case 3: {
        const crs_info *c = crs_from_uri(s, "crs", &err);
        if (!c && (err.status != 400 || !strstr(err.detail, "crs")))
            abort();
        break;
    }
    default: {
        buf b = BUF_INIT;
        http_url_encode(&b, s);
        size_t k = 0;
        for (size_t i = 0; i < b.len; i++) {
            char ch = b.data[i];
            char dec;
            if (ch == '%') {
                if (i + 2 >= b.len || hexval(b.data[i + 1]) < 0 || hexval(b.data[i + 2]) < 0)
                    abort();
                dec = (char)(hexval(b.data[i + 1]) * 16 + hexval(b.data[i + 2]));
                i += 2;
            } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                       strchr("-_.~,", ch)) {
                dec = ch;
            } else {
                abort();
            }
            if (s[k++] != dec)
                abort();
        }
        if (s[k] != 0)
            abort();
        buf_free(&b);
        break;
    }
    }
    free(s);
    return 0;
}
