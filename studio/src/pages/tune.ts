/**
 * Tune page: a `tinyforge tune` search folder (studio --tune DIR) as it runs — counts, the best
 * trial on validation, validation int8 accuracy against latency (the Pareto front in red), the
 * front with its test accuracy, and the latest trials. Polls /api/tune (the search appends each
 * trial to trials.jsonl as it finishes).
 */
import { api, ApiError } from '../api.js';
import { bytes, clear, h, pct, table } from '../dom.js';

interface Figures { flash: number; ram: number; arena: number; instructions: number; latencyMs: number }
interface Trial {
  id: number; rung: number; epochs: number; status: string; reason?: string;
  /** The front-end and network in words (the server's describeCandidate). */
  label?: string;
  candidate: { family: string; depth: number; width: number; kernelSize: number; pooling: string; windowSeconds: number; learningRate: number };
  figures?: Figures;
  accuracy?: { val: { float: number; int8: number }; test?: { float: number; int8: number } };
}
interface View {
  dir: string; found: boolean;
  budget: { description: string } | null;
  counts: { candidates: number; trained: number; rejected: number; failed: number };
  best: Trial | null; front: Trial[]; trials: Trial[];
}

const POLL_MS = 2000;

function describe(t: Trial): string {
  if (t.label) return t.label;
  const c = t.candidate;
  return c.family === 'dense' ? `dense ${c.depth}×${c.width}, ${c.windowSeconds}s, lr ${c.learningRate}` : `${c.family} ${c.depth}×[k${c.kernelSize} w${c.width}${c.pooling !== 'none' ? ` ${c.pooling}` : ''}], ${c.windowSeconds}s, lr ${c.learningRate}`;
}

/** Validation int8 accuracy (y) against latency (x, log scale) on a canvas; front points red. */
function scatter(canvas: HTMLCanvasElement, trials: Trial[], front: Trial[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const W = canvas.width;
  const H = canvas.height;
  const m = { l: 48, r: 12, t: 12, b: 30 };
  ctx.clearRect(0, 0, W, H);
  const pts = trials.filter((t) => t.status === 'done' && t.figures && t.accuracy);
  if (!pts.length) return;
  const lat = pts.map((t) => Math.log10(Math.max(1e-4, t.figures!.latencyMs)));
  const lo = Math.min(...lat) - 0.1;
  const hi = Math.max(...lat) + 0.1;
  const yLo = Math.max(0, Math.floor(Math.min(...pts.map((t) => t.accuracy!.val.int8)) * 10) / 10 - 0.05);
  const x = (ms: number) => m.l + ((Math.log10(Math.max(1e-4, ms)) - lo) * (W - m.l - m.r)) / (hi - lo || 1);
  const y = (a: number) => m.t + ((1 - a) * (H - m.t - m.b)) / (1 - yLo || 1);
  ctx.strokeStyle = '#e3e6ec';
  ctx.fillStyle = '#6b7280';
  ctx.font = '11px system-ui, sans-serif';
  for (let k = 0; k <= 4; k++) {
    const a = yLo + ((1 - yLo) * k) / 4;
    ctx.beginPath();
    ctx.moveTo(m.l, y(a));
    ctx.lineTo(W - m.r, y(a));
    ctx.stroke();
    ctx.fillText(`${(100 * a).toFixed(0)} %`, 4, y(a) + 4);
  }
  ctx.fillText('latency per inference, ms (log)', W / 2 - 70, H - 6);
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) ctx.fillText(String(10 ** e), x(10 ** e) - 6, H - m.b + 14);
  const ids = new Set(front.map((f) => f.id));
  for (const t of pts) {
    ctx.fillStyle = ids.has(t.id) ? '#d62728' : 'rgba(120,130,145,0.7)';
    ctx.beginPath();
    ctx.arc(x(t.figures!.latencyMs), y(t.accuracy!.val.int8), ids.has(t.id) ? 5 : 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
}

export function tunePage(root: HTMLElement): () => void {
  const head = h('section', { id: 'tune-summary' }, h('h2', {}, 'Tune'), h('p', { class: 'muted' }, 'loading…'));
  const canvas = h('canvas', { id: 'tune-scatter', width: 640, height: 320 });
  const plot = h('section', {}, h('h2', {}, 'Validation int8 accuracy vs latency (Pareto front in red)'), canvas);
  const frontEl = h('section', { id: 'tune-front' }, h('h2', {}, 'Pareto front'));
  const trialsEl = h('section', { id: 'tune-trials' }, h('h2', {}, 'Latest trials'));
  root.append(head, plot, frontEl, trialsEl);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const render = (v: View) => {
    clear(head);
    head.appendChild(h('h2', {}, 'Tune'));
    if (!v.found) {
      head.appendChild(h('p', { class: 'muted' }, `no search in ${v.dir} yet: start tinyforge tune --out ${v.dir}`));
      return;
    }
    head.appendChild(h('p', {}, v.budget?.description ?? ''));
    head.append(
      h('span', { class: 'stat' }, h('b', { id: 'tune-trained' }, v.counts.trained), 'trained'),
      h('span', { class: 'stat' }, h('b', {}, v.counts.rejected), 'rejected before training'),
      h('span', { class: 'stat' }, h('b', {}, v.counts.failed), 'failed'),
      h('span', { class: 'stat' }, h('b', { id: 'tune-best' }, pct(v.best?.accuracy?.val.int8)), v.best ? `best so far: #${v.best.id} ${describe(v.best)}` : 'best so far'),
    );
    scatter(canvas, v.trials, v.front);
    const fig = (t: Trial) => [String(t.figures?.instructions ?? '–'), t.figures ? `${t.figures.latencyMs.toFixed(2)} ms` : '–', bytes(t.figures?.arena), bytes(t.figures?.ram), bytes(t.figures?.flash)];
    clear(frontEl);
    frontEl.append(h('h2', {}, 'Pareto front (chosen on validation; test shown, never used to choose)'),
      table(['trial', 'candidate', 'val int8', 'test int8', 'instructions', 'latency', 'arena', 'RAM', 'flash'], v.front.map((t) => [`#${t.id}`, describe(t), pct(t.accuracy?.val.int8), pct(t.accuracy?.test?.int8), ...fig(t)])));
    clear(trialsEl);
    const latest = [...v.trials].sort((a, b) => b.id - a.id).slice(0, 15);
    trialsEl.append(h('h2', {}, 'Latest trials'),
      table(['trial', 'candidate', 'status', 'epochs', 'val int8', 'instructions', 'latency', 'arena', 'RAM', 'flash'], latest.map((t) => [`#${t.id}`, describe(t), t.status + (t.reason ? `: ${t.reason}` : ''), String(t.epochs), pct(t.accuracy?.val.int8), ...fig(t)])));
  };

  const poll = () => {
    void api<View>('GET', '/api/tune')
      .then(render, (e: unknown) => {
        clear(head);
        head.append(h('h2', {}, 'Tune'), h('p', { class: 'warn' }, e instanceof Error ? e.message : String(e)));
        if (e instanceof ApiError && e.remedy) head.append(h('p', { class: 'muted' }, e.remedy));
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(poll, POLL_MS);
      });
  };
  poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
