/*
 * VN-2000 plane coordinates (TM-3 zones) from WGS 84 longitude/latitude, and back, computed in the
 * browser so the cursor read-out needs no round trip.
 *
 * The pipeline is the one PROJ prints for EPSG:4326 -> EPSG:9210 and that the server pins
 * (EPSG:6960, "VN-2000 to WGS 84 (2)", Decision 05/2007/QĐ-BTNMT); PROJ's automatic choice would
 * switch to EPSG:5194 south of 11.04°N and jump by about 0.8 m inside the city:
 *   geographic WGS 84 -> geocentric (WGS 84 ellipsoid, height 0)
 *   -> inverse 7-parameter Helmert, coordinate-frame rotation convention
 *   -> geographic VN-2000 (VN-2000 uses the WGS 84 ellipsoid; the height is dropped, as PROJ's
 *      push/pop of the third coordinate does)
 *   -> Transverse Mercator, k0 = 0.9999, false easting 500 000 m, no false northing.
 * The Transverse Mercator is Krüger's series to n^6 (Karney 2011), accurate to well under a
 * millimetre across a 3° zone, so the result agrees with PROJ (cs2cs/cct) to the millimetre.
 * Checked against PROJ by tests/web/run.mjs.
 *
 * Vietnamese surveyors write X for the northing and Y for the easting: the functions return both
 * names ({x: northing, y: easting}) so the display can follow that convention unambiguously.
 */

const A = 6378137.0;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const E = Math.sqrt(E2);
const K0 = 0.9999;
const FE = 500000;

/* EPSG:6960 VN-2000 -> WGS 84, coordinate frame rotation. */
const ARCSEC = Math.PI / (180 * 3600);
export const VN2000_TO_WGS84 = Object.freeze({
  tx: -191.90441429, ty: -39.30318279, tz: -111.45032835,
  rx: -0.00928836, ry: 0.01975479, rz: -0.00427372, // arc-seconds
  ds: 0.252906278, // ppm
});

/* TM-3 zones of VN-2000 with their EPSG codes: national zones and the provincial ones. */
export const TM3_ZONES = Object.freeze([
  { epsg: 5896, lon0: 102 }, { epsg: 9205, lon0: 103 }, { epsg: 9206, lon0: 104 },
  { epsg: 9207, lon0: 104.5 }, { epsg: 9208, lon0: 104.75 }, { epsg: 5897, lon0: 105 },
  { epsg: 9209, lon0: 105.5 }, { epsg: 9210, lon0: 105.75 }, { epsg: 9211, lon0: 106 },
  { epsg: 9212, lon0: 106.25 }, { epsg: 9213, lon0: 106.5 }, { epsg: 9214, lon0: 107 },
  { epsg: 9215, lon0: 107.25 }, { epsg: 9216, lon0: 107.5 }, { epsg: 5899, lon0: 107.75 },
  { epsg: 5898, lon0: 108 }, { epsg: 9217, lon0: 108.25 }, { epsg: 9218, lon0: 108.5 },
]);
export const DEFAULT_ZONE = 9210; // 105°45': Ho Chi Minh City and the former Bình Dương

/** "105°45′" for a central meridian in degrees. */
export function formatMeridian(lon0) {
  const d = Math.floor(lon0);
  const m = Math.round((lon0 - d) * 60);
  return `${d}°${String(m).padStart(2, '0')}′`;
}

export function zoneByEpsg(epsg) {
  return TM3_ZONES.find((z) => z.epsg === Number(epsg)) || null;
}

/* ---- Helmert between the two geocentric frames ---------------------------------------------- */

function rotation() {
  const p = VN2000_TO_WGS84;
  const rx = p.rx * ARCSEC, ry = p.ry * ARCSEC, rz = p.rz * ARCSEC;
  // Coordinate frame convention (EPSG method 9607), small-angle matrix as PROJ builds it.
  return [
    [1, rz, -ry],
    [-rz, 1, rx],
    [ry, -rx, 1],
  ];
}
const R = rotation();
const SCALE = 1 + VN2000_TO_WGS84.ds * 1e-6;

