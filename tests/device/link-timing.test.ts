// LinkTiming: expected values worked out by hand from the model in src/device/link-timing.ts
// (ms-per-byte = slower of the 0.3-weighted average and the latest sample; safety 4).
import { describe, expect, it } from 'vitest';
import { LinkTiming } from '../../src/device/link-timing.js';

describe('LinkTiming', () => {
  it('starts from the nominal rate and follows the measured one (a slow sample widens at once, fast ones narrow gradually)', () => {
    const t = new LinkTiming({ bytesPerSecond: 10_000, floorMs: 50, initialInferenceMs: 1000 });
    expect(t.timeoutMs(1000)).toBe(50 + 4 * 100); // 1000 B at 10 kB/s = 100 ms
    t.observe(100, 100); // 1 ms/byte: ten times slower than nominal
    expect(t.bytesPerSecond).toBeCloseTo(1000, 6);
    t.observe(100, 1); // fast again: average 0.3·0.01 + 0.7·(0.3·1 + 0.7·0.1) = 0.262 ms/byte
    expect(t.bytesPerSecond).toBeCloseTo(1000 / 0.262, 3);
  });

  it('inference time: unmeasured allowance added once; then wall time minus transfer, never below the device clock', () => {
    const t = new LinkTiming({ bytesPerSecond: 1000, floorMs: 10, initialInferenceMs: 500 });
    expect(t.timeoutMs(100, true)).toBe(10 + 4 * 100 + 500);
    t.observe(100, 130, { deviceMs: 5 }); // 100 ms transfer + 30 ms inference
    expect(t.inferenceMs).toBeCloseTo(30, 6);
    expect(t.timeoutMs(100, true)).toBe(10 + 4 * (100 + 30));
    t.observe(100, 100, { deviceMs: 80 }); // the device says 80 ms: trusted over wall − transfer (0)
    expect(t.inferenceMs).toBeCloseTo(80, 6);
  });

  it('each retry doubles the timeout up to 8× and the cap; backoff doubles from its base up to its cap', () => {
    const t = new LinkTiming({ bytesPerSecond: 1000, floorMs: 100, initialInferenceMs: 0, maxTimeoutMs: 5000, backoffBaseMs: 10, maxBackoffMs: 50 });
    expect([0, 1, 2, 3, 4].map((a) => t.timeoutMs(0, false, a))).toEqual([100, 200, 400, 800, 800]);
    expect(t.timeoutMs(10_000, false, 0)).toBe(5000);
    expect([0, 1, 2, 3, 4, 5].map((r) => t.backoffMs(r))).toEqual([0, 10, 20, 40, 50, 50]);
  });

  it('ignores nonsense samples (no bytes, negative or infinite time)', () => {
    const t = new LinkTiming({ bytesPerSecond: 1000, floorMs: 0, initialInferenceMs: 0 });
    t.observe(0, 10);
    t.observe(10, -1);
    t.observe(10, Infinity);
    expect(t.bytesPerSecond).toBeCloseTo(1000, 9);
  });
});
