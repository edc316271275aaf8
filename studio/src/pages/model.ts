/**
 * Model page: the training report (curves, confusion matrix, verdict), what int8 costs, the
 * board verification, and per-layer quantisation diagnostics (computed by the server on demand).
 */
import uPlot from 'uplot';
import { api } from '../api.js';
import { bytes, clear, h, pct, table } from '../dom.js';

interface Epoch { epoch: number; loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null }
interface Training {
  labels: string[];
  history: Epoch[];
  accuracy: { train: number; val: number | null; test: number | null };
  evaluatedOn: string;
  metrics: { confusion: number[][]; accuracy: number; perClass: { label: string; precision: number; recall: number; f1: number; support: number }[] };
  verdict: { kind: string; text: string };
  size?: { params?: number };
}
interface Int8 { examples: number; floatAccuracy: number | null; int8Accuracy: number | null; accuracyCost: number | null; agreement: number; maxAbsError: number; meanAbsError: number }
interface Verify { ok: boolean; n: number; bitExact: number; maxLsbDiff: number; counterKind: string; counter: { mean: number } | null; micros: { mean: number }; arena: { used: number; capacity: number }; flashUsed: number; ramUsed: number; board: string; engine: string; accuracy?: { device: number }; energy?: { mcu: string; microjoulesPerInference: number } }
interface Page { dir: string | null; training: Training | null; int8: Int8 | null; tfliteBytes: number | null; verify: Verify | null; missing: string[] }
interface Layer { name: string; op: string; shape: number[]; sqnrDb: number | null; maxAbsError: number; meanAbsError: number; saturationRate: number }
interface Diag { int8: Int8; perLayer: { windows: number; tensors: Layer[]; unmatched: string[] } }
interface DiagProgress { computing: true; progress: { phase: string; done: number; total: number } }
const PHASES: Record<string, string> = { loading: 'loading the model', quantising: 'quantising', evaluating: 'float vs int8 over the held-out windows', 'per-layer': 'per layer:' };
/** A layer whose SQNR is below this is painted red (the legend says so). */
const SQNR_RED_DB = 20;
/** A layer with more than this share of saturated values is painted amber. */
const SATURATION_AMBER = 0.01;

/** "int8 costs 1.20 points" / "int8 gains 0.35 points" / "int8 costs nothing": never a negative cost. */
export function int8CostText(cost: number | null): string {
  if (cost === null) return 'int8 cost n/a';
  const pts = Math.abs(100 * cost).toFixed(2);
  if (pts === '0.00') return 'int8 costs nothing';
  return cost > 0 ? `int8 costs ${pts} points` : `int8 gains ${pts} points`;
}

