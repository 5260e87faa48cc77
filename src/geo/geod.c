/*
 * geod: WGS 84 geodesics over PROJ's geodesic.h; see geod.h.
 *
 * The ellipsoid object is filled once (pthread_once) and only read afterwards, which
 * geod_inverse/geod_direct allow from any number of threads.
 */
#include "geo/geod.h"

#include <geodesic.h>
#include <math.h>
#include <pthread.h>

static struct geod_geodesic wgs84;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void wgs84_init(void) { geod_init(&wgs84, GEO_WGS84_A, GEO_WGS84_F); }

static const struct geod_geodesic *ellipsoid(void)
{
    pthread_once(&wgs84_once, wgs84_init);
    return &wgs84;
}

void geo_inverse(double lon1, double lat1, double lon2, double lat2, double *distance_m, double *bearing_deg)
{
    double s12 = 0, azi1 = 0, azi2 = 0;
    geod_inverse(ellipsoid(), lat1, lon1, lat2, lon2, &s12, &azi1, &azi2);
    if (distance_m)
        *distance_m = s12;
    if (bearing_deg) {
        double b = s12 > 0 ? azi1 : 0;
        if (b < 0)
            b += 360;
        if (b >= 360)
            b -= 360;
        *bearing_deg = b;
    }
}

double geo_distance(double lon1, double lat1, double lon2, double lat2)
{
    double s12 = 0;
    geod_inverse(ellipsoid(), lat1, lon1, lat2, lon2, &s12, NULL, NULL);
    return s12;
}

void geo_direct(double lon1, double lat1, double bearing_deg, double distance_m, double *lon2, double *lat2)
{
    double la = 0, lo = 0;
    geod_direct(ellipsoid(), lat1, lon1, bearing_deg, distance_m, &la, &lo, NULL);
    *lat2 = la;
    *lon2 = lo;
}

int geo_circle_ring(double lon, double lat, double radius_m, int n, double *xy)
{
    if (n < GEO_CIRCLE_MIN_VERTICES)
        n = GEO_CIRCLE_MIN_VERTICES;
    /* Azimuth decreasing from north: north, then west, south, east: counter-clockwise. */
    for (int i = 0; i < n; i++) {
        double az = i == 0 ? 0 : 360.0 - 360.0 * i / n;
        geo_direct(lon, lat, az, radius_m, &xy[2 * i], &xy[2 * i + 1]);
    }
    xy[2 * n] = xy[0];
    xy[2 * n + 1] = xy[1];
    return n + 1;
}

/* Longitude difference from lon reached along azimuth az, in (-180, 180]. */
static double dlon_at(double lon, double lat, double az, double r)
{
    double lo, la;
    geo_direct(lon, lat, az, r, &lo, &la);
    return remainder(lo - lon, 360.0);
}

bool geo_circle_box(double lon, double lat, double radius_m, geo_box *box)
{
    if (!(radius_m >= 0) || radius_m > GEO_BOX_MAX_RADIUS_M || !(lat > -90 && lat < 90))
        return false;
    /* A circle holding a pole has no box in lon/lat. */
    if (geo_distance(lon, lat, lon, 90) <= radius_m || geo_distance(lon, lat, lon, -90) <= radius_m)
        return false;
    const double pad = 1e-9; /* degrees, about 0.1 mm: rounding of the last steps */
    double lo, north, south;
    geo_direct(lon, lat, 0, radius_m, &lo, &north);
    geo_direct(lon, lat, 180, radius_m, &lo, &south);
    /* The eastern extreme: where the circle touches a meridian. Sample the eastern half, then
     * refine the best sample by golden section (the longitude reached is unimodal there). */
    double best_az = 90, best = -1;
    for (int i = 1; i < 36; i++) {
        double az = i * 5.0, d = dlon_at(lon, lat, az, radius_m);
        if (d > best)
            best = d, best_az = az;
    }
    double a = best_az - 5, b = best_az + 5;
    const double phi = 0.6180339887498949;
    double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
    double f1 = dlon_at(lon, lat, x1, radius_m), f2 = dlon_at(lon, lat, x2, radius_m);
    while (b - a > 1e-9) {
        if (f1 < f2) {
            a = x1, x1 = x2, f1 = f2;
            x2 = a + phi * (b - a);
            f2 = dlon_at(lon, lat, x2, radius_m);
        } else {
            b = x2, x2 = x1, f2 = f1;
            x1 = b - phi * (b - a);
            f1 = dlon_at(lon, lat, x1, radius_m);
        }
    }
    double east = fmax(best, fmax(f1, f2));
    /* The ellipsoid is symmetric about the centre's meridian: the west extent mirrors it. */
    box->min_lon = lon - east - pad;
    box->max_lon = lon + east + pad;
    box->min_lat = south - pad;
    box->max_lat = north + pad;
    if (box->min_lon < -180 || box->max_lon > 180)
        return false;
    return true;
}

double geo_distance_estimate(double lon1, double lat1, double lon2, double lat2)
{
    const double e2 = GEO_WGS84_F * (2 - GEO_WGS84_F), rad = M_PI / 180;
    double pm = (lat1 + lat2) * 0.5 * rad, s = sin(pm), w = 1 - e2 * s * s;
    double n = GEO_WGS84_A / sqrt(w), m = n * (1 - e2) / w;
    double dlon = lon2 - lon1;
    if (dlon > 180)
        dlon -= 360;
    else if (dlon < -180)
        dlon += 360;
    double x = n * cos(pm) * dlon * rad, y = m * (lat2 - lat1) * rad;
    return sqrt(x * x + y * y);
}

static double seg_f(double px, double py, double ax, double ay, double bx, double by, double t)
{
    return geo_distance(px, py, ax + t * (bx - ax), ay + t * (by - ay));
}

double geo_segment_distance(double px, double py, double ax, double ay, double bx, double by)
{
    enum { SAMPLES = 16 };
    double len = geo_distance(ax, ay, bx, by);
    double best = seg_f(px, py, ax, ay, bx, by, 0);
    if (len == 0)
        return best;
    int best_i = 0;
    for (int i = 1; i <= SAMPLES; i++) {
        double d = seg_f(px, py, ax, ay, bx, by, (double)i / SAMPLES);
        if (d < best)
            best = d, best_i = i;
    }
    double a = best_i > 0 ? (double)(best_i - 1) / SAMPLES : 0;
    double b = best_i < SAMPLES ? (double)(best_i + 1) / SAMPLES : 1;
    const double phi = 0.6180339887498949;
    double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
    double f1 = seg_f(px, py, ax, ay, bx, by, x1), f2 = seg_f(px, py, ax, ay, bx, by, x2);
    /* Until the bracket is under 0.1 mm of the segment: the distance is flat at its minimum, so
     * its error is far smaller than that. */
    for (int it = 0; it < 200 && (b - a) * len > 1e-4; it++) {
        if (f1 > f2) {
            a = x1, x1 = x2, f1 = f2;
            x2 = a + phi * (b - a);
            f2 = seg_f(px, py, ax, ay, bx, by, x2);
        } else {
            b = x2, x2 = x1, f2 = f1;
            x1 = b - phi * (b - a);
            f1 = seg_f(px, py, ax, ay, bx, by, x1);
        }
    }
    return fmin(best, fmin(f1, f2));
}
