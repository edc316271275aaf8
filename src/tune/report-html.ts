/**
 * The search's results as one self-contained HTML page, like the training report (inline CSS and
 * SVG, no scripts or external resources): a scatter plot of validation int8 accuracy against
 * latency (every trained trial; the Pareto front highlighted and joined), the front with its test
 * accuracy, and every trial. Deterministic for a given report.
 */
import { CSS } from '../train/report-html.js';
import type { Budget } from './budget.js';
import { describeCandidate } from './arch.js';
import type { TrialRecord } from './search.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)} %`);

/** What the page needs of a TuneReport. */
export interface TuneReportView {
  /** The search folder (for the `run --trial` hint). */
  out?: string;
  budget: Budget & { description: string };
  executor: string;
  counts: { candidates: number; trained: number; rejected: number; failed: number };
  rejectedShare: number;
  best: TrialRecord | null;
  front: TrialRecord[];
  trials: TrialRecord[];
}

/** Scatter of accuracy (y) against latency in ms (x, log scale), front points in red joined by a step line. */
export function scatterSvg(trials: readonly TrialRecord[], front: readonly TrialRecord[], budget: Pick<Budget, 'maxLatencyMs'>): string {
  const W = 640;
  const H = 380;
  const m = { l: 56, r: 16, t: 28, b: 44 };
  const pts = trials.filter((t) => t.status === 'done' && t.figures && t.accuracy);
  const frontIds = new Set(front.map((f) => f.id));
  const lat = pts.map((p) => p.figures!.latencyMs);
  let lo = Math.log10(Math.max(1e-4, Math.min(...lat, budget.maxLatencyMs ?? Infinity) * 0.8));
  let hi = Math.log10(Math.max(...lat, 1e-3) * 1.25);
  if (!pts.length) [lo, hi] = [-2, 1];
  const accs = pts.map((p) => p.accuracy!.val.int8);
  const yLo = Math.max(0, Math.floor((Math.min(...accs, 1) - 0.05) * 10) / 10);
  const x = (ms: number) => m.l + ((Math.log10(ms) - lo) * (W - m.l - m.r)) / (hi - lo);
  const y = (a: number) => m.t + ((1 - a) * (H - m.t - m.b)) / (1 - yLo);
  const p: string[] = [`<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="validation int8 accuracy against latency">`];
  p.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="t">validation int8 accuracy vs latency: ${pts.length} trained trials, Pareto front in red</text>`);
  for (let k = 0; k <= 5; k++) {
    const a = yLo + ((1 - yLo) * k) / 5;
    p.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(a).toFixed(1)}" y2="${y(a).toFixed(1)}" class="g"/><text x="${m.l - 4}" y="${(y(a) + 4).toFixed(1)}" text-anchor="end" class="a">${(100 * a).toFixed(0)} %</text>`);
  }
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const f of [1, 2, 5]) {
      const v = f * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      p.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${m.t}" y2="${H - m.b}" class="g"/><text x="${x(v).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle" class="a">${v >= 1 ? v.toFixed(0) : v.toPrecision(1)}</text>`);
    }
  }
  p.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle" class="a">latency per inference, ms (log scale)</text>`);
  if (budget.maxLatencyMs !== null && Math.log10(budget.maxLatencyMs) <= hi) {
    const bx = x(budget.maxLatencyMs).toFixed(1);
    p.push(`<line x1="${bx}" x2="${bx}" y1="${m.t}" y2="${H - m.b}" class="mk"/><text x="${bx}" y="${m.t - 2}" text-anchor="middle" class="a">budget</text>`);
  }
  const fr = [...front].filter((f) => f.figures && f.accuracy).sort((a, b) => a.figures!.latencyMs - b.figures!.latencyMs || b.accuracy!.val.int8 - a.accuracy!.val.int8);
  // The line: the front in this plane (accuracy × latency); the red points: the 4-objective front.
  let top = -1;
  const plane = fr.filter((f) => (f.accuracy!.val.int8 > top ? ((top = f.accuracy!.val.int8), true) : false));
  if (plane.length > 1) {
    let d = '';
    plane.forEach((f, i) => {
      const fx = x(f.figures!.latencyMs).toFixed(1);
      const fy = y(f.accuracy!.val.int8).toFixed(1);
      d += i === 0 ? `M${fx},${fy}` : `H${fx}V${fy}`;
    });
    p.push(`<path d="${d}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  }
  for (const t of pts.filter((q) => !frontIds.has(q.id))) {
    p.push(`<circle cx="${x(t.figures!.latencyMs).toFixed(1)}" cy="${y(t.accuracy!.val.int8).toFixed(1)}" r="4" fill="#9aa5b1" fill-opacity="0.75"><title>${esc(`#${t.id} ${describeCandidate(t.candidate)}`)}</title></circle>`);
  }
  for (const t of fr) {
    const cx = x(t.figures!.latencyMs).toFixed(1);
    const cy = y(t.accuracy!.val.int8).toFixed(1);
    p.push(`<circle cx="${cx}" cy="${cy}" r="6" fill="#d62728"><title>${esc(`#${t.id} ${describeCandidate(t.candidate)}`)}</title></circle><text x="${cx}" y="${(Number(cy) - 9).toFixed(1)}" text-anchor="middle" class="a">#${t.id}</text>`);
  }
  p.push('</svg>');
  return p.join('');
}

