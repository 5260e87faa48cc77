/*
 * A small SVG chart for the dashboard, drawn with DOM calls (no chart library, nothing the
 * Content-Security-Policy would refuse): one stacked bar per category (month) of the series'
 * counts against the left axis, and a line of a 0..1 rate against the right axis in percent.
 * Each bar and point carries a <title>, which browsers show as a tooltip.
 */
import { formatNumber } from '../i18n.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/* A "nice" upper bound and step for an axis from 0 to max with about `ticks` steps. */
function niceScale(max, ticks = 5) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { top: Math.ceil(max / step) * step, step };
}

/**
 * Build the chart. data: [{label, title, values: {key: n}, rate: 0..1 | null}], series:
 * [{key, label, color}] stacked bottom-up, rateLabel: legend text of the line. Answers an <svg>
 * that scales to its container's width.
 */
export function stackedBarRateChart({ data, series, rateLabel, rateColor = '#1f6fb4', id }) {
  const W = 760, H = 300, m = { top: 16, right: 48, bottom: 56, left: 44 };
  const iw = W - m.left - m.right, ih = H - m.top - m.bottom;
  const totals = data.map((d) => series.reduce((s, x) => s + (d.values[x.key] || 0), 0));
  const { top, step } = niceScale(Math.max(0, ...totals));
  const y = (v) => m.top + ih - (v / top) * ih;
  const yr = (r) => m.top + ih - r * ih;
  const band = data.length ? iw / data.length : iw;
  const bw = Math.min(48, band * 0.62);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', id, preserveAspectRatio: 'xMidYMid meet' });

  // Grid and the left axis (counts), the right axis (rate).
  for (let v = 0; v <= top + 1e-9; v += step) {
    root.append(svg('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: 'chart-grid' }),
      svg('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-tick' }, formatNumber(v)));
  }
  for (const r of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg('text', { x: W - m.right + 6, y: yr(r) + 4, class: 'chart-tick chart-tick-rate' }, `${formatNumber(r * 100)}%`));
  }

  // Bars.
  data.forEach((d, i) => {
    const x = m.left + band * i + (band - bw) / 2;
    let acc = 0;
    const g = svg('g', { class: 'chart-bar', 'data-label': d.label },
      svg('title', null, [d.title || d.label, ...series.map((s) => `${s.label}: ${formatNumber(d.values[s.key] || 0)}`)].join('\n')));
    for (const s of series) {
      const v = d.values[s.key] || 0;
      if (v > 0) g.append(svg('rect', { x, y: y(acc + v), width: bw, height: Math.max(0.5, y(acc) - y(acc + v)), fill: s.color }));
      acc += v;
    }
    root.append(g, svg('text', { x: x + bw / 2, y: H - m.bottom + 16, 'text-anchor': 'middle', class: 'chart-label' }, d.label));
  });

  // The rate line, broken where a month has no rate (nothing resolved).
  let path = '';
  let pen = 'M';
  data.forEach((d, i) => {
    if (d.rate === null || d.rate === undefined) { pen = 'M'; return; }
    path += `${pen}${(m.left + band * i + band / 2).toFixed(1)},${yr(d.rate).toFixed(1)}`;
    pen = 'L';
  });
  if (path) root.append(svg('path', { d: path, class: 'chart-line', stroke: rateColor }));
  data.forEach((d, i) => {
    if (d.rate === null || d.rate === undefined) return;
    const cx = m.left + band * i + band / 2;
    root.append(svg('circle', { cx, cy: yr(d.rate), r: 4, fill: rateColor, class: 'chart-point', 'data-rate': d.rate },
      svg('title', null, `${d.title || d.label} · ${rateLabel}: ${formatNumber(d.rate * 100, 1)}%`)));
  });

  // Legend.
  let lx = m.left;
  const ly = H - 14;
  for (const s of [...series, { label: rateLabel, color: rateColor, line: true }]) {
    root.append(s.line
      ? svg('line', { x1: lx, x2: lx + 16, y1: ly - 4, y2: ly - 4, stroke: s.color, 'stroke-width': 3 })
      : svg('rect', { x: lx, y: ly - 10, width: 12, height: 12, fill: s.color }));
    const label = svg('text', { x: lx + 20, y: ly, class: 'chart-legend' }, s.label);
    root.append(label);
    lx += 30 + s.label.length * 7;
  }
  return root;
}
