/*
 * geod: geodesics on the WGS 84 ellipsoid, through PROJ's implementation of Karney's algorithms
 * (<geodesic.h>: geod_inverse, geod_direct), which is exact to a few nanometres at any distance.
 * Proximity, nearest, zones and the polygon buffer use these, never a spherical or planar
 * approximation, so every distance radmap reports is the ellipsoidal one (the same value as
 * SpatiaLite's ST_Distance(a, b, 1) and PostGIS's geography distance to well under a millimetre).
 *
 * Besides the two classic problems this module builds what the spatial index needs: the lon/lat
 * box that certainly contains a geodesic circle (the R*Tree prefilter; exact filtering follows),
 * the circle itself as a closed polygon ring, and the geodesic distance from a point to a polygon
 * edge given as a straight segment in lon/lat (how GeoJSON and GEOS draw edges).
 *
 * Angles are degrees, lengths metres, longitude first everywhere. Pure arithmetic: no allocation
 * beyond what the caller passes, no HTTP, no SQLite; safe from any thread (the ellipsoid is
 * initialised once).
 */
#ifndef RADMAP_GEOD_H
#define RADMAP_GEOD_H

#include <stdbool.h>

#define GEO_CIRCLE_MIN_VERTICES 72
#define GEO_WGS84_A 6378137.0
#define GEO_WGS84_F (1 / 298.257223563)

/* A lon/lat box, degrees. */
typedef struct geo_box {
    double min_lon, min_lat, max_lon, max_lat;
} geo_box;

/* Geodesic from (lon1, lat1) to (lon2, lat2): *distance_m (>= 0) and *bearing_deg, the initial
 * azimuth clockwise from north in [0, 360) (0 for coincident points). Either output may be NULL. */
void geo_inverse(double lon1, double lat1, double lon2, double lat2, double *distance_m, double *bearing_deg);

/* Distance only (the common case). */
double geo_distance(double lon1, double lat1, double lon2, double lat2);

/* The point reached from (lon1, lat1) after distance_m metres along bearing_deg: *lon2 in
 * [-180, 180), *lat2. */
void geo_direct(double lon1, double lat1, double bearing_deg, double distance_m, double *lon2, double *lat2);

/*
 * The closed ring of a geodesic circle of radius_m around (lon, lat): n + 1 positions (the last
 * repeats the first) written to xy as lon, lat pairs (so xy holds 2 * (n + 1) doubles),
 * counter-clockwise as RFC 7946 wants exterior rings. n is raised to GEO_CIRCLE_MIN_VERTICES if
 * smaller. Returns the number of positions written (n + 1).
 */
int geo_circle_ring(double lon, double lat, double radius_m, int n, double *xy);

/*
 * A lon/lat box that contains every point whose geodesic distance from (lon, lat) is <= radius_m.
 * Returns true and fills *box when the box is an ordinary one; false when the circle reaches a
 * pole or crosses the antimeridian (callers then search without a box or with the whole world),
 * and for radius_m beyond GEO_BOX_MAX_RADIUS_M.
 * The box is padded outwards by a few nanodegrees and is tight otherwise: the north and south
 * extremes lie on the meridian, the east and west ones where the circle touches a meridian.
 */
#define GEO_BOX_MAX_RADIUS_M 5.0e6
bool geo_circle_box(double lon, double lat, double radius_m, geo_box *box);

/*
 * A fast estimate of the geodesic distance (a local projection at the mean latitude with the
 * ellipsoid's radii of curvature there: no iteration, a few tens of nanoseconds), and a bound on
 * its error: |estimate - geo_distance| <= geo_estimate_error_m(estimate). Valid while both points
 * lie within +-GEO_ESTIMATE_MAX_LAT and are at most GEO_ESTIMATE_MAX_M apart (the bound is four
 * times the largest error seen over millions of random pairs of that domain, 0.375 d³/a²); callers
 * use it to decide what is certainly inside or outside a circle and measure exactly the rest.
 */
#define GEO_ESTIMATE_MAX_M 200000.0
#define GEO_ESTIMATE_MAX_LAT 70.0
double geo_distance_estimate(double lon1, double lat1, double lon2, double lat2);
static inline double geo_estimate_error_m(double d_m)
{
    return 1.5 * d_m * d_m * d_m / (GEO_WGS84_A * GEO_WGS84_A) + 1e-6;
}

/*
 * Geodesic distance from point (px, py) to the segment from (ax, ay) to (bx, by), where the
 * segment is the straight line in lon/lat between its ends (as GeoJSON and GEOS read polygon
 * edges): the minimum over the segment's points, found by sampling and golden-section refinement
 * to about 0.1 mm. Segments are expected to be shorter than a few hundred kilometres.
 */
double geo_segment_distance(double px, double py, double ax, double ay, double bx, double by);

#endif