function helmertForward([x, y, z]) { // VN-2000 -> WGS 84
  const p = VN2000_TO_WGS84;
  return [
    SCALE * (R[0][0] * x + R[0][1] * y + R[0][2] * z) + p.tx,
    SCALE * (R[1][0] * x + R[1][1] * y + R[1][2] * z) + p.ty,
    SCALE * (R[2][0] * x + R[2][1] * y + R[2][2] * z) + p.tz,
  ];
}

function helmertInverse([x, y, z]) { // WGS 84 -> VN-2000 (transpose, as PROJ's +inv does)
  const p = VN2000_TO_WGS84;
  const dx = x - p.tx, dy = y - p.ty, dz = z - p.tz;
  return [
    (R[0][0] * dx + R[1][0] * dy + R[2][0] * dz) / SCALE,
    (R[0][1] * dx + R[1][1] * dy + R[2][1] * dz) / SCALE,
    (R[0][2] * dx + R[1][2] * dy + R[2][2] * dz) / SCALE,
  ];
}

/* ---- geographic <-> geocentric on the WGS 84 ellipsoid -------------------------------------- */

function toCartesian(lonDeg, latDeg, h = 0) {
  const lam = (lonDeg * Math.PI) / 180, phi = (latDeg * Math.PI) / 180;
  const s = Math.sin(phi), c = Math.cos(phi);
  const n = A / Math.sqrt(1 - E2 * s * s);
  return [(n + h) * c * Math.cos(lam), (n + h) * c * Math.sin(lam), (n * (1 - E2) + h) * s];
}

function toGeographic([x, y, z]) {
  const p = Math.hypot(x, y);
  const lam = Math.atan2(y, x);
  let phi = Math.atan2(z, p * (1 - E2));
  for (let i = 0; i < 8; i++) {
    const s = Math.sin(phi);
    const n = A / Math.sqrt(1 - E2 * s * s);
    const h = p / Math.cos(phi) - n;
    const next = Math.atan2(z, p * (1 - (E2 * n) / (n + h)));
    if (Math.abs(next - phi) < 1e-15) { phi = next; break; }
    phi = next;
  }
  return [(lam * 180) / Math.PI, (phi * 180) / Math.PI];
}

/* ---- Transverse Mercator, Krüger series to n^6 ----------------------------------------------- */

const N = F / (2 - F);
const N2 = N * N, N3 = N2 * N, N4 = N3 * N, N5 = N4 * N, N6 = N5 * N;
const RECT = (A / (1 + N)) * (1 + N2 / 4 + N4 / 64 + N6 / 256);
const ALPHA = [
  N / 2 - (2 / 3) * N2 + (5 / 16) * N3 + (41 / 180) * N4 - (127 / 288) * N5 + (7891 / 37800) * N6,
  (13 / 48) * N2 - (3 / 5) * N3 + (557 / 1440) * N4 + (281 / 630) * N5 - (1983433 / 1935360) * N6,
  (61 / 240) * N3 - (103 / 140) * N4 + (15061 / 26880) * N5 + (167603 / 181440) * N6,
  (49561 / 161280) * N4 - (179 / 168) * N5 + (6601661 / 7257600) * N6,
  (34729 / 80640) * N5 - (3418889 / 1995840) * N6,
  (212378941 / 319334400) * N6,
];
const BETA = [
  N / 2 - (2 / 3) * N2 + (37 / 96) * N3 - (1 / 360) * N4 - (81 / 512) * N5 + (96199 / 604800) * N6,
  (1 / 48) * N2 + (1 / 15) * N3 - (437 / 1440) * N4 + (46 / 105) * N5 - (1118711 / 3870720) * N6,
  (17 / 480) * N3 - (37 / 840) * N4 - (209 / 4480) * N5 + (5569 / 90720) * N6,
  (4397 / 161280) * N4 - (11 / 504) * N5 - (830251 / 7257600) * N6,
  (4583 / 161280) * N5 - (108847 / 3991680) * N6,
  (20648693 / 638668800) * N6,
];