function row(t: TrialRecord, test: boolean): string {
  const f = t.figures;
  const cells = [
    `#${t.id}`,
    `<span class="c">${esc(describeCandidate(t.candidate))}</span>`,
    esc(t.status + (t.reason ? `: ${t.reason}` : '')),
    t.epochsRun !== undefined ? `${t.epochsRun}/${t.epochs}` : '–',
    pct(t.accuracy?.val.float),
    pct(t.accuracy?.val.int8),
    ...(test ? [pct(t.accuracy?.test?.float), pct(t.accuracy?.test?.int8)] : []),
    f ? String(f.instructions) : '–',
    f ? f.latencyMs.toFixed(2) : '–',
    f ? String(f.arena) : '–',
    f ? String(f.ram) : '–',
    f ? String(f.flash) : '–',
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

export function tuneReportHtml(r: TuneReportView, title = 'tinyforge tune report'): string {
  const head = (test: boolean) =>
    `<tr><th>trial</th><th>candidate</th><th>status</th><th>epochs</th><th>val float</th><th>val int8</th>${test ? '<th>test float</th><th>test int8</th>' : ''}<th>instructions</th><th>ms</th><th>arena B</th><th>RAM B</th><th>flash B</th></tr>`;
  const c = r.counts;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}
td{white-space:nowrap}td:nth-child(2),th:nth-child(2){text-align:left}table{font-size:12px}td,th{padding:3px 6px}</style></head><body>
<h1>${esc(title)}</h1>
<p>${esc(`Budget ${r.budget.description}. ${c.candidates} candidates proposed: ${c.rejected} rejected before training (${(100 * r.rejectedShare).toFixed(0)} %), ${c.trained} trained, ${c.failed} failed; ${r.executor}.`)}</p>
<p>${esc('Every candidate was measured before training on the virtual board (Cortex-M4, native engine with the quantisation values kept out of the code, placeholder weights) and rejected at once if over budget; trained trials were measured again (the figures shown: arena, RAM and flash as predicted). Red points: the Pareto front over int8 accuracy × latency × RAM × flash; dashed line: the front in this plane. Trials were chosen on validation accuracy only; test accuracy is shown for the front and never used to choose.')}</p>
${r.best ? `<p><b>Best on validation:</b> ${esc(`#${r.best.id} ${describeCandidate(r.best.candidate)} — int8 ${pct(r.best.accuracy?.val.int8)}, ${r.best.figures?.instructions} instructions (${r.best.figures?.latencyMs.toFixed(2)} ms), arena ${r.best.figures?.arena} B, flash ${r.best.figures?.flash} B`)}. Take it to the board: <code>${esc(`tinyforge run --trial ${r.out ?? 'DIR'}#${r.best.id}`)}</code></p>` : ''}
<h2>Accuracy against latency</h2>
${scatterSvg(r.trials, r.front, r.budget)}
<h2>Pareto front (int8 accuracy × latency × RAM × flash)</h2>
<table>${head(true)}${r.front.map((t) => row(t, true)).join('')}</table>
<h2>Every trial</h2>
<table>${head(false)}${r.trials.map((t) => row(t, false)).join('')}</table>
</body></html>
`;
}
