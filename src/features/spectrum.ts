/**
 * A window's spectrum as the model sees it: the `spectral` block's own integer features (./spectral.ts,
 * run through the registry) for one window, with the per-bin log band powers picked out per channel
 * and labelled with their frequencies. Nothing here computes DSP: it runs the block and reads its
 * output by the block's feature names (`aX.bin3`, `aX.rms`, …).
 */
import type { ModelSettings } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { LOG2_FRAC_BITS } from './fixed.js';
import { toCount } from './input.js';
import { resolveBlock } from './registry.js';
import type { SpectralParams } from './spectral.js';

export interface WindowSpectrum {
  /** First sample of the window and its length, in samples of the recording. */
  start: number;
  windowLength: number;
  sampleRateHz: number;
  /** Every parameter of the spectral block used (defaults filled in). */
  params: SpectralParams & { inputScale: number[] };
  /** Where the parameters came from: the model's settings, or the block's defaults. */
  paramsFrom: 'settings' | 'defaults';
  /** FFT frames per window and the hop between them (samples). */
  frames: number;
  hop: number;
  /** FFT bin indices kept (the pass band) and their centre frequencies (Hz). */
  bins: number[];
  freqHz: number[];
  /**
   * Per channel (the axes, plus `mag` with magnitude): the block's integer value per bin — log2 of the
   * power in Q10 (1024 = one octave) with doLog, else the amplitude — and `rms` (Q4 counts).
   */
  channels: { name: string; values: number[]; rms: number }[];
  /** 1024 with doLog (divide to get log2 power), 1 for amplitudes. */
  scale: number;
  unit: string;
}

/**
 * The spectral block's parameters for a recording: the model's (its settings' `features`, when
 * spectral), else the block's defaults; `fftLength` overrides either.
 */
export function spectrumParams(settings: Pick<ModelSettings, 'features'> | null, fftLength?: number): { params: Record<string, unknown>; from: 'settings' | 'defaults' } {
  const f = settings?.features?.block === 'spectral' ? settings.features.params : null;
  // inputScale is per axis of the model; the recording's axes may differ, so it is re-derived from the units.
  const { inputScale: _s, ...rest } = (f ?? {}) as Record<string, unknown>;
  return { params: { ...rest, ...(fftLength !== undefined ? { fftLength } : {}) }, from: f ? 'settings' : 'defaults' };
}

/**
 * The spectrum of samples [start, start + windowLength) of an interleaved recording (sensor units;
 * float64 values are rounded to float32 first, as every recording is stored),
 * through the spectral block with `params`. Typed errors for a window outside the recording and for
 * every bad parameter (the block's own checks: FFT length, cut-off, window shorter than a frame).
 */
export function windowSpectrum(
  rec: { samples: ArrayLike<number>; axes: string[]; units: string[]; sampleRateHz: number },
  start: number,
  windowLength: number,
  params: Record<string, unknown>,
  paramsFrom: 'settings' | 'defaults' = 'defaults',
): WindowSpectrum {
  const nA = rec.axes.length;
  const frames = rec.samples.length / nA;
  if (!Number.isInteger(windowLength) || windowLength < 1) throw badInput(`the window length must be a whole number of samples, got ${windowLength}`, { remedy: 'e.g. --window 100' });
  if (!Number.isInteger(start) || start < 0 || start + windowLength > frames) {
    const rate = rec.sampleRateHz;
    throw badInput(`the window ${(start / rate).toFixed(2)}–${((start + windowLength) / rate).toFixed(2)} s (samples ${start}–${start + windowLength}) is not inside the recording (0–${(frames / rate).toFixed(2)} s, ${frames} samples)`, {
      remedy: frames >= windowLength ? `start the window between 0 and ${((frames - windowLength) / rate).toFixed(2)} s` : `the recording is shorter than one window (${windowLength} samples): pick a longer recording or a shorter window`,
    });
  }
  const block = resolveBlock('spectral', params, { windowLength, sampleRateHz: rec.sampleRateHz, axes: rec.axes, units: rec.units });
  const counts = new Int16Array(windowLength * nA);
  for (let i = 0; i < counts.length; i++) counts[i] = toCount(rec.samples[start * nA + i], block.inputScale[i % nA]);
  const features = block.compute(counts);
  const p = block.params as unknown as SpectralParams & { inputScale: number[] };
  const L = p.fftLength;
  const hop = p.doFftOverlap ? L / 2 : L;
  const byChannel = new Map<string, { values: number[]; bins: number[]; rms: number }>();
  block.names.forEach((name, i) => {
    const m = /^(.+)\.(bin(\d+)|rms)$/.exec(name);
    if (!m) return;
    let c = byChannel.get(m[1]);
    if (!c) byChannel.set(m[1], (c = { values: [], bins: [], rms: 0 }));
    if (m[2] === 'rms') c.rms = features[i];
    else {
      c.values.push(features[i]);
      c.bins.push(Number(m[3]));
    }
  });
  const channels = [...byChannel].map(([name, c]) => ({ name, values: c.values, rms: c.rms }));
  const bins = [...byChannel.values()][0]?.bins ?? [];
  return {
    start,
    windowLength,
    sampleRateHz: rec.sampleRateHz,
    params: p,
    paramsFrom,
    frames: Math.floor((windowLength - L) / hop) + 1,
    hop,
    bins,
    freqHz: bins.map((k) => (k * rec.sampleRateHz) / L),
    channels,
    scale: p.doLog ? 2 ** LOG2_FRAC_BITS : 1,
    unit: p.doLog ? 'log2 power (counts²)' : 'amplitude (counts)',
  };
}

/** The spectrum as a text table (one row per bin, one column per channel). */
export function formatSpectrum(s: WindowSpectrum, title: string): string {
  const p = s.params;
  const filter = p.filterType === 'none' ? 'no filter' : `${p.filterType}-pass ${p.filterCutoff} Hz, order ${p.filterOrder}`;
  const head = [
    title,
    `window ${(s.start / s.sampleRateHz).toFixed(2)}–${((s.start + s.windowLength) / s.sampleRateHz).toFixed(2)} s (samples ${s.start}–${s.start + s.windowLength}, ${s.windowLength} at ${s.sampleRateHz} Hz)`,
    `spectral block (${s.paramsFrom === 'settings' ? "the model's settings" : 'default parameters'}): fftLength ${p.fftLength} (bins ${(s.sampleRateHz / p.fftLength).toFixed(3)} Hz apart), ${s.frames} frame(s) hop ${s.hop}, ${p.window} window, ${p.spectrum} over frames, ${filter}`,
    `values: ${s.unit}${p.doLog ? ', the integer feature / 1024' : ''}`,
  ];
  const cols = ['bin', 'Hz', ...s.channels.map((c) => c.name)];
  const rows = s.bins.map((k, i) => [String(k), s.freqHz[i].toFixed(2), ...s.channels.map((c) => (c.values[i] / s.scale).toFixed(p.doLog ? 3 : 0))]);
  const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((x, j) => x.padStart(w[j])).join('  ');
  return [...head, '', line(cols), ...rows.map(line)].join('\n');
}
