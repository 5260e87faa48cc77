/*
 * fold: the Vietnamese search key; see fold.h for what it is.
 *
 * One pass over the input, decoding UTF-8 strictly (no overlong forms, no surrogates, nothing
 * above U+10FFFF; a byte that does not start a valid sequence is dropped and decoding resumes at
 * the next byte). Every code point is then one of four things:
 *   - a letter or digit to keep: ASCII is lower-cased, a Latin letter with diacritics becomes its
 *     ASCII base letter (ệ -> e, ơ -> o, đ -> d), other letters keep their original bytes;
 *   - a separator (white space, punctuation, symbols, controls): a run of them, however long,
 *     becomes one space between two kept characters and nothing at either end;
 *   - a mark to drop without a trace: combining diacritics (NFD input such as "e\u0302\u0323"
 *     folds like "ệ") and invisible format characters (soft hyphen, zero-width space, BOM).
 * The folded text is never longer than the input, so the output buffer is grown once and written
 * directly; the tables are constant and the module keeps no state, so it is safe from any thread.
 */
#include "core/fold.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What a code point folds to, in the tables below: 'a'..'z' that ASCII letter; '.' itself (its
 * original bytes); ' ' a separator; '-' nothing. */
enum { FOLD_KEEP = '.', FOLD_SEP = ' ', FOLD_DROP = '-' };

/* ASCII: letters lower-cased, digits kept, everything else separates words. */
static const char fold_ascii[128] = {
    ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
    ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
    ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', ' ', ' ', ' ', ' ', ' ',
    ' ', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', ' ', ' ', ' ', ' ', ' ',
    ' ', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', ' ', ' ', ' ', ' ', ' ',
};

/* U+0080..U+024F: C1 controls, Latin-1 Supplement, Latin Extended-A and -B. A letter "with" a
 * diacritic (acute, grave, hook, tilde, dot below, circumflex, breve, horn, stroke ...) folds to
 * its base letter; ligatures and other letters (Æ, ß, Þ, ǅ) are kept as they are. */
static const char fold_latin[] =
    "                " /* U+0080 C1 controls */
    "                " /* U+0090 C1 controls */
    "          .  -  " /* U+00A0 NBSP ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ SHY ® ¯ */
    "  .. .   .. ... " /* U+00B0 ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿ */
    "aaaaaa.ceeeeiiii" /* U+00C0 À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï */
    ".nooooo ouuuuy.." /* U+00D0 Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß */
    "aaaaaa.ceeeeiiii" /* U+00E0 à á â ã ä å æ ç è é ê ë ì í î ï */
    ".nooooo ouuuuy.y" /* U+00F0 ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ */
    "aaaaaaccccccccdd" /* U+0100 Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď */
    "ddeeeeeeeeeegggg" /* U+0110 Đ đ Ē ē Ĕ ĕ Ė ė Ę ę Ě ě Ĝ ĝ Ğ ğ */
    "gggghhhhiiiiiiii" /* U+0120 Ġ ġ Ģ ģ Ĥ ĥ Ħ ħ Ĩ ĩ Ī ī Ĭ ĭ Į į */
    "ii..jjkk.lllllll" /* U+0130 İ ı Ĳ ĳ Ĵ ĵ Ķ ķ ĸ Ĺ ĺ Ļ ļ Ľ ľ Ŀ */
    "lllnnnnnn...oooo" /* U+0140 ŀ Ł ł Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ Ō ō Ŏ ŏ */
    "oo..rrrrrrssssss" /* U+0150 Ő ő Œ œ Ŕ ŕ Ŗ ŗ Ř ř Ś ś Ŝ ŝ Ş ş */
    "ssttttttuuuuuuuu" /* U+0160 Š š Ţ ţ Ť ť Ŧ ŧ Ũ ũ Ū ū Ŭ ŭ Ů ů */
    "uuuuwwyyyzzzzzz." /* U+0170 Ű ű Ų ų Ŵ ŵ Ŷ ŷ Ÿ Ź ź Ż ż Ž ž ſ */
    "bbbb...cc.ddd..." /* U+0180 ƀ Ɓ Ƃ ƃ Ƅ ƅ Ɔ Ƈ ƈ Ɖ Ɗ Ƌ ƌ ƍ Ǝ Ə */
    ".ffg...ikkl..nno" /* U+0190 Ɛ Ƒ ƒ Ɠ Ɣ ƕ Ɩ Ɨ Ƙ ƙ ƚ ƛ Ɯ Ɲ ƞ Ɵ */
    "oo..pp.....ttttu" /* U+01A0 Ơ ơ Ƣ ƣ Ƥ ƥ Ʀ Ƨ ƨ Ʃ ƪ ƫ Ƭ ƭ Ʈ Ư */
    "u.vyyzz........." /* U+01B0 ư Ʊ Ʋ Ƴ ƴ Ƶ ƶ Ʒ Ƹ ƹ ƺ ƻ Ƽ ƽ ƾ ƿ */
    ".............aai" /* U+01C0 ǀ ǁ ǂ ǃ Ǆ ǅ ǆ Ǉ ǈ ǉ Ǌ ǋ ǌ Ǎ ǎ Ǐ */
    "ioouuuuuuuuuu.aa" /* U+01D0 ǐ Ǒ ǒ Ǔ ǔ Ǖ ǖ Ǘ ǘ Ǚ ǚ Ǜ ǜ ǝ Ǟ ǟ */
    "aa..ggggkkoooo.." /* U+01E0 Ǡ ǡ Ǣ ǣ Ǥ ǥ Ǧ ǧ Ǩ ǩ Ǫ ǫ Ǭ ǭ Ǯ ǯ */
    "j...gg..nnaa..oo" /* U+01F0 ǰ Ǳ ǲ ǳ Ǵ ǵ Ƕ Ƿ Ǹ ǹ Ǻ ǻ Ǽ ǽ Ǿ ǿ */
    "aaaaeeeeiiiioooo" /* U+0200 Ȁ ȁ Ȃ ȃ Ȅ ȅ Ȇ ȇ Ȉ ȉ Ȋ ȋ Ȍ ȍ Ȏ ȏ */
    "rrrruuuusstt..hh" /* U+0210 Ȑ ȑ Ȓ ȓ Ȕ ȕ Ȗ ȗ Ș ș Ț ț Ȝ ȝ Ȟ ȟ */
    "nd..zzaaeeoooooo" /* U+0220 Ƞ ȡ Ȣ ȣ Ȥ ȥ Ȧ ȧ Ȩ ȩ Ȫ ȫ Ȭ ȭ Ȯ ȯ */
    "ooyylntj..acclts" /* U+0230 Ȱ ȱ Ȳ ȳ ȴ ȵ ȶ ȷ ȸ ȹ Ⱥ Ȼ ȼ Ƚ Ⱦ ȿ */
    "z..b..eejj.qrryy"; /* U+0240 ɀ Ɂ ɂ Ƀ Ʉ Ʌ Ɇ ɇ Ɉ ɉ Ɋ ɋ Ɍ ɍ Ɏ ɏ */

