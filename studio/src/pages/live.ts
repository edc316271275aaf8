/**
 * Live page: the accelerometer axes as they arrive (uPlot on a canvas: every sample of the last
 * 10 s is plotted, none dropped; the time axis scrolls every frame, not once per batch), the
 * board's predictions as confidence bars with the top class (greyed as stale once the board is
 * lost), a timeline of the predicted class over the last minute, the inference latency (on the
 * virtual board: its instruction count at its nominal clock, said so) and the sample-loss counter.
 */
import uPlot from 'uplot';
import { api, lastDevice, onEvent } from '../api.js';
import { bar, clear, h } from '../dom.js';

const SECONDS = 10;
const ACTIVITIES = ['idle', 'walking', 'running', 'biking', 'golfing'];

export function livePage(root: HTMLElement): () => void {
  const plotEl = h('div', { id: 'live-plot' });
  const samplesEl = h('b', { id: 'live-samples' }, '0');
  const rateEl = h('b', { id: 'live-rate' }, '–');
  const lostEl = h('b', { id: 'live-lost' }, '0');
  const predsEl = h('b', { id: 'live-predictions' }, '0');
  const latencyEl = h('b', { id: 'latency' }, '–');
  const topEl = h('div', { id: 'top-class' }, '–');
  const barsEl = h('div', { id: 'bars' });
  const simEl = h('div', { id: 'sim' });
  const latencyNote = h('span', { id: 'latency-note' }, 'µs per inference (board clock)');
  const energyEl = h('span', { id: 'energy', class: 'muted', title: 'ESTIMATE: the board\'s µs × the MCU\'s datasheet CPU-running current × supply voltage (nRF52840: 3.3 mA, 3 V); sensor, radio and LED not counted' }, '');
  const staleEl = h('span', { id: 'stale-note', class: 'muted' }, '');
  const timeline = h('canvas', { id: 'timeline', width: '600', height: '28' }) as HTMLCanvasElement;
  const timelineKey = h('div', { id: 'timeline-key', class: 'muted' });
  root.append(
    h('section', {}, h('h2', {}, 'Accelerometer (g)'), plotEl,
      h('div', {}, h('span', { class: 'stat' }, samplesEl, 'samples'), h('span', { class: 'stat' }, rateEl, 'Hz'), h('span', { class: 'stat' }, lostEl, 'samples lost'), simEl)),
    h('section', {}, h('h2', {}, 'Prediction'), h('div', { class: 'row' }, h('div', {}, topEl, staleEl, h('span', { class: 'stat' }, latencyEl, latencyNote, energyEl), h('span', { class: 'stat' }, predsEl, 'predictions')), barsEl),
      h('div', {}, h('div', { class: 'muted' }, 'predicted class, last 60 s (newest on the right)'), timeline, timelineKey)),
  );

  let rate = 50;
  let cap = SECONDS * rate;
  let xs: number[] = [];
  const ys: number[][] = [[], [], []];
  let total = 0;
  let dirty = false;
  const width = Math.max(400, Math.min(1100, root.clientWidth - 40));
  const plot = new uPlot(
    {
      width,
      height: 260,
      scales: { x: { time: false }, y: { range: (_u, lo, hi) => [Math.min(-1.5, lo), Math.max(1.5, hi)] } },
      axes: [{ label: 's' }, {}],
      series: [{ label: 't (s)' }, { label: 'aX', stroke: '#dc2626', width: 1.5 }, { label: 'aY', stroke: '#16a34a', width: 1.5 }, { label: 'aZ', stroke: '#2563eb', width: 1.5 }],
      legend: { live: false },
    },
    [[], [], [], []],
    plotEl,
  );
  // The stream's time advances between batches too: the x range follows the newest sample's time
  // plus the wall time since it arrived (capped at one batch interval), so the chart scrolls each
  // frame instead of jumping when a batch lands.
  let newestT = 0;
  let newestAt = 0;
  let raf = 0;
  const draw = () => {
    raf = requestAnimationFrame(draw);
    if (dirty) {
      dirty = false;
      plot.setData([xs, ys[0], ys[1], ys[2]], false);
      samplesEl.textContent = String(total);
    }
    if (xs.length && connected) {
      const now = newestT + Math.min(1, (performance.now() - newestAt) / 1000);
      plot.setScale('x', { min: now - SECONDS, max: now });
    }
    drawTimeline();
  };
  raf = requestAnimationFrame(draw);

  let labels: string[] = lastDevice?.info?.labels ?? [];
  const showSim = () => {
    clear(simEl);
    const src = lastDevice?.source;
    if (!src || !src.kind.includes('simulated')) return;
    const sel = h('select', { id: 'sim-activity' }, ...ACTIVITIES.map((a) => h('option', a === src.activity ? { value: a, selected: true } : { value: a }, a)));
    sel.addEventListener('change', () => void api('POST', '/api/live/source', { activity: sel.value }));
    simEl.append(h('label', {}, 'simulated wearer: ', sel), h('span', { class: 'muted' }, ` (${src.kind})`));
  };
  showSim();
  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
  const history: { at: number; classIndex: number }[] = [];
  const drawTimeline = () => {
    const g = timeline.getContext('2d');
    if (!g) return;
    const now = performance.now();
    while (history.length && history[0].at < now - 60_000) history.shift();
    g.clearRect(0, 0, timeline.width, timeline.height);
    history.forEach((p, i) => {
      const end = history[i + 1]?.at ?? now;
      const x0 = ((p.at - (now - 60_000)) / 60_000) * timeline.width;
      const x1 = ((end - (now - 60_000)) / 60_000) * timeline.width;
      g.fillStyle = connected || i < history.length - 1 ? COLORS[p.classIndex % COLORS.length] : '#d1d5db';
      g.fillRect(Math.max(0, x0), 0, Math.max(1, x1 - x0), timeline.height);
    });
  };
  const showKey = () => {
    clear(timelineKey);
    labels.forEach((l, i) => timelineKey.append(h('span', { class: 'key', style: `border-left: 10px solid ${COLORS[i % COLORS.length]}; padding-left: 4px; margin-right: 10px` }, l)));
  };
  showKey();
  const showLatencyNote = () => {
    const info = lastDevice?.info as { counterKind?: number } | null | undefined;
    latencyNote.textContent = info?.counterKind === 2
      ? ' µs per inference (instructions counted on the virtual board, at its nominal clock: not wall time)'
      : ' µs per inference (board clock)';
  };
  showLatencyNote();
  let connected = (lastDevice?.state ?? 'connected') === 'connected';
  let preds = 0;
  const off = onEvent((e) => {
    if (e.t === 'status') {
      labels = e.device.info?.labels ?? labels;
      showSim();
      showKey();
      showLatencyNote();
      const was = connected;
      connected = e.device.state === 'connected';
      if (was && !connected && preds) {
        // The board is gone: what is shown is the last prediction, not the current one.
        topEl.classList.add('stale');
        barsEl.classList.add('stale');
        staleEl.textContent = ` stale: board ${e.device.state}`;
      }
    } else if (e.t === 'samples') {
      if (e.rateHz > 0 && e.rateHz !== rate) {
        rate = e.rateHz;
        cap = Math.round(SECONDS * rate);
        rateEl.textContent = rate.toFixed(1);
      }
      rateEl.textContent = rate.toFixed(1);
      for (let i = 0; i < e.mg.length; i += 3) {
        xs.push((e.first + i / 3) / rate);
        for (let k = 0; k < 3; k++) ys[k].push(e.mg[i + k] / 1000);
      }
      newestT = xs[xs.length - 1] ?? newestT;
      newestAt = performance.now();
      total += e.mg.length / 3;
      if (xs.length > cap) {
        const cut = xs.length - cap;
        xs = xs.slice(cut);
        for (let k = 0; k < 3; k++) ys[k] = ys[k].slice(cut);
      }
      lostEl.textContent = String(e.lost);
      lostEl.className = e.lost ? 'bad' : '';
      dirty = true;
    } else if (e.t === 'prediction') {
      preds++;
      history.push({ at: performance.now(), classIndex: e.classIndex });
      topEl.classList.remove('stale');
      barsEl.classList.remove('stale');
      staleEl.textContent = '';
      predsEl.textContent = String(preds);
      topEl.textContent = `${e.label} ${(100 * e.confidence).toFixed(0)} %`;
      topEl.title = e.fromLogits ? 'softmax of the model\'s logits' : 'the model\'s softmax output';
      topEl.dataset.label = e.label;
      latencyEl.textContent = String(e.micros);
      energyEl.textContent = e.microjoules === undefined ? '' : ` ≈${e.microjoules.toFixed(1)} µJ (est.)`;
      clear(barsEl);
      e.probs.forEach((p, i) => barsEl.appendChild(h('div', { class: 'class-bar' }, bar(p, `${labels[i] ?? i} ${(100 * p).toFixed(0)} %`, i === e.classIndex ? 'top' : ''))));
    }
  });
  return () => {
    off();
    cancelAnimationFrame(raf);
    plot.destroy();
  };
}
