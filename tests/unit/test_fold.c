/*
 * Unit tests of core/fold: Vietnamese place and facility names in NFC and NFD, every precomposed
 * Vietnamese letter, separators (ASCII and Unicode punctuation and spaces), pass-through of other
 * scripts, invalid UTF-8, appending to a non-empty buffer, and a sweep over every code point
 * checking that the output is valid UTF-8 and never longer than the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/fold.h"

#include <stdlib.h>
#include <string.h>

/* Fold s and compare with want. */
static void check(const char *s, const char *want)
{
    char *got = fold_dup(s);
    assert_non_null(got);
    if (strcmp(got, want) != 0) {
        print_error("fold(\"%s\") = \"%s\", want \"%s\"\n", s, got, want);
        free(got);
        fail();
    }
    free(got);
}

static void test_place_names(void **state)
{
    (void)state;
    check("Thủ Dầu Một", "thu dau mot");
    check("thu dau mot", "thu dau mot");
    check("Đồng Nai", "dong nai");
    check("đồng nai", "dong nai");
    check("BỆNH VIỆN Chợ Rẫy", "benh vien cho ray");
    check("Thành phố Hồ Chí Minh", "thanh pho ho chi minh");
    check("Bà Rịa – Vũng Tàu", "ba ria vung tau");
    check("Phường Bến Nghé, Quận 1", "phuong ben nghe quan 1");
    check("Bệnh viện Đa khoa tỉnh Bình Dương", "benh vien da khoa tinh binh duong");
    check("Công ty TNHH Kiểm định Xây dựng Sài Gòn",
          "cong ty tnhh kiem dinh xay dung sai gon");
    check("Hà Nội", "ha noi");
    check("Huế", "hue");
    check("Ưu Điểm Ơn", "uu diem on");
}

static void test_separators_and_trim(void **state)
{
    (void)state;
    check("  Quận 1 –  Sài Gòn ", "quan 1 sai gon");
    check("\t\n Thủ\t\tDầu\r\nMột \n", "thu dau mot");
    check("a,b.c;d:e/f\\g-h_i(j)k[l]m{n}o'p\"q!r?s@t#u$v%w^x&y*z+0=1<2>3|4~5`6",
          "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6");
    check("...---!!!", "");
    check(" ", "");
    check("", "");
    check("ABC xyz 0123456789", "abc xyz 0123456789");
    /* Unicode spaces and punctuation: NBSP, en and em dash, curly quotes, ellipsis, bullet,
     * narrow NBSP, ideographic space, dong sign, guillemets, middle dot, multiplication sign. */
    check("Sài\xc2\xa0Gòn", "sai gon");
    check("a\xe2\x80\x93" "b\xe2\x80\x94" "c", "a b c");
    check("\xe2\x80\x9c" "Chợ Lớn" "\xe2\x80\x9d", "cho lon");
    check("Bình\xe2\x80\x99s", "binh s");
    check("Tân Bình\xe2\x80\xa6", "tan binh");
    check("\xe2\x80\xa2 mục", "muc");
    check("10\xe2\x80\xaf" "000\xe3\x80\x80" "đồng", "10 000 dong");
    check("500.000\xe2\x82\xab", "500 000");
    check("\xc2\xab" "Nhà" "\xc2\xbb\xc2\xb7" "2\xc3\x97" "3", "nha 2 3");
}

static void test_invisible_marks_dropped(void **state)
{
    (void)state;
    /* Soft hyphen, zero-width space and joiner, left-to-right mark, BOM, word joiner: gone
     * without splitting the word. */
    check("Sài\xc2\xadGòn", "saigon");
    check("Sài\xe2\x80\x8bGòn", "saigon");
    check("Sài\xe2\x80\x8dGòn", "saigon");
    check("\xe2\x80\x8eHà Nội", "ha noi");
    check("\xef\xbb\xbfHà Nội", "ha noi");
    check("Hà\xe2\x81\xa0Nội", "hanoi");
}

