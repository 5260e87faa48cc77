/*
 * collection: the feature collections of the register, described once as data: which table, which
 * properties (each an SQL expression over alias t), which of them filter, with which allowed values,
 * and which visibility class sees them. The items API, tiles, proximity and exports all build their
 * SQL from these descriptors, so adding a property is one line here and every channel has it, and
 * the allowlist of DESIGN §5 lives in one place.
 *
 * Expressions may use the named parameter :today (a day number, see core/date.h) for values that
 * change with the date; callers bind it. No expression contains client input.
 */
#ifndef RADMAP_COLLECTION_H
#define RADMAP_COLLECTION_H

#include <stdbool.h>

/* Visibility classes, lowest first (DESIGN §5): a property or row with class c is seen by callers
 * whose class is >= c. */
typedef enum vis_class {
    VIS_PUBLIC = 0, /* anonymous, when --public on */
    VIS_VIEWER = 1, /* facilities without source detail */
    VIS_FULL = 2,   /* inspector, planner, counter, licensing, leader, admin */
} vis_class;

typedef enum prop_type {
    PROP_INT,
    PROP_REAL,
    PROP_TEXT,
    PROP_BOOL,
    PROP_TEXT_LIST, /* comma-separated text in SQL, a JSON array of strings out */
} prop_type;

typedef enum filter_kind {
    FILTER_NONE = 0,
    FILTER_TEXT,    /* equality with a text value */
    FILTER_ID,      /* equality with a positive integer */
    FILTER_CATEGORY /* equality with 1..5 */
} filter_kind;

typedef struct coll_prop {
    const char *name;        /* JSON property name */
    const char *sql;         /* value expression */
    prop_type type;
    vis_class vis;           /* lowest class that sees it */
    filter_kind filter;      /* usable as ?name=value */
    const char *filter_sql;  /* boolean expression with one '?' for the value (NULL: sql = ?) */
    const char *values_sql;  /* query listing the allowed values of a text filter (NULL: any) */
    const char *const *values; /* static list of allowed values (NULL: any) */
    const char *description;
} coll_prop;

/* Checks beyond type, range and length that a writable field needs. */
typedef enum field_rule {
    RULE_NONE = 0,
    RULE_DATE_NOT_FUTURE, /* YYYY-MM-DD, not after today */
    RULE_EMAIL,           /* something@something */
    RULE_CODE,            /* letters, digits, '-', '_', '.', '/' */
} field_rule;

/* A property clients may write (OGC API - Features Part 4). Everything not listed is read-only or
 * derived, and a write that names it is refused. */
typedef struct coll_field {
    const char *name;         /* property name */
    const char *column;       /* column of the collection's table */
    prop_type type;           /* PROP_TEXT, PROP_INT, PROP_REAL (PROP_TEXT_LIST: special, see practices) */
    bool required;            /* needed on create and replace */
    int max_len;              /* text: characters at most */
    double min, max;          /* numbers: inclusive range */
    const char *const *values;/* allowed values */
    const char *values_sql;   /* query listing allowed values */
    const char *ref_sql;      /* "SELECT 1 FROM t WHERE id = ?": the referenced row must exist */
    field_rule rule;
} coll_field;

typedef struct coll_def {
    const char *id;          /* URL name: "facilities" */
    const char *title;
    const char *description;
    const char *table;       /* SQL table: "facility" */
    const char *from;        /* FROM clause with alias t: "facility t JOIN ..." */
    const char *rtree;       /* SpatiaLite R*Tree of t.geom */
    const char *search_sql;  /* folded text to match q= against (NULL: no search) */
    vis_class vis;           /* lowest class that sees the collection at all */
    const char *public_rows; /* condition a row must meet to be seen below VIS_FULL (NULL: none) */
    const coll_prop *props;  /* terminated by name == NULL */
    const coll_field *fields;/* writable properties, terminated by name == NULL (NULL: read-only) */
    bool point_required;     /* a feature must have a Point (else: optional own position) */
    const char *parent_sql;  /* position of the parent: "SELECT lon, lat FROM facility WHERE id = ?" with
                              * the value of the field named parent_field */
    const char *parent_field;
    const char *search_update_sql; /* recomputes search_key of row ?1 after a write (NULL: none) */
    const char *serial_check_sql;  /* another active row with the same manufacturer/model/serial:
                                    * ?1 manufacturer, ?2 model, ?3 serial, ?4 own id (0 on create) */
} coll_def;

/* The collections, terminated by id == NULL. */
extern const coll_def coll_all[];
/* The collection of that id, or NULL. */
const coll_def *coll_find(const char *id);
/* The writable field of that name, or NULL. */
const coll_field *coll_field_find(const coll_def *c, const char *name);
/* The property of that name, or NULL. */
const coll_prop *coll_prop_find(const coll_def *c, const char *name);

/* SQL fragments shared by several expressions. */
/* Statuses in which a facility physically holds a source (counts, categories). */
#define COLL_HELD_SOURCE "('in_use','stored','disused','found')"

#endif
