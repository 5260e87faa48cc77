/*
 * zipcheck: strict ZIP reading for untrusted uploads; see zipcheck.h.
 */
#include "io/zipcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define EOCD_SIG 0x06054b50u
#define CDH_SIG 0x02014b50u
#define LFH_SIG 0x04034b50u

void zip_limits_default(zip_limits *l)
{
    l->max_entries = 2000;
    l->max_total_bytes = (uint64_t)1 << 30;
    l->max_ratio = 200;
}

static uint32_t u16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int zip_looks_like(const unsigned char *data, size_t len)
{
    return len >= 4 && data[0] == 'P' && data[1] == 'K' &&
           ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6));
}

static int refuse(char *why, size_t n, const char *fmt, const char *arg)
{
    snprintf(why, n, fmt, arg ? arg : "");
    return -1;
}

/* A name an archive may carry: relative, no parent steps, no drive or backslash, printable. */
static int safe_name(const char *name)
{
    if (!*name || name[0] == '/' || strchr(name, '\\') || strchr(name, ':') || strstr(name, "/vsi") ||
        strncmp(name, "vsi", 3) == 0)
        return 0;
    const char *p = name;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.'))
            return 0;
        if (!e)
            break;
        p = e + 1;
    }
    for (const unsigned char *q = (const unsigned char *)name; *q; q++)
        if (*q < 0x20 || *q == 0x7f)
            return 0;
    return 1;
}

int zip_open_mem(const unsigned char *data, size_t len, const zip_limits *lim, zip_archive *out, char *why,
                 size_t why_len)
{
    memset(out, 0, sizeof *out);
    if (len < 22)
        return refuse(why, why_len, "the archive is too short to be a ZIP file%s", NULL);
    /* The end-of-central-directory record: within the last 64 KiB + 22 bytes (its comment). */
    size_t lo = len > 65557 ? len - 65557 : 0;
    size_t eocd = (size_t)-1;
    for (size_t i = len - 22 + 1; i-- > lo;)
        if (u32(data + i) == EOCD_SIG && i + 22 + u16(data + i + 20) == len) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return refuse(why, why_len, "no ZIP end-of-directory record (not a ZIP file, or truncated)%s", NULL);
    const unsigned char *e = data + eocd;
    uint32_t disk = u16(e + 4), cd_disk = u16(e + 6), n_here = u16(e + 8), n_total = u16(e + 10);
    uint32_t cd_size = u32(e + 12), cd_off = u32(e + 16);
    if (n_total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu)
        return refuse(why, why_len, "ZIP64 archives are not accepted%s", NULL);
    if (disk != 0 || cd_disk != 0 || n_here != n_total)
        return refuse(why, why_len, "multi-volume ZIP archives are not accepted%s", NULL);
    if ((uint64_t)cd_off + cd_size > eocd)
        return refuse(why, why_len, "the ZIP central directory lies outside the file%s", NULL);
    if ((int)n_total > lim->max_entries) {
        char n[32];
        snprintf(n, sizeof n, "%u", n_total);
        return refuse(why, why_len, "the archive holds %s entries, more than allowed", n);
    }
    out->entries = calloc(n_total ? n_total : 1, sizeof *out->entries);
    if (!out->entries)
        return refuse(why, why_len, "out of memory%s", NULL);
    const unsigned char *p = data + cd_off, *end = data + cd_off + cd_size;
    for (uint32_t i = 0; i < n_total; i++) {
        if (end - p < 46 || u32(p) != CDH_SIG) {
            refuse(why, why_len, "the ZIP central directory is malformed%s", NULL);
            goto fail;
        }
        uint32_t made_by = u16(p + 4), flags = u16(p + 8), method = u16(p + 10);
        uint32_t crc = u32(p + 16), csize = u32(p + 20), usize = u32(p + 24);
        uint32_t nlen = u16(p + 28), xlen = u16(p + 30), clen = u16(p + 32);
        uint32_t ext_attr = u32(p + 38), lho = u32(p + 42);
        if ((size_t)(end - p) < 46 + (size_t)nlen + xlen + clen) {
            refuse(why, why_len, "the ZIP central directory is malformed%s", NULL);
            goto fail;
        }
        zip_entry *z = &out->entries[out->n];
        if (nlen >= sizeof z->name) {
            refuse(why, why_len, "an entry name is longer than 255 bytes%s", NULL);
            goto fail;
        }
        memcpy(z->name, p + 46, nlen);
        z->name[nlen] = 0;
        if (memchr(z->name, 0, nlen) || !safe_name(z->name)) {
            refuse(why, why_len, "entry '%.80s' has a name that is not a plain relative path", z->name);
            goto fail;
        }
        if (flags & 1) {
            refuse(why, why_len, "entry '%.80s' is encrypted", z->name);
            goto fail;
        }
        if (method != 0 && method != 8) {
            refuse(why, why_len, "entry '%.80s' uses a compression method other than deflate", z->name);
            goto fail;
        }
        if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || lho == 0xFFFFFFFFu) {
            refuse(why, why_len, "ZIP64 entries are not accepted%s", NULL);
            goto fail;
        }
        if ((made_by >> 8) == 3 && ((ext_attr >> 16) & 0170000) == 0120000) {
            refuse(why, why_len, "entry '%.80s' is a symbolic link", z->name);
            goto fail;
        }
        if (method == 0 && csize != usize) {
            refuse(why, why_len, "stored entry '%.80s' declares two different sizes", z->name);
            goto fail;
        }
        if (usize > ((uint64_t)1 << 20) && (double)usize > lim->max_ratio * (double)(csize ? csize : 1)) {
            refuse(why, why_len, "entry '%.80s' would expand more than allowed (a decompression bomb?)",
                          z->name);
            goto fail;
        }
        /* The local header: where the data starts. */
        if ((uint64_t)lho + 30 > cd_off || u32(data + lho) != LFH_SIG) {
            refuse(why, why_len, "entry '%.80s' has no local header where the directory says", z->name);
            goto fail;
        }
        uint64_t data_off = (uint64_t)lho + 30 + u16(data + lho + 26) + u16(data + lho + 28);
        if (data_off + csize > cd_off) {
            refuse(why, why_len, "entry '%.80s' runs past the end of its data", z->name);
            goto fail;
        }
        z->csize = csize;
        z->usize = usize;
        z->crc = crc;
        z->method = (int)method;
        z->data_offset = data_off;
        z->is_dir = nlen > 0 && z->name[nlen - 1] == '/';
        out->total_bytes += usize;
        if (out->total_bytes > lim->max_total_bytes) {
            refuse(why, why_len, "the archive would expand beyond the size allowed%s", NULL);
            goto fail;
        }
        out->n++;
        p += 46 + nlen + xlen + clen;
    }
    return 0;
