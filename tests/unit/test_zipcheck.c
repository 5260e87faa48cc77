/*
 * Unit tests of io/zipcheck on archives built here with zlib: stored and deflated entries read back
 * with their CRC; refused: path traversal, absolute names, symbolic links, encryption, archives
 * beyond the entry count, the total size or the expansion ratio, and an entry that inflates past
 * its declared size (a lying header).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "io/zipcheck.h"

typedef struct entry {
    const char *name;
    const char *data;
    size_t len;
    int deflate;
    uint32_t declared_usize; /* 0: the true size */
    uint16_t flags;
    uint32_t ext_attr;
    uint16_t made_by;
} entry;

static void le16(buf *b, uint32_t v) { unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)}; buf_append(b, x, 2); }
static void le32(buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    buf_append(b, x, 4);
}

/* A ZIP archive of the entries. */
static void make_zip(buf *z, const entry *e, int n)
{
    buf cd = BUF_INIT;
    for (int i = 0; i < n; i++) {
        unsigned char comp[65536];
        uLongf clen = sizeof comp;
        const unsigned char *cdata = (const unsigned char *)e[i].data;
        if (e[i].deflate) {
            z_stream zs;
            memset(&zs, 0, sizeof zs);
            deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            zs.next_in = (Bytef *)(uintptr_t)e[i].data;
            zs.avail_in = (uInt)e[i].len;
            zs.next_out = comp;
            zs.avail_out = sizeof comp;
            deflate(&zs, Z_FINISH);
            clen = zs.total_out;
            deflateEnd(&zs);
            cdata = comp;
        } else {
            clen = e[i].len;
        }
        uint32_t crc = (uint32_t)crc32(0, (const Bytef *)e[i].data, (uInt)e[i].len);
        uint32_t usize = e[i].declared_usize ? e[i].declared_usize : (uint32_t)e[i].len;
        uint32_t off = (uint32_t)z->len;
        size_t nl = strlen(e[i].name);
        le32(z, 0x04034b50);
        le16(z, 20), le16(z, e[i].flags), le16(z, e[i].deflate ? 8 : 0), le16(z, 0), le16(z, 0);
        le32(z, crc), le32(z, (uint32_t)clen), le32(z, usize);
        le16(z, (uint32_t)nl), le16(z, 0);
        buf_append(z, e[i].name, nl);
        buf_append(z, cdata, clen);
        le32(&cd, 0x02014b50);
        le16(&cd, e[i].made_by), le16(&cd, 20), le16(&cd, e[i].flags), le16(&cd, e[i].deflate ? 8 : 0);
        le16(&cd, 0), le16(&cd, 0);
        le32(&cd, crc), le32(&cd, (uint32_t)clen), le32(&cd, usize);
        le16(&cd, (uint32_t)nl), le16(&cd, 0), le16(&cd, 0), le16(&cd, 0), le16(&cd, 0);
        le32(&cd, e[i].ext_attr), le32(&cd, off);
        buf_append(&cd, e[i].name, nl);
    }
    uint32_t cd_off = (uint32_t)z->len;
    buf_append(z, cd.data, cd.len);
    le32(z, 0x06054b50);
    le16(z, 0), le16(z, 0), le16(z, (uint32_t)n), le16(z, (uint32_t)n);
    le32(z, (uint32_t)cd.len), le32(z, cd_off), le16(z, 0);
    buf_free(&cd);
}

static int collect(void *arg, const void *bytes, size_t n)
{
    buf_append(arg, bytes, n);
    return 0;
}