/* U+1E00..U+1EFF: Latin Extended Additional. From U+1EA0 on it is the Vietnamese block: every
 * vowel with its tone mark (and its circumflex, breve or horn) precomposed. */
static const char fold_latin_add[] =
    "aabbbbbbccdddddd" /* U+1E00 Ḁ ḁ Ḃ ḃ Ḅ ḅ Ḇ ḇ Ḉ ḉ Ḋ ḋ Ḍ ḍ Ḏ ḏ */
    "ddddeeeeeeeeeeff" /* U+1E10 Ḑ ḑ Ḓ ḓ Ḕ ḕ Ḗ ḗ Ḙ ḙ Ḛ ḛ Ḝ ḝ Ḟ ḟ */
    "gghhhhhhhhhhiiii" /* U+1E20 Ḡ ḡ Ḣ ḣ Ḥ ḥ Ḧ ḧ Ḩ ḩ Ḫ ḫ Ḭ ḭ Ḯ ḯ */
    "kkkkkkllllllllmm" /* U+1E30 Ḱ ḱ Ḳ ḳ Ḵ ḵ Ḷ ḷ Ḹ ḹ Ḻ ḻ Ḽ ḽ Ḿ ḿ */
    "mmmmnnnnnnnnoooo" /* U+1E40 Ṁ ṁ Ṃ ṃ Ṅ ṅ Ṇ ṇ Ṉ ṉ Ṋ ṋ Ṍ ṍ Ṏ ṏ */
    "oooopppprrrrrrrr" /* U+1E50 Ṑ ṑ Ṓ ṓ Ṕ ṕ Ṗ ṗ Ṙ ṙ Ṛ ṛ Ṝ ṝ Ṟ ṟ */
    "sssssssssstttttt" /* U+1E60 Ṡ ṡ Ṣ ṣ Ṥ ṥ Ṧ ṧ Ṩ ṩ Ṫ ṫ Ṭ ṭ Ṯ ṯ */
    "ttuuuuuuuuuuvvvv" /* U+1E70 Ṱ ṱ Ṳ ṳ Ṵ ṵ Ṷ ṷ Ṹ ṹ Ṻ ṻ Ṽ ṽ Ṿ ṿ */
    "wwwwwwwwwwxxxxyy" /* U+1E80 Ẁ ẁ Ẃ ẃ Ẅ ẅ Ẇ ẇ Ẉ ẉ Ẋ ẋ Ẍ ẍ Ẏ ẏ */
    "zzzzzzhtwya....." /* U+1E90 Ẑ ẑ Ẓ ẓ Ẕ ẕ ẖ ẗ ẘ ẙ ẚ ẛ ẜ ẝ ẞ ẟ */
    "aaaaaaaaaaaaaaaa" /* U+1EA0 Ạ ạ Ả ả Ấ ấ Ầ ầ Ẩ ẩ Ẫ ẫ Ậ ậ Ắ ắ */
    "aaaaaaaaeeeeeeee" /* U+1EB0 Ằ ằ Ẳ ẳ Ẵ ẵ Ặ ặ Ẹ ẹ Ẻ ẻ Ẽ ẽ Ế ế */
    "eeeeeeeeiiiioooo" /* U+1EC0 Ề ề Ể ể Ễ ễ Ệ ệ Ỉ ỉ Ị ị Ọ ọ Ỏ ỏ */
    "oooooooooooooooo" /* U+1ED0 Ố ố Ồ ồ Ổ ổ Ỗ ỗ Ộ ộ Ớ ớ Ờ ờ Ở ở */
    "oooouuuuuuuuuuuu" /* U+1EE0 Ỡ ỡ Ợ ợ Ụ ụ Ủ ủ Ứ ứ Ừ ừ Ử ử Ữ ữ */
    "uuyyyyyyyy....yy"; /* U+1EF0 Ự ự Ỳ ỳ Ỵ ỵ Ỷ ỷ Ỹ ỹ Ỻ ỻ Ỽ ỽ Ỿ ỿ */