export function modelPage(root: HTMLElement): () => void {
  const plots: uPlot[] = [];
  const trainEl = h('section', { id: 'training' }, h('h2', {}, 'Training'), h('p', { class: 'muted' }, 'loading…'));
  const qEl = h('section', { id: 'int8' }, h('h2', {}, 'int8 cost and verification'));
  const layerEl = h('section', { id: 'per-layer' }, h('h2', {}, 'Per-layer quantisation diagnostics'), h('p', { class: 'muted' }, 'computing (runs the float and the int8 model over the held-out windows)…'));
  root.append(trainEl, qEl, layerEl);

  void api<Page>('GET', '/api/model').then((p) => {
    clear(trainEl);
    trainEl.appendChild(h('h2', {}, 'Training'));
    for (const m of p.missing) trainEl.appendChild(h('p', { class: 'warn' }, `missing: ${m}`));
    const t = p.training;
    if (t) {
      trainEl.appendChild(h('p', { id: 'verdict', class: t.verdict.kind === 'good-fit' ? 'ok' : 'warn' }, h('b', {}, t.verdict.kind), ' — ', t.verdict.text));
      const row = h('div', { class: 'row' });
      trainEl.appendChild(row);
      const ep = t.history.map((e) => e.epoch);
      const curve = (title: string, a: (number | null)[], b: (number | null)[], la: string, lb: string) => {
        const el = h('div', { class: 'curve' }, h('div', { class: 'muted' }, title));
        row.appendChild(el);
        plots.push(new uPlot({ width: 360, height: 200, scales: { x: { time: false } }, series: [{ label: 'epoch' }, { label: la, stroke: '#2563eb' }, { label: lb, stroke: '#dc2626' }], legend: { live: false } }, [ep, a, b], el));
      };
      curve('loss', t.history.map((e) => e.loss), t.history.map((e) => e.valLoss), 'train', 'validation');
      curve('accuracy', t.history.map((e) => e.accuracy), t.history.map((e) => e.valAccuracy), 'train', 'validation');
      const cm = t.metrics.confusion;
      const max = Math.max(1, ...cm.flat());
      const cmTable = table(['true \\ predicted', ...t.labels], cm.map((r, i) => [h('b', {}, t.labels[i]), ...r.map((v) => {
        const s = h('span', {}, v);
        return s;
      })]), { class: 'cm', id: 'confusion' });
      cmTable.querySelectorAll('tbody tr').forEach((tr, i) => tr.querySelectorAll('td').forEach((td, j) => {
        if (j === 0) return;
        const v = cm[i][j - 1];
        td.style.background = `rgba(${i === j - 1 ? '37,99,235' : '220,38,38'},${(0.08 + 0.7 * v / max).toFixed(2)})`;
        if (v === 0) td.style.background = '';
      }));
      row.appendChild(h('div', {}, h('div', { class: 'muted' }, `confusion matrix (${t.evaluatedOn}, accuracy ${pct(t.metrics.accuracy)})`), cmTable));
      trainEl.appendChild(h('p', { class: 'muted' }, `accuracy: train ${pct(t.accuracy.train)}, validation ${pct(t.accuracy.val)}, test ${pct(t.accuracy.test)}`));
    }
    clear(qEl);
    qEl.appendChild(h('h2', {}, 'int8 cost and verification'));
    const rows: [string, string][] = [];
    if (p.int8) rows.push(['float → int8 accuracy', `${pct(p.int8.floatAccuracy)} → ${pct(p.int8.int8Accuracy)} (${int8CostText(p.int8.accuracyCost)}; agreement ${pct(p.int8.agreement)} over ${p.int8.examples} windows)`]);
    if (p.tfliteBytes !== null) rows.push(['.tflite', bytes(p.tfliteBytes)]);
    const v = p.verify;
    if (v) {
      rows.push(
        ['verified on', `${v.board}, ${v.engine} engine`],
        ['bit-exact', `${v.bitExact}/${v.n} (max diff ${v.maxLsbDiff} LSB) ${v.ok ? '✓' : '✗'}`],
        ['latency', `${(v.micros.mean / 1000).toFixed(2)} ms${v.counter ? `, ${Math.round(v.counter.mean).toLocaleString('en')} ${v.counterKind}/inference` : ''}${v.energy ? `, ≈${v.energy.microjoulesPerInference.toFixed(1)} µJ (estimate, ${v.energy.mcu})` : ''}`],
        ['arena', `${bytes(v.arena.used)} of ${bytes(v.arena.capacity)}`],
        ['flash / RAM', `${bytes(v.flashUsed)} / ${bytes(v.ramUsed)}`],
      );
    }
    qEl.appendChild(rows.length ? table(['', ''], rows, { class: 'kv', id: 'verify' }) : h('p', { class: 'muted' }, 'no pipeline.json (int8 cost and verify results come from tinyforge demo / run)'));
  }).catch((e: Error) => trainEl.appendChild(h('p', { class: 'error' }, e.message)));

  // The server computes the diagnostics in a worker (cached per model); until then it answers
  // { computing, progress }, shown as a progress bar and asked again.
  const bar = h('progress', { id: 'per-layer-progress', max: '1', value: '0' }) as HTMLProgressElement;
  const phaseEl = h('span', { class: 'muted' }, ' starting…');
  layerEl.append(bar, phaseEl);
  let stopped = false;
  const poll = (): void => {
    void api<Diag | DiagProgress>('GET', '/api/model/diagnostics').then((d) => {
      if (stopped) return;
      if ('computing' in d) {
        const p = d.progress;
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        phaseEl.textContent = ` ${PHASES[p.phase] ?? p.phase}${p.phase === 'per-layer' ? ` ${p.done} of ${p.total} windows` : '…'}`;
        setTimeout(poll, 500);
        return;
      }
      showDiagnostics(d);
    }).catch((e: Error) => {
      clear(layerEl);
      layerEl.append(h('h2', {}, 'Per-layer quantisation diagnostics'), h('p', { class: 'muted' }, e.message));
    });
  };
  const showDiagnostics = (d: Diag): void => {
    clear(layerEl);
    layerEl.appendChild(h('h2', {}, 'Per-layer quantisation diagnostics'));
    layerEl.appendChild(h('p', { class: 'muted' }, `each tensor's float activation vs its dequantised int8 counterpart over ${d.perLayer.windows} held-out windows; errors accumulate downstream, so the first layer whose SQNR drops is the one that costs accuracy`));
    layerEl.appendChild(h('p', { class: 'muted', id: 'per-layer-legend' }, h('span', { class: 'bad' }, `red: SQNR below ${SQNR_RED_DB} dB`), ` (int8 noise above ${Math.round(100 * 10 ** (-SQNR_RED_DB / 20))} % of the signal's RMS); `, h('span', { class: 'warn' }, `amber: more than ${SATURATION_AMBER * 100} % of values saturated`), '; the lowest SQNR is in bold'));
    const worst = Math.min(...d.perLayer.tensors.map((t) => t.sqnrDb ?? Infinity));
    layerEl.appendChild(table(['tensor', 'op', 'shape', 'SQNR', 'max |error|', 'mean |error|', 'saturated'], d.perLayer.tensors.map((t) => {
      const sq = t.sqnrDb === null ? 'exact' : `${t.sqnrDb.toFixed(1)} dB`;
      return [
        t.name, t.op, `[${t.shape.join(',')}]`,
        h('span', { class: t.sqnrDb !== null && t.sqnrDb < SQNR_RED_DB ? 'bad' : '' }, t.sqnrDb !== null && t.sqnrDb === worst ? h('b', {}, sq) : sq),
        t.maxAbsError.toPrecision(3), t.meanAbsError.toPrecision(3), h('span', { class: t.saturationRate > SATURATION_AMBER ? 'warn' : '' }, pct(t.saturationRate, 2)),
      ];
    }), { id: 'per-layer-table' }));
    if (d.perLayer.unmatched.length) layerEl.appendChild(h('p', { class: 'muted' }, `no float counterpart: ${d.perLayer.unmatched.join(', ')}`));
  };
  poll();
  return () => {
    stopped = true;
    plots.forEach((p) => p.destroy());
  };
}
