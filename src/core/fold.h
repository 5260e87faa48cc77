/*
 * fold: the search key of Vietnamese text: lower case, without diacritics, đ/Đ as d, runs of
 * white space and punctuation as one space, trimmed. "Thủ Dầu Một" and "thu dau mot" fold to the
 * same key; so do "Đồng Nai" and "dong nai".
 *
 * Written by hand because no Debian library folds Vietnamese without dragging in ICU, and the fold
 * runs on every search and every write: a table over the Latin-1 Supplement, Latin Extended-A/B
 * and Latin Extended Additional blocks (where all Vietnamese letters live) plus combining marks
 * (NFD input) is small, exact and fast. Other characters pass through (lower-cased when ASCII).
 */
#ifndef RADMAP_FOLD_H
#define RADMAP_FOLD_H

#include "core/buf.h"

/* Append the folded form of the NUL-terminated UTF-8 text s to out. Invalid UTF-8 bytes are
 * dropped. */
void fold_append(buf *out, const char *s);
/* The folded form as a new string; free() it. Never NULL. */
char *fold_dup(const char *s);

#endif