_Static_assert(sizeof fold_latin == 0x250 - 0x80 + 1, "fold_latin covers U+0080..U+024F");
_Static_assert(sizeof fold_latin_add == 0x100 + 1, "fold_latin_add covers U+1E00..U+1EFF");

/* The class of a code point outside ASCII. */
static char fold_class(uint32_t cp)
{
    if (cp < 0x250)
        return fold_latin[cp - 0x80];
    if (cp >= 0x300 && cp <= 0x36F) /* combining diacritical marks (NFD tone marks, ...) */
        return FOLD_DROP;
    if (cp >= 0x1E00 && cp <= 0x1EFF)
        return fold_latin_add[cp - 0x1E00];
    if (cp >= 0x2000 && cp <= 0x206F) { /* general punctuation */
        if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || cp >= 0x2060)
            return FOLD_DROP; /* zero-width characters and direction marks */
        return FOLD_SEP;      /* spaces, dashes, quotes, bullets, ellipsis ... */
    }
    if ((cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
        (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF)
        return FOLD_DROP; /* more combining marks, variation selectors, BOM */
    if ((cp >= 0x20A0 && cp <= 0x20CF) || (cp >= 0x3000 && cp <= 0x3003))
        return FOLD_SEP; /* currency signs (₫), ideographic space and punctuation */
    return FOLD_KEEP;
}

/* Decode one UTF-8 sequence at s (NUL-terminated). Returns its length (1..4) and sets *cp, or 0
 * when s does not start a valid sequence. The NUL terminator fails every continuation test, so
 * a truncated sequence at the end is never read past. */
static size_t fold_decode(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c >= 0xC2 && c <= 0xDF) {
        if ((s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0; /* overlong, or a UTF-16 surrogate */
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0; /* overlong, or above U+10FFFF */
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
              ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0; /* a stray continuation byte, C0/C1 (overlong), F5..FF */
}

void fold_append(buf *out, const char *s)
{
    assert(out && s);
    size_t in_len = strlen(s);
    buf_grow(out, in_len);

    const unsigned char *p = (const unsigned char *)s;
    char *w = out->data + out->len;
    char *start = w;
    int pending_sep = 0;

    while (*p) {
        const unsigned char *seq = p;
        size_t n = 1;
        char cls;
        if (*p < 0x80) {
            cls = fold_ascii[*p];
        } else {
            uint32_t cp = 0;
            n = fold_decode(p, &cp);
            if (n == 0) { /* invalid byte: drop it, resume at the next one */
                p++;
                continue;
            }
            cls = fold_class(cp);
        }
        p += n;

        if (cls == FOLD_DROP)
            continue;
        if (cls == FOLD_SEP) {
            pending_sep = w != start;
            continue;
        }
        if (pending_sep) {
            *w++ = ' ';
            pending_sep = 0;
        }
        if (cls == FOLD_KEEP) {
            memcpy(w, seq, n);
            w += n;
        } else {
            *w++ = cls;
        }
    }

    /* Every separator written replaced at least one input byte, so w stayed within in_len. */
    out->len = (size_t)(w - out->data);
    out->data[out->len] = 0;
}

char *fold_dup(const char *s)
{
    buf b = BUF_INIT;
    fold_append(&b, s);
    return buf_detach(&b, NULL);
}
