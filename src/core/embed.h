/*
 * embed: files compiled into the binary (the sql/ migrations and the geodata/ reference tables), so
 * that `radmap init` needs nothing beside the executable. The table is generated at build time by
 * scripts/embed.cmake; each entry's data is NUL-terminated.
 */
#ifndef RADMAP_EMBED_H
#define RADMAP_EMBED_H

#include <stddef.h>

typedef struct embed_file {
    const char *name; /* path relative to the source tree: "sql/001_core.sql" */
    const char *data; /* contents, NUL-terminated; static */
    size_t len;
} embed_file;

/* Terminated by an entry whose name is NULL; sorted by name. */
extern const embed_file embed_files[];

/* The embedded file of that name, or NULL. */
const embed_file *embed_find(const char *name);

#endif
