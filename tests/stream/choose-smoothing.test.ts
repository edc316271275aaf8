// chooseSmoothing (src/stream/score.ts): the grid search eval --stream runs on validation streams
// before it writes settings.smoothing. A hand-made validation stream whose answer is worked out by
// hand below: the choice must remove single-window flicker and still report the true change at the
// first window that sees it (fails, checked, when the grid loses its q(0.7) threshold).
import { describe, expect, it } from 'vitest';
import { NO_SMOOTHING, smoothStream, type StreamWindow } from '../../src/stream/continuous.js';
import { chooseSmoothing, scoreStream } from '../../src/stream/score.js';

// Output quantisation of a softmax: q = round(p · 256) − 128.
const OUT = { scale: 1 / 256, zeroPoint: -128 };
const q = (p: number) => Math.round(p / OUT.scale) + OUT.zeroPoint;

/**
 * 400 samples at 10 Hz, stride 10: window k ends at sample 10k + 9. Truth: class 0 for samples
 * 0–199, class 1 from 200. Windows are confident ([0.9, 0.1] → int8 [102, −102]) except four
 * single flicker windows that lean the wrong way at 0.6 ([26, −26] swapped): 5 and 12 in the class-0
 * part, 27 and 33 in the class-1 part.
 */
function flickerStream(): { truth: number[]; windows: StreamWindow[] } {
  const truth = Array.from({ length: 400 }, (_, i) => (i < 200 ? 0 : 1));
  const flicker = new Set([5, 12, 27, 33]);
  const windows: StreamWindow[] = [];
  for (let k = 0; k < 40; k++) {
    const cls = truth[10 * k + 9];
    const lead = flicker.has(k) ? 1 - cls : cls;
    const p = flicker.has(k) ? 0.6 : 0.9;
    const scores = Int8Array.from(lead === 0 ? [q(p), q(1 - p)] : [q(1 - p), q(p)]);
    windows.push({ window: k, lastSample: 10 * k + 9, scores, classIndex: lead });
  }
  return { truth, windows };
}

describe('smoothing chosen on validation streams', () => {
  it('the worked-out quantised scores are what the stream holds', () => {
    // By hand: 0.9·256 = 230.4 → 230 − 128 = 102; 0.6·256 = 153.6 → 154 − 128 = 26; 0.7·256 = 179.2 → 51.
    expect([q(0.9), q(0.1), q(0.6), q(0.4), q(0.7), q(0.5)]).toEqual([102, -102, 26, -26, 51, 0]);
  });

  it('removes the flicker: the first grid setting with no false change and every window right after the change', () => {
    const s = flickerStream();
    const raw = scoreStream(s.truth, s.windows, smoothStream(s.windows.map((w) => w.scores), NO_SMOOTHING), 10);
    // Without smoothing: each flicker window is a false change away and one back (8 changes).
    expect(raw.falseChanges).toBeGreaterThan(0);
    const choice = chooseSmoothing([s], 10, OUT);
    // Grid order (average, then min windows, then min score −128, q(0.5), q(0.7)): average 1,
    // min windows 1 flickers at −128 and at q(0.5) = 0 (26 ≥ 0), not at q(0.7) = 51 (26 < 51: no
    // class qualifies, the reported class stays). Every other setting is worse: a minimum run of 2
    // or an average over 2 results reports the true change one window late.
    expect(choice.smoothing).toEqual({ average: 1, minScore: 51, minWindows: 1 });
    expect(choice.score.falseChanges).toBe(0);
    expect(choice.score.misses).toBe(0);
    // Wrong only from the true change (sample 200) to the window that sees it (ends at 209):
    // 9 samples of the 391 scored from the first window's end (sample 9).
    expect(choice.score.sampleAccuracy).toBeCloseTo(382 / 391, 12);
    expect(choice.score.sampleAccuracy).toBeGreaterThan(raw.sampleAccuracy);
    expect(choice.tried).toHaveLength(6 * 4 * 3);
  });
});