fail:
    zip_close(out);
    return -1;
}

void zip_close(zip_archive *z)
{
    free(z->entries);
    z->entries = NULL;
    z->n = 0;
}

int zip_extract(const unsigned char *data, size_t len, const zip_entry *e,
                int (*sink)(void *arg, const void *bytes, size_t n), void *arg, char *why, size_t why_len)
{
    if (e->data_offset + e->csize > len)
        return refuse(why, why_len, "entry '%.80s' runs past the end of the file", e->name);
    const unsigned char *src = data + e->data_offset;
    uLong crc = crc32(0L, Z_NULL, 0);
    if (e->method == 0) {
        crc = crc32(crc, src, (uInt)e->csize);
        if (crc != e->crc)
            return refuse(why, why_len, "entry '%.80s' fails its CRC check", e->name);
        return e->csize && sink(arg, src, (size_t)e->csize) < 0 ? refuse(why, why_len, "cannot write '%.80s'", e->name)
                                                                 : 0;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return refuse(why, why_len, "cannot start inflating '%.80s'", e->name);
    unsigned char out[65536];
    uint64_t produced = 0;
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)e->csize;
    int rc = 0, z = Z_OK;
    while (z != Z_STREAM_END) {
        zs.next_out = out;
        zs.avail_out = sizeof out;
        z = inflate(&zs, Z_NO_FLUSH);
        if (z != Z_OK && z != Z_STREAM_END) {
            rc = refuse(why, why_len, "entry '%.80s' is not valid deflate data", e->name);
            break;
        }
        size_t n = sizeof out - zs.avail_out;
        produced += n;
        if (produced > e->usize) {
            rc = refuse(why, why_len, "entry '%.80s' expands beyond its declared size (a decompression bomb?)",
                        e->name);
            break;
        }
        crc = crc32(crc, out, (uInt)n);
        if (n && sink(arg, out, n) < 0) {
            rc = refuse(why, why_len, "cannot write '%.80s'", e->name);
            break;
        }
        if (z == Z_OK && n == 0 && zs.avail_in == 0) {
            rc = refuse(why, why_len, "entry '%.80s' is truncated", e->name);
            break;
        }
    }
    inflateEnd(&zs);
    if (rc == 0 && (produced != e->usize || crc != e->crc))
        rc = refuse(why, why_len, "entry '%.80s' does not match its declared size and CRC", e->name);
    return rc;
}
