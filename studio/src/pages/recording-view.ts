/**
 * One recording on the Record page: a waveform chart of every axis over time (uPlot; drag across
 * it to select a range), crop to the selection, split at points or into pieces of a set length
 * (each piece a new recording with the same label and subject; the server refuses a piece shorter
 * than one window and moves the original to .originals/), and the spectrum of one window as the
 * model's spectral block computes it (the window is shaded on the waveform).
 *
 * Positions go to the server in samples: the page rounds seconds × rate once, and shows every
 * duration as samples / rate, as the list and the totals do.
 */
import uPlot from 'uplot';
import { api, ApiError } from '../api.js';
import { clear, h } from '../dom.js';
import type { DatasetListing, EditResult, RecordingSamples, WindowSpectrum } from '../../../src/studio/wire.js';

const COLORS = ['#dc2626', '#16a34a', '#2563eb', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const s2 = (x: number) => x.toFixed(2);

export interface RecordingViewHooks {
  /** The list changed (after a crop or split): redraw it and open `file`, showing `message` there. */
  changed(listing: DatasetListing, open: string | null, message: string): void;
}

export function recordingView(root: HTMLElement, file: string, hooks: RecordingViewHooks, message = ''): () => void {
  const title = h('h2', { id: 'wave-title' }, file);
  const facts = h('div', { id: 'wave-facts', class: 'muted' }, 'loading…');
  const plotEl = h('div', { id: 'wave-plot' });
  const selStart = h('input', { id: 'sel-start', type: 'number', step: '0.02', min: 0, style: 'width:6em' });
  const selEnd = h('input', { id: 'sel-end', type: 'number', step: '0.02', min: 0, style: 'width:6em' });
  const selLen = h('span', { id: 'sel-len', class: 'muted' }, 'drag across the chart to select');
  const cropBtn = h('button', { id: 'crop-btn', class: 'primary', disabled: true }, 'Crop to selection');
  const splitAt = h('input', { id: 'split-at', placeholder: 'e.g. 2.5, 6', size: 16 });
  const splitSel = h('button', { id: 'split-sel', title: 'put the split points at the selection\'s edges' }, 'Selection edges');
  const splitBtn = h('button', { id: 'split-btn' }, 'Split at points');
  const every = h('input', { id: 'split-every', type: 'number', step: '0.5', min: 0, style: 'width:5em' });
  const everyBtn = h('button', { id: 'split-every-btn' }, 'Split into pieces');
  const name = h('input', { id: 'edit-name', size: 28 });
  const status = h('div', { id: 'edit-status', class: message ? 'ok' : '' }, message);
  const rule = h('p', { class: 'muted', id: 'edit-rule' });
  const winStart = h('input', { id: 'win-start', type: 'number', step: '0.02', min: 0, value: 0, style: 'width:6em' });
  const specInfo = h('div', { id: 'spectrum-info', class: 'muted' });
  const specEl = h('div', { id: 'spectrum-plot' });
  root.append(
    title, facts, plotEl,
    h('div', { class: 'edit-row' }, h('b', {}, 'Selection '), selStart, ' – ', selEnd, ' s ', selLen, ' ', cropBtn),
    h('div', { class: 'edit-row' }, h('b', {}, 'Split '), 'at ', splitAt, ' s ', splitSel, ' ', splitBtn, h('span', { class: 'muted' }, '  or into pieces of '), every, ' s ', everyBtn),
    h('div', { class: 'edit-row' }, h('label', {}, 'new name (optional) ', name)),
    rule, status,
    h('h3', {}, 'Spectrum of the window at ', winStart, ' s ', h('span', { class: 'muted' }, '(shaded on the waveform; click the waveform to move it)')), specInfo, specEl,
  );

  let rec: RecordingSamples | null = null;
  let plot: uPlot | null = null;
  let spec: uPlot | null = null;
  let sel: [number, number] | null = null; // samples [start, end)
  let win = 0; // window start, samples
  const width = Math.max(400, Math.min(1100, root.clientWidth - 20));

  const say = (cls: string, text: string) => {
    status.className = cls;
    status.textContent = text;
  };
  const fail = (e: unknown) => say('error', e instanceof ApiError && e.remedy ? `${e.message} — ${e.remedy}` : (e as Error).message);
  const rate = () => rec!.sampleRateHz;
  const sample = (seconds: number) => Math.round(seconds * rate());

  const showSelection = () => {
    if (!rec || !plot) return;
    cropBtn.disabled = !sel;
    if (!sel) {
      selLen.textContent = 'drag across the chart to select';
      plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
      return;
    }
    const [a, b] = sel;
    selStart.value = s2(a / rate());
    selEnd.value = s2(b / rate());
    const n = b - a;
    selLen.textContent = `${s2(n / rate())} s, ${n} samples${n < rec.windowSamples ? ' — shorter than one window' : ''}`;
    selLen.className = n < rec.windowSamples ? 'warn' : 'muted';
    const l = plot.valToPos(a / rate(), 'x');
    plot.setSelect({ left: l, width: plot.valToPos(b / rate(), 'x') - l, top: 0, height: plot.bbox.height / devicePixelRatio }, false);
  };
  /** Selects samples [a, b) (clamped to the recording); an empty or reversed range clears the selection, saying why. */
  const setSel = (a: number, b: number) => {
    if (!rec) return;
    const lo = Math.max(0, a);
    const hi = Math.min(rec.samples, b);
    sel = hi > lo ? [lo, hi] : null;
    // A new selection: an old refusal no longer applies to it.
    if (status.className === 'error') say('', '');
    showSelection();
    if (!sel) {
      selLen.className = 'warn';
      selLen.textContent = 'the end must come after the start';
    }
  };

  /** The spectrum chart for the window at `win` (clamped so the whole window fits). */
  const loadSpectrum = async () => {
    if (!rec) return;
    win = Math.max(0, Math.min(win, rec.samples - rec.windowSamples));
    winStart.value = s2(win / rate());
    plot?.redraw(false, false);
    try {
      const s = await api<WindowSpectrum>('GET', `/api/recordings/${encodeURIComponent(rec.file)}/spectrum?start=${win}`);
      drawSpectrum(s);
    } catch (e) {
      clear(specEl);
      spec?.destroy();
      spec = null;
      specInfo.className = 'error';
      specInfo.textContent = e instanceof ApiError && e.remedy ? `${e.message} — ${e.remedy}` : (e as Error).message;
    }
  };
  const drawSpectrum = (s: WindowSpectrum) => {
    const p = s.params;
    specInfo.className = 'muted';
    specInfo.textContent = `${s2(s.start / s.sampleRateHz)}–${s2((s.start + s.windowLength) / s.sampleRateHz)} s (${s.windowLength} samples): the spectral block's integer features as the model computes them (${s.paramsFrom === 'settings' ? "the model's parameters" : 'default parameters: the model has no spectral front-end'}) — FFT ${p.fftLength} (${(s.sampleRateHz / p.fftLength).toFixed(2)} Hz per bin), ${s.frames} frame(s) ${p.spectrum === 'max' ? 'max-held' : 'averaged'}, ${p.filterType === 'none' ? 'no filter' : `${p.filterType}-pass ${p.filterCutoff} Hz`}`;
    const data: uPlot.AlignedData = [s.freqHz, ...s.channels.map((c) => c.values.map((v) => v / s.scale))];
    if (spec && spec.series.length === s.channels.length + 1) {
      spec.setData(data);
      return;
    }
    spec?.destroy();
    clear(specEl);
    spec = new uPlot(
      {
        width: Math.min(width, 700),
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: 'frequency (Hz)' }, { label: s.unit, size: 60 }],
        series: [{ label: 'Hz', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) }, ...s.channels.map((c, i) => ({ label: c.name, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 5 } }))],
      },
      data,
      specEl,
    );
  };

  const build = (r: RecordingSamples) => {
    rec = r;
    title.textContent = r.file;
    clear(facts);
    facts.append(
      h('span', { id: 'wave-label' }, r.label), ' / ', h('span', {}, r.group), ' · ',
      h('span', { id: 'wave-seconds' }, r.seconds.toFixed(1)), ' s · ',
      h('span', { id: 'wave-samples' }, String(r.samples)), ` samples at ${r.sampleRateHz} Hz`,
      r.gaps.length ? ` · ${r.gaps.length} gap(s) of lost samples` : '',
    );
    rule.textContent = `Every new recording keeps the label "${r.label}" and subject "${r.group}" and needs at least one window (${r.windowSamples} samples, ${s2(r.windowSamples / r.sampleRateHz)} s). The original is moved to the dataset's .originals/ folder, not deleted.`;
    every.value = s2(r.windowSamples / r.sampleRateHz);
    const xs = r.columns[0].map((_, t) => t / r.sampleRateHz);
    const unit = [...new Set(r.units)].join(', ');
    plot?.destroy();
    clear(plotEl);
    plot = new uPlot(
      {
        width,
        height: 260,
        // The axis spans the recording's duration (samples / rate, as the list says), not just up to the last sample's time.
        scales: { x: { time: false, range: () => [0, r.seconds] } },
        axes: [{ label: 'time (s)' }, { label: unit, size: 55 }],
        series: [{ label: 't (s)', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) }, ...r.axes.map((a, i) => ({ label: `${a} (${r.units[i]})`, stroke: COLORS[i % COLORS.length], width: 1.2 }))],
        cursor: { drag: { x: true, y: false, setScale: false } },
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 2) return;
              const a = sample(u.posToVal(u.select.left, 'x'));
              const b = sample(u.posToVal(u.select.left + u.select.width, 'x'));
              setSel(a, b);
              win = a;
              void loadSpectrum();
            },
          ],
          // The spectrum's window, shaded.
          draw: [
            (u) => {
              if (!rec) return;
              const x0 = u.valToPos(win / rec.sampleRateHz, 'x', true);
              const x1 = u.valToPos((win + rec.windowSamples) / rec.sampleRateHz, 'x', true);
              u.ctx.save();
              u.ctx.fillStyle = 'rgba(124, 58, 237, 0.10)';
              u.ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
              u.ctx.restore();
            },
          ],
        },
      },
      [xs, ...r.columns],
      plotEl,
    );
    // A click without a drag moves the spectrum's window there (and keeps the selection, which uPlot clears on a click).
    let downX = NaN;
    plot.over.addEventListener('mousedown', (e) => (downX = e.clientX));
    plot.over.addEventListener('mouseup', (e) => {
      if (!plot || Math.abs(e.clientX - downX) > 2) return;
      win = sample(plot.posToVal(e.offsetX, 'x'));
      setTimeout(showSelection, 0);
      void loadSpectrum();
    });
    sel = null;
    win = 0;
    showSelection();
    void loadSpectrum();
  };

  const edit = async (what: 'crop' | 'split', body: Record<string, unknown>) => {
    if (!rec) return;
    say('', `${what === 'crop' ? 'cropping' : 'splitting'} ${rec.file}…`);
    try {
      const r = await api<{ result: EditResult; listing: DatasetListing }>('POST', `/api/recordings/${encodeURIComponent(rec.file)}/${what}`, { ...body, ...(name.value.trim() ? { name: name.value.trim() } : {}) });
      const pieces = r.result.pieces.map((p) => `${p.file} (${s2(p.seconds)} s)`).join(', ');
      hooks.changed(r.listing, r.result.pieces[0]?.file ?? null, `${what === 'crop' ? 'cropped' : 'split'} ${r.result.original} into ${pieces}; the original is in ${r.result.backup}${r.result.notes.length ? ` — ${r.result.notes.join('; ')}` : ''}`);
    } catch (e) {
      fail(e);
    }
  };
  cropBtn.addEventListener('click', () => sel && void edit('crop', { start: sel[0], end: sel[1] }));
  splitSel.addEventListener('click', () => {
    if (sel && rec) splitAt.value = sel.filter((x) => x > 0 && x < rec!.samples).map((x) => s2(x / rate())).join(', ');
  });
  splitBtn.addEventListener('click', () => {
    const pts = splitAt.value.split(/[,\s]+/).filter(Boolean).map(Number);
    if (!pts.length || pts.some((x) => !Number.isFinite(x))) return say('error', 'give the split points in seconds, separated by commas (e.g. 2.5, 6)');
    void edit('split', { at: pts.map(sample) });
  });
  everyBtn.addEventListener('click', () => {
    const s = Number(every.value);
    if (!(s > 0)) return say('error', 'give the piece length in seconds (e.g. 2)');
    void edit('split', { every: sample(s) });
  });
  const typedSel = () => {
    const a = Number(selStart.value);
    const b = Number(selEnd.value);
    if (Number.isFinite(a) && Number.isFinite(b)) setSel(sample(a), sample(b));
  };
  selStart.addEventListener('change', typedSel);
  selEnd.addEventListener('change', typedSel);
  winStart.addEventListener('change', () => {
    if (!rec) return;
    win = sample(Number(winStart.value) || 0);
    void loadSpectrum();
  });

  api<RecordingSamples>('GET', `/api/recordings/${encodeURIComponent(file)}/samples`).then(build, (e) => {
    facts.className = 'error';
    facts.textContent = e instanceof ApiError && e.remedy ? `${e.message} — ${e.remedy}` : (e as Error).message;
  });
  return () => {
    plot?.destroy();
    spec?.destroy();
  };
}
