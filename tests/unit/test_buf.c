/*
 * Unit tests of core/buf: the NUL terminator after every operation, binary bytes, formatted
 * appends longer than the first allocation, reset/truncate keeping the allocation, and detach
 * handing over a string (never NULL) while leaving an empty buffer behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

static void test_zero_init_is_empty(void **state)
{
    (void)state;
    buf a = BUF_INIT;
    assert_null(a.data);
    assert_int_equal(a.len, 0);
    assert_int_equal(a.cap, 0);
    buf b;
    memset(&b, 0xA5, sizeof b);
    buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    buf_free(&a); /* freeing an untouched buffer is fine */
    buf_free(&b);
}

static void test_puts_putc_append(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "Bình");
    buf_putc(&b, ' ');
    buf_append(&b, "Dương!!", strlen("Dương"));
    assert_string_equal(b.data, "Bình Dương");
    assert_int_equal(b.len, strlen("Bình Dương"));
    assert_true(b.cap > b.len);
    buf_puts(&b, "");
    buf_append(&b, NULL, 0);
    assert_int_equal(b.len, strlen("Bình Dương"));
    assert_int_equal(b.data[b.len], '\0');
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_binary_bytes(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    const unsigned char bytes[] = {0x1A, 0x00, 0xFF, 0x00, 0x7F};
    buf_append(&b, bytes, sizeof bytes);
    buf_putc(&b, '\0');
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, bytes, sizeof bytes);
    assert_int_equal(b.data[5], 0);
    assert_int_equal(b.data[6], 0); /* terminator after the bytes */
    buf_free(&b);
}

static void test_grows_across_many_appends(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= 100001);
    assert_int_equal(b.data[100000], '\0');
    for (int i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    buf_free(&b);
}

static void test_grow_reserves(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_grow(&b, 1000);
    assert_non_null(b.data);
    assert_true(b.cap >= 1001);
    assert_int_equal(b.len, 0);
    char *before = b.data;
    size_t cap = b.cap;
    buf_append(&b, "x", 1);
    buf_grow(&b, 10); /* already room: no reallocation */
    assert_ptr_equal(b.data, before);
    assert_int_equal(b.cap, cap);
    buf_free(&b);
}

static void test_appendf(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_appendf(&b, "%s=%d", "category", 2);
    assert_string_equal(b.data, "category=2");
    buf_appendf(&b, ";A/D=%.3g", 46.25);
    assert_string_equal(b.data, "category=2;A/D=46.2");
    buf_appendf(&b, "%s", "");
    assert_string_equal(b.data, "category=2;A/D=46.2");
    /* Longer than the first allocation, and than what is left of it. */
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    buf_appendf(&b, "[%s]", big);
    assert_int_equal(b.len, strlen("category=2;A/D=46.2") + 2 + 4999);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[strlen("category=2;A/D=46.2")], '[');
    assert_int_equal(strlen(b.data), b.len);
    buf_free(&b);

    /* A formatted append that exactly fills what the first growth leaves. */
    buf c = BUF_INIT;
    buf_appendf(&c, "%063d", 7);
    assert_int_equal(c.len, 63);
    buf_appendf(&c, "%d", 12345);
    assert_int_equal(c.len, 68);
    assert_string_equal(c.data + 60, "00712345");
    buf_free(&c);
}

static void wrapped_vappendf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wrapped_vappendf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vappendf(b, fmt, ap);
    va_end(ap);
}

static void test_vappendf(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    char big[300];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    wrapped_vappendf(&b, "%s|%s|%d", big, big, 42); /* second pass after growing */
    assert_int_equal(b.len, 299 * 2 + 2 + 2);
    assert_string_equal(b.data + b.len - 3, "|42");
    buf_free(&b);
}

static void test_reset_and_truncate(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "Thủ Dầu Một");
    size_t cap = b.cap;
    char *data = b.data;
    buf_truncate(&b, 5);
    assert_string_equal(b.data, "Thủ");
    buf_truncate(&b, 100); /* longer than len: no change */
    assert_string_equal(b.data, "Thủ");
    assert_int_equal(b.len, 5); /* ủ (U+1EE7) is three bytes */
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    buf_puts(&b, "again");
    assert_string_equal(b.data, "again");
    buf_free(&b);

    buf e = BUF_INIT;
    buf_reset(&e); /* on an untouched buffer */
    assert_null(e.data);
    buf_free(&e);
}

static void test_detach(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "Đồng Nai");
    size_t len = 0;
    char *s = buf_detach(&b, &len);
    assert_string_equal(s, "Đồng Nai");
    assert_int_equal(len, strlen("Đồng Nai"));
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);

    /* Detaching an untouched buffer gives an empty string, never NULL. */
    s = buf_detach(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);

    /* len may be NULL; the buffer can be reused afterwards. */
    buf_puts(&b, "x");
    s = buf_detach(&b, NULL);
    assert_string_equal(s, "x");
    free(s);
    buf_puts(&b, "y");
    assert_string_equal(b.data, "y");
    buf_free(&b);
}

/* Varints as protobuf writes them: 7 bits a byte, low first, the high bit saying "more". */
static void test_put_varint(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        size_t n;
        unsigned char bytes[10];
    } cases[] = {
        {0, 1, {0x00}}, {1, 1, {0x01}}, {127, 1, {0x7f}}, {128, 2, {0x80, 0x01}}, {300, 2, {0xac, 0x02}},
        {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = BUF_INIT;
        buf_putc(&b, 'x');
        buf_put_varint(&b, cases[i].v);
        assert_int_equal(b.len, 1 + cases[i].n);
        assert_memory_equal(b.data + 1, cases[i].bytes, cases[i].n);
        assert_int_equal(b.data[b.len], 0);
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_init_is_empty),
        cmocka_unit_test(test_puts_putc_append),
        cmocka_unit_test(test_binary_bytes),
        cmocka_unit_test(test_grows_across_many_appends),
        cmocka_unit_test(test_grow_reserves),
        cmocka_unit_test(test_appendf),
        cmocka_unit_test(test_vappendf),
        cmocka_unit_test(test_reset_and_truncate),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_put_varint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
