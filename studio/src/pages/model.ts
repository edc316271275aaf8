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
interface Verify { ok: boolean; n: number; bitExact: number; maxLsbDiff: number; counterKind: string; counter: { mean: number } | null; micros: { mean: number }; arena: { used: number; capacity: number }; flashUsed: number; ramUsed: number; board: string; engine: string; accuracy?: { device: number } }
interface Page { dir: string | null; training: Training | null; int8: Int8 | null; tfliteBytes: number | null; verify: Verify | null; missing: string[] }
interface Layer { name: string; op: string; shape: number[]; sqnrDb: number | null; maxAbsError: number; meanAbsError: number; saturationRate: number }
interface Diag { int8: Int8; perLayer: { windows: number; tensors: Layer[]; unmatched: string[] } }

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
    if (p.int8) rows.push(['float → int8 accuracy', `${pct(p.int8.floatAccuracy)} → ${pct(p.int8.int8Accuracy)} (int8 costs ${p.int8.accuracyCost === null ? '–' : `${(100 * p.int8.accuracyCost).toFixed(2)} points`}; agreement ${pct(p.int8.agreement)} over ${p.int8.examples} windows)`]);
    if (p.tfliteBytes !== null) rows.push(['.tflite', bytes(p.tfliteBytes)]);
    const v = p.verify;
    if (v) {
      rows.push(
        ['verified on', `${v.board}, ${v.engine} engine`],
        ['bit-exact', `${v.bitExact}/${v.n} (max diff ${v.maxLsbDiff} LSB) ${v.ok ? '✓' : '✗'}`],
        ['latency', `${(v.micros.mean / 1000).toFixed(2)} ms${v.counter ? `, ${Math.round(v.counter.mean).toLocaleString('en')} ${v.counterKind}/inference` : ''}`],
        ['arena', `${bytes(v.arena.used)} of ${bytes(v.arena.capacity)}`],
        ['flash / RAM', `${bytes(v.flashUsed)} / ${bytes(v.ramUsed)}`],
      );
    }
    qEl.appendChild(rows.length ? table(['', ''], rows, { class: 'kv', id: 'verify' }) : h('p', { class: 'muted' }, 'no pipeline.json (int8 cost and verify results come from tinyforge demo / run)'));
  }).catch((e: Error) => trainEl.appendChild(h('p', { class: 'error' }, e.message)));

  void api<Diag>('GET', '/api/model/diagnostics').then((d) => {
    clear(layerEl);
    layerEl.appendChild(h('h2', {}, 'Per-layer quantisation diagnostics'));
    layerEl.appendChild(h('p', { class: 'muted' }, `each tensor's float activation vs its dequantised int8 counterpart over ${d.perLayer.windows} held-out windows; errors accumulate downstream, so the first layer whose SQNR drops is the one that costs accuracy`));
    const worst = Math.min(...d.perLayer.tensors.map((t) => t.sqnrDb ?? Infinity));
    layerEl.appendChild(table(['tensor', 'op', 'shape', 'SQNR', 'max |error|', 'mean |error|', 'saturated'], d.perLayer.tensors.map((t) => [
      t.name, t.op, `[${t.shape.join(',')}]`,
      h('span', { class: t.sqnrDb !== null && t.sqnrDb === worst ? 'bad' : '' }, t.sqnrDb === null ? 'exact' : `${t.sqnrDb.toFixed(1)} dB`),
      t.maxAbsError.toPrecision(3), t.meanAbsError.toPrecision(3), h('span', { class: t.saturationRate > 0.01 ? 'warn' : '' }, pct(t.saturationRate, 2)),
    ]), { id: 'per-layer-table' }));
    if (d.perLayer.unmatched.length) layerEl.appendChild(h('p', { class: 'muted' }, `no float counterpart: ${d.perLayer.unmatched.join(', ')}`));
  }).catch((e: Error) => {
    clear(layerEl);
    layerEl.append(h('h2', {}, 'Per-layer quantisation diagnostics'), h('p', { class: 'muted' }, e.message));
  });
  return () => plots.forEach((p) => p.destroy());
}
