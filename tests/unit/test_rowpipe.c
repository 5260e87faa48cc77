/*
 * Unit tests of io/rowpipe: records written by the worker side read back by the importer side,
 * through memory and through a pipe in small pieces; malformed and oversized records refused (a
 * count record too, which comes after a layer whose count was unknown).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "io/rowpipe.h"

static void make_stream(buf *b)
{
    const char *names[] = {"Tên cơ sở", "lon"};
    const uint8_t types[] = {4, 2};
    rowpipe_put_text(b, ROWPIPE_NOTE, 0, "sandbox: test");
    rowpipe_put_layer(b, "CoSo", 9210, "VN-2000 / TM-3 105-45", 1, 2, 2, names, types);
    const char *v1[] = {"Bệnh viện Chợ Rẫy", NULL};
    unsigned char wkb[21] = {1, 1, 0, 0, 0};
    rowpipe_put_feature(b, 7, 2, v1, wkb, sizeof wkb);
    rowpipe_put_count(b, 5000000000LL);
    const char *v2[] = {"", "106.7"};
    rowpipe_put_feature(b, 8, 2, v2, NULL, 0);
    buf_putc(b, ROWPIPE_END);
    buf_append(b, "\0\0\0\0", 4);
}

static void check_stream(rowpipe_reader *r)
{
    assert_int_equal(rowpipe_next(r), 1);
    assert_int_equal(r->type, ROWPIPE_NOTE);
    uint32_t st;
    rowpipe_str t;
    assert_int_equal(rowpipe_get_text(r, &st, &t), 0);
    assert_true(t.n == 13 && memcmp(t.p, "sandbox: test", 13) == 0);
    assert_int_equal(rowpipe_next(r), 1);
    rowpipe_layer l;
    assert_int_equal(rowpipe_get_layer(r, &l), 0);
    assert_int_equal(l.srs_code, 9210);
    assert_true(l.srs_is_vn2000 && l.feature_count == 2 && l.nfields == 2);
    assert_true(l.field_names[0].n == strlen("Tên cơ sở") && l.field_types[1] == 2);
    assert_int_equal(rowpipe_next(r), 1);
    rowpipe_feature f;
    assert_int_equal(rowpipe_get_feature(r, &f), 0);
    assert_true(f.fid == 7 && f.nvalues == 2 && f.values[1].p == NULL && f.wkb_len == 21 && f.wkb[0] == 1);
    assert_int_equal(rowpipe_get_layer(r, &l), -1); /* not a layer record */
    int64_t count = 0;
    assert_int_equal(rowpipe_get_count(r, &count), -1); /* nor a count */
    assert_int_equal(rowpipe_next(r), 1);
    assert_int_equal(r->type, ROWPIPE_COUNT);
    assert_int_equal(rowpipe_get_count(r, &count), 0);
    assert_true(count == 5000000000LL);
    assert_int_equal(rowpipe_next(r), 1);
    assert_int_equal(rowpipe_get_feature(r, &f), 0);
    assert_true(f.fid == 8 && f.values[0].p != NULL && f.values[0].n == 0 && f.wkb == NULL);
    assert_int_equal(rowpipe_next(r), 1);
    assert_int_equal(r->type, ROWPIPE_END);
    assert_int_equal(rowpipe_next(r), 0);
}

static void test_memory(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    make_stream(&b);
    rowpipe_reader r;
    rowpipe_reader_init_mem(&r, b.data, b.len);
    check_stream(&r);
    rowpipe_reader_cleanup(&r);
    buf_free(&b);
}

static void test_pipe(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    make_stream(&b);
    int p[2];
    assert_int_equal(pipe(p), 0);
    /* The stream is small enough for the pipe's buffer: write it in pieces, then read. */
    for (size_t i = 0; i < b.len; i += 3)
        assert_true(write(p[1], b.data + i, b.len - i < 3 ? b.len - i : 3) > 0);
    close(p[1]);
    rowpipe_reader r;
    rowpipe_reader_init(&r, p[0]);
    check_stream(&r);
    rowpipe_reader_cleanup(&r);
    close(p[0]);
    buf_free(&b);
}

static void test_malformed(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    make_stream(&b);
    rowpipe_reader r;
    /* Cut inside a record. */
    rowpipe_reader_init_mem(&r, b.data, b.len - 10);
    int rc, n = 0;
    while ((rc = rowpipe_next(&r)) == 1)
        n++;
    assert_int_equal(rc, -1);
    rowpipe_reader_cleanup(&r);
    /* An unknown record type, and a length beyond the limit. */
    rowpipe_reader_init_mem(&r, "Q\0\0\0\0", 5);
    assert_int_equal(rowpipe_next(&r), -1);
    rowpipe_reader_cleanup(&r);
    rowpipe_reader_init_mem(&r, "F\xff\xff\xff\x7f", 5);
    assert_int_equal(rowpipe_next(&r), -1);
    rowpipe_reader_cleanup(&r);
    /* A feature whose string length runs past its record. */
    rowpipe_reader_init_mem(&r, "F\x11\0\0\0" "\1\0\0\0\0\0\0\0" "\1\0\0\0" "\1" "\xff\0\0\0", 22);
    assert_int_equal(rowpipe_next(&r), 1);
    rowpipe_feature f;
    assert_int_equal(rowpipe_get_feature(&r, &f), -1);
    rowpipe_reader_cleanup(&r);
    /* Counts: negative, or a payload of the wrong length. */
    buf_reset(&b);
    rowpipe_put_count(&b, -1);
    rowpipe_reader_init_mem(&r, b.data, b.len);
    assert_int_equal(rowpipe_next(&r), 1);
    int64_t count = 0;
    assert_int_equal(rowpipe_get_count(&r, &count), -1);
    rowpipe_reader_cleanup(&r);
    rowpipe_reader_init_mem(&r, "C\4\0\0\0" "\1\0\0\0", 9);
    assert_int_equal(rowpipe_next(&r), 1);
    assert_int_equal(rowpipe_get_count(&r, &count), -1);
    rowpipe_reader_cleanup(&r);
    /* A layer claiming more fields than allowed. */
    buf_reset(&b);
    rowpipe_put_layer(&b, "x", 0, "", 0, -1, 0, NULL, NULL);
    unsigned char *nf = (unsigned char *)b.data + b.len - 4;
    nf[0] = 0xff, nf[1] = 0xff;
    rowpipe_reader_init_mem(&r, b.data, b.len);
    assert_int_equal(rowpipe_next(&r), 1);
    rowpipe_layer l;
    assert_int_equal(rowpipe_get_layer(&r, &l), -1);
    rowpipe_reader_cleanup(&r);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
