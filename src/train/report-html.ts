/**
 * The evaluation report as one self-contained HTML page: inline CSS and SVG only (loss and
 * accuracy curves, confusion-matrix heat map), no scripts, fonts or external resources, so it
 * opens offline and can be mailed as one file. Deterministic for a given report.
 */
import type { EpochRecord, EvalReport } from './train.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)} %`);
const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
}

/** A line chart of per-epoch series; x = epoch 1…n. Nulls break the line. */
export function lineChartSvg(title: string, series: Series[], opts: { yMin?: number; yMax?: number; marker?: number } = {}): string {
  const W = 420;
  const H = 240;
  const m = { l: 48, r: 12, t: 26, b: 34 };
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const vals = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let lo = opts.yMin ?? (vals.length ? Math.min(...vals) : 0);
  let hi = opts.yMax ?? (vals.length ? Math.max(...vals) : 1);
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (i: number) => m.l + (n === 1 ? (W - m.l - m.r) / 2 : (i * (W - m.l - m.r)) / (n - 1));
  const y = (v: number) => m.t + ((hi - v) * (H - m.t - m.b)) / (hi - lo);
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="t">${esc(title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="g"/>`);
    parts.push(`<text x="${m.l - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="a">${num(v)}</text>`);
  }
  const ticks = Math.min(n, 8);
  for (let k = 0; k < ticks; k++) {
    const i = ticks === 1 ? 0 : Math.round((k * (n - 1)) / (ticks - 1));
    parts.push(`<text x="${x(i).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle" class="a">${i + 1}</text>`);
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 4}" text-anchor="middle" class="a">epoch</text>`);
  if (opts.marker !== undefined && opts.marker >= 1 && opts.marker <= n) {
    const mx = x(opts.marker - 1).toFixed(1);
    parts.push(`<line x1="${mx}" x2="${mx}" y1="${m.t}" y2="${H - m.b}" class="mk"/><text x="${mx}" y="${m.t - 2}" text-anchor="${opts.marker === n && n > 1 ? 'end' : 'middle'}" class="a">best</text>`);
  }
  series.forEach((s, si) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    if (s.values.length === 1 && s.values[0] !== null) parts.push(`<circle cx="${x(0)}" cy="${y(s.values[0]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = m.t + 4 + si * 14;
    parts.push(`<rect x="${W - m.r - 110}" y="${ly}" width="10" height="3" fill="${s.color}"/><text x="${W - m.r - 96}" y="${ly + 5}" class="a">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Confusion-matrix heat map: rows = true class, columns = predicted; colour = row fraction. */
export function confusionSvg(labels: readonly string[], confusion: readonly (readonly number[])[]): string {
  const k = labels.length;
  const cell = k <= 6 ? 56 : k <= 12 ? 36 : 22;
  const left = 90;
  const top = 84;
  const W = left + k * cell + 10;
  const H = top + k * cell + 10;
  const parts: string[] = [`<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="confusion matrix">`];
  parts.push(`<text x="${left + (k * cell) / 2}" y="14" text-anchor="middle" class="t">predicted</text>`);
  parts.push(`<text x="12" y="${top + (k * cell) / 2}" text-anchor="middle" class="t" transform="rotate(-90 12 ${top + (k * cell) / 2})">true</text>`);
  labels.forEach((l, c) => {
    const cx = left + c * cell + cell / 2;
    parts.push(`<text x="${cx}" y="${top - 6}" class="a" transform="rotate(-45 ${cx} ${top - 6})">${esc(l)}</text>`);
    parts.push(`<text x="${left - 6}" y="${top + c * cell + cell / 2 + 4}" text-anchor="end" class="a">${esc(l)}</text>`);
  });
  for (let r = 0; r < k; r++) {
    const total = confusion[r].reduce((a, b) => a + b, 0);
    for (let c = 0; c < k; c++) {
      const v = confusion[r][c];
      const f = total ? v / total : 0;
      // Diagonal in blue, errors in red; intensity = fraction of the true class.
      const [R, G, B] = r === c ? [255 - 200 * f, 255 - 130 * f, 255 - 40 * f] : [255 - 30 * f, 255 - 190 * f, 255 - 190 * f];
      const fill = `rgb(${Math.round(R)},${Math.round(G)},${Math.round(B)})`;
      const x = left + c * cell;
      const y = top + r * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" class="${f > 0.6 ? 'w' : 'a'}">${v}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

function curves(h: EpochRecord[], best: number): string {
  const loss = lineChartSvg('loss (cross-entropy)', [
    { name: 'train', color: '#1f77b4', values: h.map((e) => e.loss) },
    { name: 'validation', color: '#ff7f0e', values: h.map((e) => e.valLoss) },
  ], { yMin: 0, marker: best });
  const acc = lineChartSvg('accuracy', [
    { name: 'train', color: '#1f77b4', values: h.map((e) => e.accuracy) },
    { name: 'validation', color: '#ff7f0e', values: h.map((e) => e.valAccuracy) },
  ], { yMin: 0, yMax: 1, marker: best });
  return loss + acc;
}

export const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:960px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}th:first-child,td:first-child{text-align:left}
.verdict{padding:.8em 1em;border-left:5px solid #888;background:#f6f6f6}.v-good-fit{border-color:#2a9d3a}.v-mild-overfit{border-color:#e0a000}.v-overfit,.v-underfit{border-color:#d62728}
svg{margin:.3em .6em .3em 0;vertical-align:top}svg .t{font-size:13px;font-weight:600}svg .a{font-size:11px;fill:#333}svg .w{font-size:11px;fill:#fff}svg .g{stroke:#e5e5e5}svg .mk{stroke:#999;stroke-dasharray:3 3}`;

/** One self-contained HTML page for an evaluation report. */
export function reportHtml(report: EvalReport, title = 'tinyforge training report'): string {
  const r = report;
  const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('');
  const perClass = r.metrics.perClass
    .map((c) => `<tr><td>${esc(c.label)}</td><td>${pct(c.precision)}</td><td>${pct(c.recall)}</td><td>${pct(c.f1)}</td><td>${c.support}</td></tr>`)
    .join('');
  const t = r.training;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head><body>
<h1>${esc(title)}</h1>
<p>${esc(`${t.preset} model, ${t.optimizer} (learning rate ${t.learningRate}), batch ${t.batchSize}, ${t.epochsRun} of ${t.epochsRequested} epochs${t.stoppedEarly ? ' (stopped early)' : ''}, best epoch ${t.bestEpoch}, seed ${t.seed}, backend ${r.backend}, tinyforge ${r.tinyforgeVersion}.`)}</p>
<p>${esc(!r.frontEnd || r.frontEnd.block === 'raw' ? 'Front-end: raw windows (normalised per axis).' : `Front-end: ${r.frontEnd.block} block, ${r.frontEnd.features} integer features per window (${Object.entries(r.frontEnd.params).filter(([k]) => k !== 'inputScale').map(([k, v]) => `${k} ${String(v)}`).join(', ')}), computed identically on the host and the board (docs/features.md).`)}</p>
<h2>Does it generalise?</h2>
<table><tr><th>split</th><th>windows</th><th>accuracy</th><th>groups</th></tr>
<tr><td>train</td><td>${r.data.counts.train}</td><td>${pct(r.accuracy.train)}</td><td>${esc(r.data.groups.train.join(', '))}</td></tr>
<tr><td>validation</td><td>${r.data.counts.val}</td><td>${pct(r.accuracy.val)}</td><td>${esc(r.data.groups.val.join(', '))}</td></tr>
<tr><td>test</td><td>${r.data.counts.test}</td><td>${pct(r.accuracy.test)}</td><td>${esc(r.data.groups.test.join(', '))}</td></tr></table>
${(r.data.split?.warnings ?? []).map((w) => `<p class="verdict v-overfit"><b>warning</b> — ${esc(w)}</p>`).join('')}
<p class="verdict v-${esc(r.verdict.kind)}"><b>${esc(r.verdict.kind.replace('-', ' '))}</b> — ${esc(r.verdict.text)}</p>
<h2>Learning curves</h2>
${curves(r.history, t.bestEpoch)}
<h2>Confusion matrix (${esc(r.evaluatedOn)} set, ${r.metrics.count} windows)</h2>
${confusionSvg(r.labels, r.metrics.confusion)}
<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>windows</th></tr>${perClass}
<tr><td><b>macro F1</b></td><td></td><td></td><td>${pct(r.metrics.macroF1)}</td><td>${r.metrics.count}</td></tr></table>
<h2>Model size (int8 estimates)</h2>
<table>${rows([
    ['parameters', String(r.size.params)],
    ['multiply-accumulates per inference', String(r.size.macs)],
    ['flash for the model (weights, biases, quantisation parameters)', kb(r.size.flashBytes)],
    ['RAM for activations (largest layer input + output)', kb(r.size.ramBytes)],
  ])}</table>
<p>Training windows per class: ${esc(r.labels.map((l, i) => `${l} ${r.data.trainPerClass[i]}`).join(', '))}${t.classWeights ? esc(`; class weights ${t.classWeights.map((w) => w.toFixed(2)).join(', ')}`) : ''}${t.augment ? esc(`; augmented with ${Object.entries(t.augment).map(([k, v]) => `${k} ${v}`).join(', ')}`) : ''}.</p>
</body></html>
`;
}
