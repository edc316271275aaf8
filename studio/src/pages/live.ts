/**
 * Live page: the accelerometer axes as they arrive (uPlot on a canvas: every sample of the last
 * 10 s is plotted, none dropped), the board's predictions as confidence bars with the top class,
 * the inference latency and the sample-loss counter.
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
  root.append(
    h('section', {}, h('h2', {}, 'Accelerometer (g)'), plotEl,
      h('div', {}, h('span', { class: 'stat' }, samplesEl, 'samples'), h('span', { class: 'stat' }, rateEl, 'Hz'), h('span', { class: 'stat' }, lostEl, 'samples lost'), simEl)),
    h('section', {}, h('h2', {}, 'Prediction'), h('div', { class: 'row' }, h('div', {}, topEl, h('span', { class: 'stat' }, latencyEl, 'µs per inference (board clock)'), h('span', { class: 'stat' }, predsEl, 'predictions')), barsEl)),
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
  let raf = 0;
  const draw = () => {
    raf = requestAnimationFrame(draw);
    if (!dirty) return;
    dirty = false;
    plot.setData([xs, ys[0], ys[1], ys[2]]);
    samplesEl.textContent = String(total);
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
  let preds = 0;
  const off = onEvent((e) => {
    if (e.t === 'status') {
      labels = e.device.info?.labels ?? labels;
      showSim();
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
      predsEl.textContent = String(preds);
      topEl.textContent = `${e.label} ${(100 * e.confidence).toFixed(0)} %`;
      topEl.title = e.fromLogits ? 'softmax of the model\'s logits' : 'the model\'s softmax output';
      topEl.dataset.label = e.label;
      latencyEl.textContent = String(e.micros);
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
