/*
 * Unit tests of io/wkb: points and multipoints, envelopes, in-place reprojection of every position
 * (both byte orders, nested collections), and refusal of truncated, oversized, 3D and trailing
 * input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/buf.h"
#include "io/wkb.h"

static void u32(buf *b, int le, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[le ? i : 3 - i] = (unsigned char)(v >> (8 * i));
    buf_append(b, x, 4);
}

static void dbl(buf *b, int le, double d)
{
    unsigned char x[8];
    memcpy(x, &d, 8); /* the test machine is little-endian */
    if (!le)
        for (int i = 0; i < 4; i++) {
            unsigned char t = x[i];
            x[i] = x[7 - i];
            x[7 - i] = t;
        }
    buf_append(b, x, 8);
}

static void point(buf *b, int le, double x, double y)
{
    buf_putc(b, (char)le);
    u32(b, le, WKB_POINT);
    dbl(b, le, x);
    dbl(b, le, y);
}

static void test_point(void **state)
{
    (void)state;
    for (int le = 0; le < 2; le++) {
        buf b = BUF_INIT;
        point(&b, le, 106.7, 10.8);
        double x, y;
        assert_int_equal(wkb_type((unsigned char *)b.data, b.len), WKB_POINT);
        assert_int_equal(wkb_point((unsigned char *)b.data, b.len, &x, &y), 0);
        assert_true(x == 106.7 && y == 10.8);
        assert_int_equal(wkb_point((unsigned char *)b.data, b.len - 1, &x, &y), -1);
        buf_putc(&b, 0);
        assert_int_equal(wkb_point((unsigned char *)b.data, b.len, &x, &y), -1); /* trailing byte */
        buf_free(&b);
    }
}

static void test_multipoint_and_polygon(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_putc(&b, 1);
    u32(&b, 1, WKB_MULTIPOINT);
    u32(&b, 1, 1);
    point(&b, 0, 1.5, 2.5);
    double x, y;
    assert_int_equal(wkb_point((unsigned char *)b.data, b.len, &x, &y), 0);
    assert_true(x == 1.5 && y == 2.5);
    buf_reset(&b);
    buf_putc(&b, 1);
    u32(&b, 1, WKB_POLYGON);
    u32(&b, 1, 1);
    u32(&b, 1, 4);
    double ring[8] = {0, 0, 4, 0, 4, 3, 0, 0};
    for (int i = 0; i < 8; i++)
        dbl(&b, 1, ring[i]);
    assert_int_equal(wkb_point((unsigned char *)b.data, b.len, &x, &y), -2);
    double env[4];
    assert_int_equal(wkb_envelope((unsigned char *)b.data, b.len, env), 0);
    assert_true(env[0] == 0 && env[1] == 0 && env[2] == 4 && env[3] == 3);
    /* A ring that claims more points than the bytes hold. */
    memcpy(b.data + 9, "\xff\xff\xff\x0f", 4);
    assert_int_equal(wkb_type((unsigned char *)b.data, b.len), -1);
    buf_free(&b);
}

static int add_one(void *arg, double *xy, size_t n)
{
    int *calls = arg;
    (*calls)++;
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] += 1;
    return 0;
}

static int refuse(void *arg, double *xy, size_t n)
{
    (void)arg;
    (void)xy;
    (void)n;
    return -7;
}

static void test_transform(void **state)
{
    (void)state;
    /* A collection of a big-endian point and a little-endian linestring of 300 points. */
    buf b = BUF_INIT;
    buf_putc(&b, 1);
    u32(&b, 1, WKB_COLLECTION);
    u32(&b, 1, 2);
    point(&b, 0, 10, 20);
    buf_putc(&b, 1);
    u32(&b, 1, WKB_LINESTRING);
    u32(&b, 1, 300);
    for (int i = 0; i < 300; i++) {
        dbl(&b, 1, i);
        dbl(&b, 1, -i);
    }
    int calls = 0;
    assert_int_equal(wkb_transform((unsigned char *)b.data, b.len, add_one, &calls), 0);
    assert_true(calls >= 3); /* the point, then the line in runs */
    double env[4];
    assert_int_equal(wkb_envelope((unsigned char *)b.data, b.len, env), 0);
    assert_true(env[0] == 1 && env[2] == 300 && env[1] == -298 && env[3] == 21);
    assert_int_equal(wkb_transform((unsigned char *)b.data, b.len, refuse, NULL), -7);
    buf_free(&b);
}

static void test_refused(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    /* 3D (ISO 1001) and EWKB flags are refused: the worker sends 2D only. */
    buf_putc(&b, 1);
    u32(&b, 1, 1001);
    dbl(&b, 1, 1);
    dbl(&b, 1, 2);
    dbl(&b, 1, 3);
    assert_int_equal(wkb_type((unsigned char *)b.data, b.len), -1);
    buf_reset(&b);
    buf_putc(&b, 1);
    u32(&b, 1, 0x20000001);
    assert_int_equal(wkb_type((unsigned char *)b.data, b.len), -1);
    /* Nesting beyond the limit. */
    buf_reset(&b);
    for (int i = 0; i < 20; i++) {
        buf_putc(&b, 1);
        u32(&b, 1, WKB_COLLECTION);
        u32(&b, 1, 1);
    }
    point(&b, 1, 0, 0);
    assert_int_equal(wkb_type((unsigned char *)b.data, b.len), -1);
    /* A multipoint holding a line. */
    buf_reset(&b);
    buf_putc(&b, 1);
    u32(&b, 1, WKB_MULTIPOINT);
    u32(&b, 1, 1);
    buf_putc(&b, 1);
    u32(&b, 1, WKB_LINESTRING);
    u32(&b, 1, 0);
    assert_int_equal(wkb_type((unsigned char *)b.data, b.len), -1);
    /* An empty point is a point with no position. */
    buf_reset(&b);
    point(&b, 1, NAN, NAN);
    double x, y, env[4];
    assert_int_equal(wkb_type((unsigned char *)b.data, b.len), WKB_POINT);
    assert_int_equal(wkb_point((unsigned char *)b.data, b.len, &x, &y), -2);
    assert_int_equal(wkb_envelope((unsigned char *)b.data, b.len, env), -1);
    assert_int_equal(wkb_type((unsigned char *)"", 0), -1);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point),
        cmocka_unit_test(test_multipoint_and_polygon),
        cmocka_unit_test(test_transform),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
