/*
 * The facility symbols, drawn on a canvas at start-up rather than loaded as a sprite: nothing to
 * fetch, crisp at any pixel ratio, and the legend shows the very same pixels (as data: URLs, which
 * the page's img-src policy allows). Shape tells the sector (circle: medical, square: industrial,
 * diamond: irradiation, research, storage), colour and pictogram the practice.
 */
import { PRACTICES } from '../config.js';

const SIZE = 22; // CSS pixels

function shapePath(ctx, shape, c, r) {
  ctx.beginPath();
  if (shape === 'square') {
    const s = r * 0.9;
    const k = s * 0.25;
    ctx.moveTo(c - s + k, c - s);
    ctx.arcTo(c + s, c - s, c + s, c + s, k);
    ctx.arcTo(c + s, c + s, c - s, c + s, k);
    ctx.arcTo(c - s, c + s, c - s, c - s, k);
    ctx.arcTo(c - s, c - s, c + s, c - s, k);
  } else if (shape === 'diamond') {
    ctx.moveTo(c, c - r);
    ctx.lineTo(c + r, c);
    ctx.lineTo(c, c + r);
    ctx.lineTo(c - r, c);
  } else {
    ctx.arc(c, c, r, 0, 2 * Math.PI);
  }
  ctx.closePath();
}

function mark(ctx, kind, c, r) {
  ctx.fillStyle = '#fff';
  ctx.strokeStyle = '#fff';
  ctx.lineCap = 'round';
  const u = r / 10;
  switch (kind) {
    case 'cross':
      ctx.fillRect(c - 1.6 * u, c - 5.5 * u, 3.2 * u, 11 * u);
      ctx.fillRect(c - 5.5 * u, c - 1.6 * u, 11 * u, 3.2 * u);
      break;
    case 'trefoil': {
      ctx.beginPath();
      ctx.arc(c, c, 1.4 * u, 0, 2 * Math.PI);
      ctx.fill();
      for (let i = 0; i < 3; i++) {
        const a = -Math.PI / 2 + (i * 2 * Math.PI) / 3;
        ctx.beginPath();
        ctx.moveTo(c + 2.3 * u * Math.cos(a - 0.52), c + 2.3 * u * Math.sin(a - 0.52));
        ctx.arc(c, c, 6.2 * u, a - 0.52, a + 0.52);
        ctx.arc(c, c, 2.3 * u, a + 0.52, a - 0.52, true);
        ctx.closePath();
        ctx.fill();
      }
      break;
    }
    case 'target':
      ctx.lineWidth = 1.6 * u;
      ctx.beginPath();
      ctx.arc(c, c, 5 * u, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(c, c, 2 * u, 0, 2 * Math.PI);
      ctx.fill();
      break;
    case 'gauge':
      ctx.lineWidth = 1.6 * u;
      ctx.beginPath();
      ctx.arc(c, c + 2 * u, 5.5 * u, Math.PI, 2 * Math.PI);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(c, c + 2 * u);
      ctx.lineTo(c + 3.5 * u, c - 2.5 * u);
      ctx.stroke();
      break;
    case 'arrow':
      ctx.lineWidth = 1.8 * u;
      ctx.beginPath();
      ctx.moveTo(c, c - 5.5 * u);
      ctx.lineTo(c, c + 4 * u);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(c - 3.5 * u, c + 1 * u);
      ctx.lineTo(c, c + 5.5 * u);
      ctx.lineTo(c + 3.5 * u, c + 1 * u);
      ctx.closePath();
      ctx.fill();
      break;
    case 'box':
      ctx.lineWidth = 1.5 * u;
      ctx.strokeRect(c - 4.5 * u, c - 3.5 * u, 9 * u, 7 * u);
      ctx.beginPath();
      ctx.moveTo(c - 4.5 * u, c - 0.5 * u);
      ctx.lineTo(c + 4.5 * u, c - 0.5 * u);
      ctx.stroke();
      break;
    default:
      ctx.beginPath();
      ctx.arc(c, c, 2.5 * u, 0, 2 * Math.PI);
      ctx.fill();
  }
}

/** A canvas with the symbol of a practice at the given pixel ratio. */
export function drawPractice(practice, ratio = 2) {
  const p = PRACTICES.find((x) => x.key === practice) || PRACTICES[PRACTICES.length - 1];
  const px = Math.round(SIZE * ratio);
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d');
  const c = px / 2;
  const r = px / 2 - 1.5 * ratio;
  shapePath(ctx, p.shape, c, r);
  ctx.fillStyle = p.color;
  ctx.fill();
  ctx.lineWidth = 1.5 * ratio;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  mark(ctx, p.mark, c, r * 0.8);
  return canvas;
}

const urls = new Map();
/** data: URL of a practice symbol, for the legend and the panels. */
export function practiceIconUrl(practice) {
  if (!urls.has(practice)) urls.set(practice, drawPractice(practice, 2).toDataURL('image/png'));
  return urls.get(practice);
}

/** Register every practice symbol with the map as "practice-<key>". */
export function addPracticeImages(map) {
  const ratio = 2;
  for (const p of PRACTICES) {
    const canvas = drawPractice(p.key, ratio);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const name = `practice-${p.key}`;
    if (!map.hasImage(name)) map.addImage(name, data, { pixelRatio: ratio });
  }
}
