// Energy estimates: the arithmetic of src/firmware/energy.ts on numbers worked out here by hand.
import { describe, expect, it } from 'vitest';
import { estimateEnergy, formatEnergy, mcuPowerFor, NRF52840 } from '../../src/firmware/energy.js';

describe('time and energy estimates', () => {
  it('instructions × CPI at 64 MHz, µJ at 3.3 mA · 3 V, duty cycle and average power at the stride', () => {
    // 100 000 instructions × 1.25 = 125 000 cycles; / 64 MHz = 1953.125 µs.
    const e = estimateEnergy({ measured: 100_000, kind: 'instructions', power: NRF52840, windowStride: 50, sampleRateHz: 50 });
    expect(e.cycles).toBe(125_000);
    expect(e.microsPerInference).toBeCloseTo(1953.125, 9);
    // 3.3 mA × 3 V × 1.953125 ms = 19.3359375 µJ.
    expect(e.microjoulesPerInference).toBeCloseTo(19.3359375, 9);
    // One inference per second: duty 0.001953125; 3 V × (3.3 mA × duty + 1.5 µA × (1 − duty)) = 23.8271484375 µW.
    expect(e.periodSeconds).toBe(1);
    expect(e.dutyCycle).toBeCloseTo(0.001953125, 12);
    expect(e.averageMicrowatts).toBeCloseTo(23.8271484375, 9);
    expect(formatEnergy(e)).toMatch(/^ESTIMATE on nRF52840: 1\.95 ms, 19\.3 µJ per inference \(measured instructions × CPI 1\.25 \(assumed\)\); .*duty cycle 0\.20 %, average 23\.8 µW — nRF52840 at 64 MHz, 3 V; nRF52840 Product Specification/);
  });

  it('measured cycles need no CPI; no stride → no duty cycle; unknown MCUs get no estimate', () => {
    const e = estimateEnergy({ measured: 64_000, kind: 'cycles', power: NRF52840 });
    expect(e.microsPerInference).toBeCloseTo(1000, 9);
    expect([e.dutyCycle, e.averageMicrowatts]).toEqual([null, null]);
    expect(mcuPowerFor('qemu-mps2-an386')).toBe(NRF52840);
    expect(mcuPowerFor('nano33ble-sense-rev2')).toBe(NRF52840);
    expect(mcuPowerFor('cortex-m4')).toBeNull();
  });
});
