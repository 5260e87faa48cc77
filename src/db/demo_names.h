/*
 * demo_names: the fixed tables behind the demo generator (demo.c): places, streets, industrial
 * parks, Vietnamese name parts, and the equipment catalogue (X-ray device models, sealed and
 * unsealed source profiles with activities and ages that fit each practice).
 *
 * Kept apart from the generator so that the data can be read and corrected by someone who knows
 * the city without reading the insert loop, and so that demo.c stays one screenful of logic per
 * concern. Everything here is constant; nothing is allocated.
 *
 * Places are points a facility scatters around: a 2025 ward or commune with the pre-2025 ward,
 * district and province it mostly came from (the July 2025 arrangement merged three to five old
 * wards into one; the legacy ward given is one of them), a centre, a scatter and a land box that
 * keeps generated points out of the sea and the big rivers. Region 0 is today's Ho Chi Minh City
 * (with the former Bình Dương and Bà Rịa-Vũng Tàu); the other regions are only used when the
 * generator is asked for more facilities than the demo city holds.
 */
#ifndef RADMAP_DEMO_NAMES_H
#define RADMAP_DEMO_NAMES_H

#include <stddef.h>

/* A list of strings with its length, so picking one is a single multiply. */
typedef struct demo_list {
    const char *const *v;
    unsigned n;
} demo_list;

typedef struct demo_province {
    const char *legacy_name; /* pre-2025 province, stored in facility.legacy_province */
    const char *city;        /* the 2025 province or city, closing a full postal address */
    const char *code;        /* facility code prefix of that 2025 unit ("HCM") */
    const char *tax_prefix;  /* the two leading digits of tax codes issued there */
    const char *phone_area;  /* landline area code */
} demo_province;

typedef struct demo_region {
    const char *name;
    double weight; /* share of facilities when spreading over the country */
} demo_region;

typedef struct demo_place {
    const char *ward;            /* 2025 ward or commune */
    const char *legacy_ward;     /* a pre-2025 ward merged into it; NULL when not recorded */
    const char *legacy_district; /* pre-2025 district, town or provincial city */
    unsigned char province;      /* index into demo_provinces */
    unsigned char region;        /* index into demo_regions */
    double lon, lat;             /* centre, degrees (EPSG:4326) */
    double sigma_deg;            /* gaussian scatter around the centre */
    double box[4];               /* land box: min lon, min lat, max lon, max lat; all zero:
                                    centre +- 3 sigma (inland places) */
    unsigned short w_med;        /* relative weight of hospitals, clinics, universities */
    unsigned short w_ind;        /* relative weight of factories, ports, NDT firms */
    unsigned short w_oil;        /* relative weight of oil and gas service bases */
    const demo_list *streets;    /* street names for addresses */
    const demo_list *parks;      /* industrial parks or export zones; NULL when none */
} demo_place;

/* Which gauges a factory of a sector has (demo_sector.gauges). */
enum {
    DEMO_GAUGE_PROCESS, /* level and density on tanks, silos, pipes: Cs-137, Co-60 */
    DEMO_GAUGE_WEB,     /* thickness and basis weight of paper, film, textile: Kr-85, Sr-90, Am-241 */
    DEMO_GAUGE_FILL,    /* fill level of cans and bottles: Am-241, small Cs-137 */
    DEMO_GAUGE_SOIL     /* portable moisture-density gauges of construction labs: Cs-137 + Am-241/Be */
};

typedef struct demo_sector {
    const char *vn;         /* word in a Vietnamese company name: "Giấy" */
    const char *en;         /* word in a foreign-invested company name: "Paper" */
    unsigned char gauges;   /* DEMO_GAUGE_* */
} demo_sector;

typedef struct demo_weighted {
    const char *s;
    unsigned weight;
} demo_weighted;

/* Radiation generators: the keys of table device_type that the demo uses. */
enum {
    DT_GENERAL,
    DT_MOBILE,
    DT_DENTAL,
    DT_MAMMOGRAPHY,
    DT_FLUOROSCOPY,
    DT_BONE_DENSITOMETRY,
    DT_CT,
    DT_PET_CT,
    DT_SPECT_CT,
    DT_LINAC,
    DT_CYCLOTRON,
    DT_INDUSTRIAL_XRAY,
    DT_XRAY_SECURITY,
    DT_XRF_ANALYSER,
    DT_COUNT
};

typedef struct demo_device_model {
    const char *manufacturer;
    const char *model;
    double max_kv; /* 0: not a tube rating (accelerators): stored as NULL */
    double max_ma;
} demo_device_model;

typedef struct demo_device_type {
    const char *key;    /* device_type.key */
    const char *room;   /* room label, numbered when a facility has several */
    const demo_device_model *models;
    unsigned n_models;
} demo_device_type;

