/*
 * csv: RFC 4180 reader for embedded reference tables; see csv.h.
 */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

void csv_init(csv_reader *r, const char *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->p = data;
    r->end = data + len;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;
}

static void ensure(csv_reader *r, size_t need)
{
    if (need <= r->row_cap)
        return;
    size_t cap = r->row_cap ? r->row_cap : 256;
    while (cap < need)
        cap *= 2;
    char *n = realloc(r->row, cap);
    if (!n)
        abort();
    r->row = n;
    r->row_cap = cap;
}

int csv_next(csv_reader *r)
{
    /* Skip blank lines. */
    while (r->p < r->end && (*r->p == '\n' || *r->p == '\r'))
        r->p++;
    if (r->p >= r->end)
        return 0;
    /* A row never needs more storage than its raw bytes plus one NUL per field. */
    ensure(r, (size_t)(r->end - r->p) + CSV_MAX_FIELDS + 1);
    size_t offs[CSV_MAX_FIELDS];
    size_t w = 0;
    int n = 0;
    offs[n++] = 0;
    int quoted = 0;
    while (r->p < r->end) {
        char c = *r->p++;
        if (quoted) {
            if (c == '"') {
                if (r->p < r->end && *r->p == '"') {
                    r->row[w++] = '"';
                    r->p++;
                } else {
                    quoted = 0;
                }
            } else {
                r->row[w++] = c;
            }
        } else if (c == '"') {
            quoted = 1;
        } else if (c == ',') {
            r->row[w++] = 0;
            if (n < CSV_MAX_FIELDS)
                offs[n++] = w;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && r->p < r->end && *r->p == '\n')
                r->p++;
            break;
        } else {
            r->row[w++] = c;
        }
    }
    r->row[w] = 0;
    r->nfields = n;
    for (int i = 0; i < n; i++)
        r->field[i] = r->row + offs[i];
    return 1;
}

int csv_column(const csv_reader *r, const char *name)
{
    for (int i = 0; i < r->nfields; i++)
        if (strcmp(r->field[i], name) == 0)
            return i;
    return -1;
}

void csv_cleanup(csv_reader *r)
{
    free(r->row);
    r->row = NULL;
    r->row_cap = 0;
}