function tmForward(lonDeg, latDeg, lon0) {
  const phi = (latDeg * Math.PI) / 180;
  const lam = ((lonDeg - lon0) * Math.PI) / 180;
  const sphi = Math.sin(phi);
  const t = Math.sinh(Math.atanh(sphi) - E * Math.atanh(E * sphi));
  const xi1 = Math.atan2(t, Math.cos(lam));
  const eta1 = Math.atanh(Math.sin(lam) / Math.sqrt(1 + t * t));
  let xi = xi1, eta = eta1;
  for (let j = 1; j <= 6; j++) {
    xi += ALPHA[j - 1] * Math.sin(2 * j * xi1) * Math.cosh(2 * j * eta1);
    eta += ALPHA[j - 1] * Math.cos(2 * j * xi1) * Math.sinh(2 * j * eta1);
  }
  return { easting: FE + K0 * RECT * eta, northing: K0 * RECT * xi };
}

function tmInverse(northing, easting, lon0) {
  const xi = northing / (K0 * RECT);
  const eta = (easting - FE) / (K0 * RECT);
  let xi1 = xi, eta1 = eta;
  for (let j = 1; j <= 6; j++) {
    xi1 -= BETA[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    eta1 -= BETA[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
  }
  const tau1 = Math.sin(xi1) / Math.sqrt(Math.sinh(eta1) ** 2 + Math.cos(xi1) ** 2);
  const lam = Math.atan2(Math.sinh(eta1), Math.cos(xi1));
  // Conformal to geodetic latitude by Newton's method (Karney 2011, eq. 19-21).
  let tau = tau1;
  for (let i = 0; i < 6; i++) {
    const sigma = Math.sinh(E * Math.atanh((E * tau) / Math.sqrt(1 + tau * tau)));
    const taui = tau * Math.sqrt(1 + sigma * sigma) - sigma * Math.sqrt(1 + tau * tau);
    const d = ((tau1 - taui) / Math.sqrt(1 + taui * taui)) *
      ((1 + (1 - E2) * tau * tau) / ((1 - E2) * Math.sqrt(1 + tau * tau)));
    tau += d;
    if (Math.abs(d) < 1e-14) break;
  }
  return { lon: lon0 + (lam * 180) / Math.PI, lat: (Math.atan(tau) * 180) / Math.PI };
}

/* ---- public ---------------------------------------------------------------------------------- */

/** VN-2000 geographic coordinates of a WGS 84 position (degrees). */
export function wgs84ToVn2000Geographic(lon, lat) {
  const [vlon, vlat] = toGeographic(helmertInverse(toCartesian(lon, lat)));
  return { lon: vlon, lat: vlat };
}

/** WGS 84 position of VN-2000 geographic coordinates (degrees). */
export function vn2000GeographicToWgs84(lon, lat) {
  const [wlon, wlat] = toGeographic(helmertForward(toCartesian(lon, lat)));
  return { lon: wlon, lat: wlat };
}

/**
 * VN-2000 TM-3 plane coordinates of a WGS 84 position.
 * @param {number} lon WGS 84 longitude, degrees
 * @param {number} lat WGS 84 latitude, degrees
 * @param {number} lon0 central meridian of the zone, degrees (105.75 for EPSG:9210)
 * @returns {{x:number,y:number,northing:number,easting:number}} metres; x = northing, y = easting
 */
export function wgs84ToVn2000TM(lon, lat, lon0) {
  const g = wgs84ToVn2000Geographic(lon, lat);
  const { easting, northing } = tmForward(g.lon, g.lat, lon0);
  return { x: northing, y: easting, northing, easting };
}

/** WGS 84 longitude/latitude of VN-2000 TM-3 plane coordinates (x = northing, y = easting). */
export function vn2000TMToWgs84(northing, easting, lon0) {
  const g = tmInverse(northing, easting, lon0);
  return vn2000GeographicToWgs84(g.lon, g.lat);
}