/* Source profiles: one kind of source in one practice. */
enum {
    SP_GAUGE_CS137,      /* level / density gauge */
    SP_GAUGE_CO60,       /* level gauge on thick vessels */
    SP_GAUGE_KR85,       /* basis weight of paper and film */
    SP_GAUGE_SR90,       /* thickness of thin film */
    SP_GAUGE_AM241,      /* thickness or fill level */
    SP_SOIL_CS137,       /* moisture-density gauge, density source */
    SP_SOIL_AMBE,        /* moisture-density gauge, neutron source */
    SP_RADIOG_IR192,     /* gamma radiography camera */
    SP_RADIOG_SE75,
    SP_RADIOG_CO60,
    SP_LOG_CS137,        /* density logging */
    SP_LOG_AMBE,         /* neutron porosity logging */
    SP_CHECK_CS137,      /* field check source */
    SP_TELE_CO60,        /* teletherapy head */
    SP_HDR_IR192,        /* HDR brachytherapy afterloader */
    SP_HDR_CO60,
    SP_SEED_I125,        /* LDR seed batch */
    SP_CHECK_SR90,       /* dosimetry check device */
    SP_NM_GE68,          /* PET calibration phantom */
    SP_NM_CS137,         /* dose calibrator reference vial */
    SP_NM_BA133,
    SP_NM_CO57,          /* gamma camera flood source */
    SP_NM_NA22,          /* PET point source */
    SP_NM_I131,          /* unsealed stock */
    SP_NM_TC99M,         /* unsealed eluate */
    SP_NM_F18,           /* unsealed, from the cyclotron */
    SP_CAL_CS137,        /* teaching and calibration sources, kBq-MBq */
    SP_CAL_CO60,
    SP_CAL_AM241,
    SP_CAL_NA22,
    SP_CAL_BA133,
    SP_CAL_SR90,
    SP_RES_AMBE,         /* neutron source of a physics lab */
    SP_LEGACY_RA226,     /* old radium needles, disused */
    SP_IRRAD_CO60,       /* one batch of irradiator pencils */
    SP_OLD_CS137,        /* disused gauge source kept in a store */
    SP_OLD_CO60,
    SP_OLD_AM241,
    SP_COUNT
};

typedef struct demo_maker {
    const char *manufacturer;
    const char *model;
} demo_maker;

typedef struct demo_source_profile {
    const char *nuclide;      /* must exist in table nuclide */
    int unsealed;             /* form 'unsealed' */
    double activity_min_bq;   /* at the reference date; drawn log-uniformly */
    double activity_max_bq;
    int age_min_d, age_max_d; /* reference date this many days before today */
    const char *serial_prefix;
    const demo_maker *makers;
    unsigned n_makers;
} demo_source_profile;

/* Kinds of facility; each has one primary practice (demo.c maps them). */
enum {
    DK_HOSPITAL,    /* general or specialty hospital, several X-ray rooms and CT */
    DK_CLINIC,      /* polyclinic, one to three X-ray units */
    DK_DENTAL,      /* dental clinic */
    DK_IMAGING,     /* diagnostic imaging centre */
    DK_NM,          /* hospital whose primary licence is nuclear medicine */
    DK_RT,          /* hospital with radiotherapy (and usually nuclear medicine) */
    DK_GAUGE,       /* factory with fixed or portable gauges */
    DK_RADIOGRAPHY, /* NDT company with gamma cameras and X-ray sets */
    DK_LOGGING,     /* oil and gas well-logging base */
    DK_RESEARCH,    /* university or laboratory */
    DK_IRRADIATOR,  /* gamma irradiation centre (Category 1) */
    DK_STORAGE,     /* store of disused sources */
    DK_SECURITY,    /* port, airport, warehouse with screening X-ray */
    DK_INDXRAY,     /* factory with X-ray inspection or XRF, no sources */
    DK_COUNT
};

/* Flags of a fixed (real or pinned) facility. */
enum {
    DA_PET = 1,         /* has PET/CT and its sources */
    DA_CYCLOTRON = 2,   /* produces F-18 */
    DA_TELETHERAPY = 4, /* keeps a Co-60 teletherapy unit */
    DA_LOST = 8,        /* its first Ir-192 camera is the register's one lost source */
    DA_VARANS = 16,     /* the record belongs to the national regulator */
    DA_SAME_ORG = 32    /* licensee is the previous anchor's */
};

/* A facility the demo city always has, before the generated ones: the big hospitals everyone
 * knows (their names, streets and approximate positions are public), plus invented firms that
 * pin the rare cases (the irradiator, the lost source). */
typedef struct demo_anchor {
    int kind;            /* DK_* */
    int size;            /* 1 ordinary, 2-3 a large hospital: scales its device counts */
    unsigned flags;      /* DA_* */
    const char *name;
    const char *org_name;
    const char *domain;  /* for e-mail addresses */
    const char *address;
    const char *ward;    /* must be the ward of a demo_places entry (district, province) */
    const char *legacy_ward;
    double lon, lat;
    double lost_lon, lost_lat; /* DA_LOST: last known position of the lost source */
} demo_anchor;

extern const demo_anchor demo_anchors[];
extern const unsigned demo_anchor_count;

extern const demo_province demo_provinces[];
extern const demo_region demo_regions[];
extern const unsigned demo_region_count;
extern const demo_place demo_places[];
extern const unsigned demo_place_count;

extern const demo_weighted demo_surnames[];
extern const unsigned demo_surname_count;
extern const demo_list demo_middle_male, demo_middle_female, demo_given_male, demo_given_female;
extern const demo_list demo_brand_first, demo_brand_second, demo_foreign_brand;
extern const demo_list demo_hospital_specialty, demo_research_topic, demo_mobile_prefix, demo_mobile_ward;
/* The first models of industrial_xray are portable NDT tubes; the rest inspection cabinets. */
#define DEMO_NDT_TUBES 5
extern const demo_sector demo_sectors[];
extern const unsigned demo_sector_count;

extern const demo_device_type demo_device_types[DT_COUNT];
extern const demo_source_profile demo_source_profiles[SP_COUNT];

#endif
