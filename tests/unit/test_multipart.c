/*
 * Unit tests of io/multipart: a browser-style upload with fields and a binary file, quoted and
 * unquoted parameters, and refusals (no boundary, missing end, no Content-Disposition).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "io/multipart.h"

static void test_upload(void **state)
{
    (void)state;
    const char ct[] = "multipart/form-data; boundary=----WebKitFormBoundaryQ1";
    const char body[] = "------WebKitFormBoundaryQ1\r\n"
                        "Content-Disposition: form-data; name=\"layer\"\r\n\r\n"
                        "facilities\r\n"
                        "------WebKitFormBoundaryQ1\r\n"
                        "Content-Disposition: form-data; name=\"map\"\r\n\r\n"
                        "name=Tên cơ sở\r\n"
                        "------WebKitFormBoundaryQ1\r\n"
                        "Content-Disposition: form-data; name=\"file\"; filename=\"co_so \\\"BD\\\".zip\"\r\n"
                        "Content-Type: application/zip\r\n\r\n"
                        "PK\x03\x04\r\n--not-a-boundary\r\n\0\x01" "binary\r\n"
                        "------WebKitFormBoundaryQ1--\r\n";
    multipart_part parts[8];
    int n;
    char why[200];
    assert_int_equal(multipart_parse(ct, (const unsigned char *)body, sizeof body - 1, parts, 8, &n, why, sizeof why), 0);
    assert_int_equal(n, 3);
    const multipart_part *layer = multipart_find(parts, n, "layer");
    assert_non_null(layer);
    assert_int_equal(layer->len, 10);
    assert_memory_equal(layer->data, "facilities", 10);
    const multipart_part *map = multipart_find(parts, n, "map");
    assert_memory_equal(map->data, "name=Tên cơ sở", map->len);
    const multipart_part *file = multipart_find(parts, n, "file");
    assert_string_equal(file->filename, "co_so \"BD\".zip");
    assert_string_equal(file->content_type, "application/zip");
    assert_int_equal(file->len, 4 + 2 + 16 + 2 + 8);
    assert_memory_equal(file->data + 24, "\0\x01" "binary", 8);
    assert_null(multipart_find(parts, n, "crs"));
}

static void test_refused(void **state)
{
    (void)state;
    multipart_part parts[4];
    int n;
    char why[200];
    const char ok[] = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--\r\n";
    assert_int_equal(multipart_parse("multipart/form-data; boundary=b", (const unsigned char *)ok, sizeof ok - 1, parts, 4,
                                     &n, why, sizeof why), 0);
    assert_int_equal(n, 1);
    assert_int_equal(multipart_parse("application/json", (const unsigned char *)ok, sizeof ok - 1, parts, 4, &n, why,
                                     sizeof why), -1);
    assert_int_equal(multipart_parse("multipart/form-data", (const unsigned char *)ok, sizeof ok - 1, parts, 4, &n, why,
                                     sizeof why), -1);
    const char open_end[] = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx and no end";
    assert_int_equal(multipart_parse("multipart/form-data; boundary=b", (const unsigned char *)open_end,
                                     sizeof open_end - 1, parts, 4, &n, why, sizeof why), -1);
    assert_non_null(strstr(why, "closing boundary"));
    const char no_disp[] = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n";
    assert_int_equal(multipart_parse("multipart/form-data; boundary=b", (const unsigned char *)no_disp,
                                     sizeof no_disp - 1, parts, 4, &n, why, sizeof why), -1);
    const char many[] = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
                        "--b\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n--b--";
    assert_int_equal(multipart_parse("multipart/form-data; boundary=b", (const unsigned char *)many, sizeof many - 1,
                                     parts, 1, &n, why, sizeof why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
