/*
 * zipcheck: a strict reader of ZIP archives (zipped shapefiles, KMZ, and the XLSX container) for
 * untrusted uploads, written so that a decompression bomb or a crafted archive is refused before
 * GDAL sees anything.
 *
 * Only what GIS files need is accepted: the classic format (no ZIP64, no multi-disk), stored or
 * deflated entries, no encryption, no symbolic links, plain relative names (no "..", no absolute
 * path, no backslash or drive letter, no "/vsi" prefix). The archive's own figures are checked
 * first (entry count, total declared size, declared compression ratio), and extraction then holds
 * every entry to its declared size and CRC: inflating stops as soon as an entry produces more bytes
 * than it declared, so a lying header cannot turn 1 MB into 10 GB.
 */
#ifndef RADMAP_ZIPCHECK_H
#define RADMAP_ZIPCHECK_H

#include <stddef.h>
#include <stdint.h>

typedef struct zip_limits {
    int max_entries;            /* entries in the archive */
    uint64_t max_total_bytes;   /* sum of the declared uncompressed sizes */
    double max_ratio;           /* uncompressed / compressed, for entries above 1 MB */
} zip_limits;

typedef struct zip_entry {
    char name[256];             /* NUL-terminated */
    uint64_t csize, usize;      /* compressed and declared uncompressed sizes */
    uint32_t crc;
    int method;                 /* 0 stored, 8 deflate */
    uint64_t data_offset;       /* of the compressed bytes in the archive */
    int is_dir;
} zip_entry;

typedef struct zip_archive {
    zip_entry *entries;         /* owned; zip_close() frees */
    int n;
    uint64_t total_bytes;
} zip_archive;

/* Defaults: 2 000 entries, 1 GiB in total, ratio 200. */
void zip_limits_default(zip_limits *l);

/* Read the central directory of the archive data[0..len) and check it against lim.
 * 0 with *out filled, or -1 with why (a sentence) on anything refused. */
int zip_open_mem(const unsigned char *data, size_t len, const zip_limits *lim, zip_archive *out, char *why,
                 size_t why_len);
void zip_close(zip_archive *z);

/* Inflate entry e of data into sink (called with chunks; a negative return stops), holding it to its
 * declared size and CRC. 0, or -1 with why. */
int zip_extract(const unsigned char *data, size_t len, const zip_entry *e,
                int (*sink)(void *arg, const void *bytes, size_t n), void *arg, char *why, size_t why_len);

/* Whether data starts like a ZIP archive ("PK\3\4" or an empty archive's "PK\5\6"). */
int zip_looks_like(const unsigned char *data, size_t len);

#endif
