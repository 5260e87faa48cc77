#!/usr/bin/env node
/*
 * Writes the SDF glyph ranges MapLibre asks for (<out>/<start>-<end>.pbf, 256 code points each,
 * the whole Basic Multilingual Plane so no range is ever missing) from a TrueType font, with
 * fontnik (the generator of the Mapbox/MapLibre glyph format; its npm package ships the native
 * module prebuilt, so this runs with no network). Usage: glyphs.mjs FONT.ttf OUTDIR
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const fontnik = require('fontnik');

const [font, out] = process.argv.slice(2);
if (!font || !out) {
  console.error('usage: glyphs.mjs FONT.ttf OUTDIR');
  process.exit(2);
}
const data = readFileSync(font);
mkdirSync(out, { recursive: true });

const range = (start) => new Promise((resolve, reject) => {
  fontnik.range({ font: data, start, end: start + 255 }, (err, pbf) => (err ? reject(err) : resolve(pbf)));
});

const starts = [];
for (let s = 0; s < 65536; s += 256) starts.push(s);
// A few at a time: the native module works off the main thread.
for (let i = 0; i < starts.length; i += 8) {
  const batch = starts.slice(i, i + 8);
  const pbfs = await Promise.all(batch.map(range));
  batch.forEach((s, k) => writeFileSync(join(out, `${s}-${s + 255}.pbf`), pbfs[k]));
}