/* Every precomposed Vietnamese letter, lower and upper case (NFC). */
static void test_all_vietnamese_letters(void **state)
{
    (void)state;
    check("aàáảãạăằắẳẵặâầấẩẫậ", "aaaaaaaaaaaaaaaaaa");
    check("AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "aaaaaaaaaaaaaaaaaa");
    check("eèéẻẽẹêềếểễệ", "eeeeeeeeeeee");
    check("EÈÉẺẼẸÊỀẾỂỄỆ", "eeeeeeeeeeee");
    check("iìíỉĩị", "iiiiii");
    check("IÌÍỈĨỊ", "iiiiii");
    check("oòóỏõọôồốổỗộơờớởỡợ", "oooooooooooooooooo");
    check("OÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "oooooooooooooooooo");
    check("uùúủũụưừứửữự", "uuuuuuuuuuuu");
    check("UÙÚỦŨỤƯỪỨỬỮỰ", "uuuuuuuuuuuu");
    check("yỳýỷỹỵ", "yyyyyy");
    check("YỲÝỶỸỴ", "yyyyyy");
    check("dđĐD", "dddd");
}

/* NFD: base letter followed by combining marks (U+0300 grave, U+0301 acute, U+0302 circumflex,
 * U+0303 tilde, U+0306 breve, U+0309 hook above, U+031B horn, U+0323 dot below). */
static void test_nfd_folds_like_nfc(void **state)
{
    (void)state;
    check("Thu\xcc\x89 D\xcc\x82" "a\xcc\x80u Mo\xcc\x82\xcc\xa3t", "thu dau mot");
    check("Thu\xcc\x89 D\xcc\x82" "a\xcc\x80u", "thu dau");
    check("Đo\xcc\x82\xcc\x80ng Nai", "dong nai");
    check("BE\xcc\x82\xcc\xa3NH VIE\xcc\x82\xcc\xa3N Cho\xcc\x9b\xcc\xa3 Ra\xcc\x82\xcc\x83y",
          "benh vien cho ray");
    check("a\xcc\x86\xcc\x81 u\xcc\x9b\xcc\x83 o\xcc\x9b\xcc\x80", "a u o");
    /* A mark with nothing before it, or after a separator, leaves nothing behind. */
    check("\xcc\x81", "");
    check(" \xcc\x81 a", "a");
    /* NFC, NFD and a mix give the same key. */
    char *nfc = fold_dup("Nguyễn Thị Minh Khai");
    char *nfd = fold_dup("Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Minh Khai");
    char *mix = fold_dup("Nguyê\xcc\x83n Thị Minh Khai");
    assert_string_equal(nfc, "nguyen thi minh khai");
    assert_string_equal(nfd, nfc);
    assert_string_equal(mix, nfc);
    free(nfc);
    free(nfd);
    free(mix);
}

static void test_other_latin(void **state)
{
    (void)state;
    check("Ça Übermäßig Ñandú Øre Łódź Şişli Ćevapi", "ca ubermaßig nandu ore lodz sisli cevapi");
    /* Letters without a Latin base letter are kept as they are (not lower-cased). */
    check("Æsir ÞING", "Æsir Þing");
    check("µSv", "µsv");
}

static void test_other_scripts_pass_through(void **state)
{
    (void)state;
    check("Москва", "Москва");
    check("東京 大学", "東京 大学");
    check("Ελλάδα", "Ελλάδα");
    check("😀 Chợ", "😀 cho");
    check("한국어-Việt", "한국어 viet");
}

static void test_invalid_utf8_dropped(void **state)
{
    (void)state;
    check("ab\xff" "cd", "abcd");
    check("\xfe\xff", "");
    check("\x80\xbf" "x", "x");                   /* stray continuation bytes */
    check("Hu\xc3", "hu");                        /* truncated at the end */
    check("Hu\xe1\xbb" "x", "hux");               /* truncated 3-byte sequence */
    check("\xc0\xaf" "a", "a");                   /* overlong '/' */
    check("\xe0\x80\xaf" "a", "a");               /* overlong, 3 bytes */
    check("\xed\xa0\x80" "a", "a");               /* UTF-16 surrogate */
    check("\xf4\x90\x80\x80" "a", "a");           /* above U+10FFFF */
    check("\xf0\x82\x82\xac" "a", "a");           /* overlong, 4 bytes */
    check("Sa\xcc\x80i \x92 Go\xcc\x80n", "sai gon"); /* a Windows-1252 byte in the middle */
}

static void test_append_to_existing_buffer(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "key:");
    fold_append(&b, "  Thủ Dầu Một  ");
    assert_string_equal(b.data, "key:thu dau mot");
    assert_int_equal(b.len, strlen("key:thu dau mot"));
    fold_append(&b, " - ");
    assert_string_equal(b.data, "key:thu dau mot");
    fold_append(&b, "|Đồng Nai");
    assert_string_equal(b.data, "key:thu dau motdong nai");
    buf_free(&b);

    buf e = BUF_INIT;
    fold_append(&e, "");
    assert_int_equal(e.len, 0);
    assert_non_null(e.data);
    assert_string_equal(e.data, "");
    buf_free(&e);
}

static void test_empty_dup_not_null(void **state)
{
    (void)state;
    char *s = fold_dup("");
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    s = fold_dup(" \t–– ");
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_long_input(void **state)
{
    (void)state;
    buf in = BUF_INIT;
    for (int i = 0; i < 20000; i++)
        buf_puts(&in, "Ệ \xe2\x80\x93 ");
    char *got = fold_dup(in.data);
    assert_int_equal(strlen(got), 2 * 20000 - 1);
    for (size_t i = 0; i < 2 * 20000 - 1; i++)
        assert_int_equal(got[i], i % 2 ? ' ' : 'e');
    free(got);
    buf_free(&in);
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Every scalar value alone, and between two letters: the fold of one code point is nothing, one
 * ASCII letter or digit, or the code point unchanged; between letters it never adds more than one
 * space. */
static void test_every_code_point(void **state)
{
    (void)state;
    buf out = BUF_INIT;
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char in[8];
        size_t n = utf8_encode(cp, in);
        in[n] = 0;
        buf_reset(&out);
        fold_append(&out, in);
        int ok = out.len == 0 ||
                 (out.len == 1 && ((out.data[0] >= 'a' && out.data[0] <= 'z') ||
                                   (out.data[0] >= '0' && out.data[0] <= '9'))) ||
                 (out.len == n && memcmp(out.data, in, n) == 0 && cp >= 0x80);
        if (!ok) {
            print_error("U+%04X folds to \"%s\"\n", (unsigned)cp, out.data);
            fail();
        }
        char wrapped[16] = "x";
        memcpy(wrapped + 1, in, n);
        wrapped[n + 1] = 'y';
        wrapped[n + 2] = 0;
        buf_reset(&out);
        fold_append(&out, wrapped);
        assert_true(out.len >= 2 && out.len <= n + 2);
        assert_int_equal(out.data[0], 'x');
        assert_int_equal(out.data[out.len - 1], 'y');
    }
    buf_free(&out);
}

/* The folded letters of the Vietnamese block are exactly those its characters' names say. */
static void test_vietnamese_block_bases(void **state)
{
    (void)state;
    /* U+1EA0..U+1EF9 in order: 24 A, 16 E, 4 I, 24 O, 14 U, 8 Y. */
    const char *want = "aaaaaaaaaaaaaaaaaaaaaaaa" "eeeeeeeeeeeeeeee" "iiii"
                       "oooooooooooooooooooooooo" "uuuuuuuuuuuuuu" "yyyyyyyy";
    assert_int_equal(strlen(want), 0x1EF9 - 0x1EA0 + 1);
    buf out = BUF_INIT;
    for (uint32_t cp = 0x1EA0; cp <= 0x1EF9; cp++) {
        char in[8];
        size_t n = utf8_encode(cp, in);
        in[n] = 0;
        buf_reset(&out);
        fold_append(&out, in);
        assert_int_equal(out.len, 1);
        assert_int_equal(out.data[0], want[cp - 0x1EA0]);
    }
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_place_names),
        cmocka_unit_test(test_separators_and_trim),
        cmocka_unit_test(test_invisible_marks_dropped),
        cmocka_unit_test(test_all_vietnamese_letters),
        cmocka_unit_test(test_nfd_folds_like_nfc),
        cmocka_unit_test(test_other_latin),
        cmocka_unit_test(test_other_scripts_pass_through),
        cmocka_unit_test(test_invalid_utf8_dropped),
        cmocka_unit_test(test_append_to_existing_buffer),
        cmocka_unit_test(test_empty_dup_not_null),
        cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_vietnamese_block_bases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