static void test_read_back(void **state)
{
    (void)state;
    char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 7);
    entry e[] = {{"co_so.shp", "SHPDATA", 7, 0, 0, 0, 0, 0}, {"dir/co_so.dbf", big, sizeof big, 1, 0, 0, 0, 0},
                 {"dir/", "", 0, 0, 0, 0, 0, 0}};
    buf z = BUF_INIT;
    make_zip(&z, e, 3);
    assert_true(zip_looks_like((unsigned char *)z.data, z.len));
    zip_limits lim;
    zip_limits_default(&lim);
    zip_archive a;
    char why[300];
    assert_int_equal(zip_open_mem((unsigned char *)z.data, z.len, &lim, &a, why, sizeof why), 0);
    assert_int_equal(a.n, 3);
    assert_true(a.entries[2].is_dir && !a.entries[0].is_dir);
    for (int i = 0; i < 2; i++) {
        buf out = BUF_INIT;
        assert_int_equal(zip_extract((unsigned char *)z.data, z.len, &a.entries[i], collect, &out, why, sizeof why), 0);
        assert_int_equal(out.len, e[i].len);
        assert_memory_equal(out.data, e[i].data, e[i].len);
        buf_free(&out);
    }
    zip_close(&a);
    buf_free(&z);
}

static void refused(const entry *e, int n, const zip_limits *lim, const char *word, int at_extract)
{
    buf z = BUF_INIT;
    make_zip(&z, e, n);
    zip_archive a;
    char why[300] = "";
    int r = zip_open_mem((unsigned char *)z.data, z.len, lim, &a, why, sizeof why);
    if (at_extract) {
        assert_int_equal(r, 0);
        buf out = BUF_INIT;
        r = zip_extract((unsigned char *)z.data, z.len, &a.entries[0], collect, &out, why, sizeof why);
        assert_true(out.len <= a.entries[0].usize);
        buf_free(&out);
        zip_close(&a);
    }
    assert_int_equal(r, -1);
    if (!strstr(why, word)) {
        print_error("'%s' not in '%s'\n", word, why);
        fail();
    }
    buf_free(&z);
}

static void test_refused(void **state)
{
    (void)state;
    zip_limits lim;
    zip_limits_default(&lim);
    entry trav = {"../../etc/passwd.shp", "x", 1, 0, 0, 0, 0, 0};
    refused(&trav, 1, &lim, "plain relative path", 0);
    entry abs_name = {"/etc/a.csv", "x", 1, 0, 0, 0, 0, 0};
    refused(&abs_name, 1, &lim, "plain relative path", 0);
    entry vsi = {"vsicurl/a.csv", "x", 1, 0, 0, 0, 0, 0};
    refused(&vsi, 1, &lim, "plain relative path", 0);
    entry link = {"a.shp", "target", 6, 0, 0, 0, 0120777u << 16, 3u << 8};
    refused(&link, 1, &lim, "symbolic link", 0);
    entry enc = {"a.csv", "x", 1, 0, 0, 1, 0, 0};
    refused(&enc, 1, &lim, "encrypted", 0);
    /* 4 MB of zeros deflate to a few kB: far beyond the ratio. */
    static char zeros[4 << 20];
    entry bomb = {"big.csv", zeros, sizeof zeros, 1, 0, 0, 0, 0};
    refused(&bomb, 1, &lim, "bomb", 0);
    zip_limits small = lim;
    small.max_total_bytes = 1000;
    char k[2000];
    memset(k, 'k', sizeof k);
    entry total = {"k.csv", k, sizeof k, 0, 0, 0, 0, 0};
    refused(&total, 1, &small, "size allowed", 0);
    small = lim;
    small.max_entries = 1;
    entry two[] = {{"a.csv", "1", 1, 0, 0, 0, 0, 0}, {"b.csv", "2", 1, 0, 0, 0, 0, 0}};
    refused(two, 2, &small, "entries", 0);
    /* A header that lies: declares 100 bytes, inflates to 20 000. */
    char text[20000];
    memset(text, 't', sizeof text);
    entry liar = {"lie.csv", text, sizeof text, 1, 100, 0, 0, 0};
    refused(&liar, 1, &lim, "beyond its declared size", 1);
    /* Not a ZIP at all, and a truncated one. */
    zip_archive a;
    char why[300];
    assert_int_equal(zip_open_mem((const unsigned char *)"hello world, this is not a zip file", 35, &lim, &a, why,
                                  sizeof why), -1);
    buf z = BUF_INIT;
    make_zip(&z, two, 2);
    assert_int_equal(zip_open_mem((unsigned char *)z.data, z.len - 5, &lim, &a, why, sizeof why), -1);
    buf_free(&z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
