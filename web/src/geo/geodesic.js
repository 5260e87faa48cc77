/*
 * Geodesic circles on the WGS 84 ellipsoid, for drawing the rings of the proximity tool and the
 * zones: the server decides what lies inside a radius by geodesic distance (PROJ geod_inverse),
 * so the ring drawn is the set of points at that geodesic distance, computed with Vincenty's
 * direct formula (sub-millimetre at these distances).
 */

const A = 6378137.0;
const F = 1 / 298.257223563;
const B = A * (1 - F);

/**
 * The point at distance_m along the initial bearing bearing_deg from lon, lat (degrees).
 * @returns {[number, number]} [lon, lat] in degrees
 */
export function destination(lon, lat, bearingDeg, distanceM) {
  const alpha1 = (bearingDeg * Math.PI) / 180;
  const sinA1 = Math.sin(alpha1), cosA1 = Math.cos(alpha1);
  const tanU1 = (1 - F) * Math.tan((lat * Math.PI) / 180);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1), sinU1 = tanU1 * cosU1;
  const sigma1 = Math.atan2(tanU1, cosA1);
  const sinAlpha = cosU1 * sinA1;
  const cos2Alpha = 1 - sinAlpha * sinAlpha;
  const u2 = (cos2Alpha * (A * A - B * B)) / (B * B);
  const bigA = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const bigB = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  let sigma = distanceM / (B * bigA);
  let cos2SigmaM = 0, sinSigma = 0, cosSigma = 0;
  for (let i = 0; i < 100; i++) {
    cos2SigmaM = Math.cos(2 * sigma1 + sigma);
    sinSigma = Math.sin(sigma);
    cosSigma = Math.cos(sigma);
    const dSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4) * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      (bigB / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    const next = distanceM / (B * bigA) + dSigma;
    if (Math.abs(next - sigma) < 1e-12) { sigma = next; break; }
    sigma = next;
  }
  cos2SigmaM = Math.cos(2 * sigma1 + sigma);
  sinSigma = Math.sin(sigma);
  cosSigma = Math.cos(sigma);
  const x = sinU1 * sinSigma - cosU1 * cosSigma * cosA1;
  const lat2 = Math.atan2(sinU1 * cosSigma + cosU1 * sinSigma * cosA1, (1 - F) * Math.sqrt(sinAlpha * sinAlpha + x * x));
  const lambda = Math.atan2(sinSigma * sinA1, cosU1 * cosSigma - sinU1 * sinSigma * cosA1);
  const C = (F / 16) * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
  const L = lambda - (1 - C) * F * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
  return [lon + (L * 180) / Math.PI, (lat2 * 180) / Math.PI];
}

/** A GeoJSON Polygon approximating the geodesic circle of radius_m around lon, lat (steps vertices). */
export function geodesicCircle(lon, lat, radiusM, steps = 128) {
  const ring = [];
  for (let i = 0; i < steps; i++) ring.push(destination(lon, lat, (360 * i) / steps, radiusM));
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}
