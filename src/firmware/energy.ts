/**
 * Time and energy per inference, ESTIMATED from what the board measured (instructions on the
 * virtual board, cycles on a Nano), the board's clock, a stated cycles-per-instruction assumption
 * and the MCU's datasheet current. Pure. Every result carries its assumptions as text.
 *
 *   cycles  = measured cycles, or measured instructions × CPI
 *   t       = cycles / clock                    (µs per inference)
 *   E       = I_run · V · t                     (µJ per inference, CPU running from flash)
 *   period  = windowStride / sampleRate         (one inference per stride)
 *   duty    = t / period
 *   P_avg   = V · (I_run · duty + I_sleep · (1 − duty))   (the CPU sleeps between windows;
 *             sensor, radio and LED excluded)
 */
import type { BoardId } from './boards.js';

export interface McuPower {
  mcu: string;
  clockHz: number;
  /** Cycles per instruction assumed when only instructions were measured. */
  cpi: number;
  runAmps: number;
  sleepAmps: number;
  volts: number;
  /** Where the currents come from. */
  source: string;
}

/**
 * nRF52840 (Arduino Nano 33 BLE family): 64 MHz Cortex-M4F, supply 3 V (the Product
 * Specification's common condition for its current tables). Source: Nordic Semiconductor,
 * nRF52840 Product Specification (online edition, docs.nordicsemi.com bundle ps_nrf52840),
 * chapter "Current consumption" → "Electrical specification":
 *   - table "CPU running": I_CPU0, CPU running CoreMark @ 64 MHz from flash, cache enabled,
 *     regulator DC/DC, typ. 3.3 mA — the run current used here;
 *   - table "Sleep": I_ON_RAMOFF_RTC, System ON, no RAM retention, wake on RTC, typ. 1.5 µA —
 *     the current between windows.
 * Checked (issue 15, by search, 2026-12-07): the chapter and its table names were read on
 * docs.nordicsemi.com (the same chapter's "Compounded" table lists CPU-running-CoreMark-from-flash
 * scenarios with the radio on, e.g. I_S0 8.1 mA with BLE TX at 0 dBm and DC/DC, consistent with a
 * ~3 mA CPU share); the two values themselves were confirmed only through sources quoting that
 * Product Specification (1.50 µA for ION_RAMOFF_RTC; 3.3 mA for CoreMark @ 64 MHz from flash), not
 * on the PS's own table page, and the PS revision number could not be read: treat them as the
 * PS's typical values to be re-checked against the revision at hand.
 * CPI 1.25: an assumption for int8 kernels on a Cortex-M4 running from flash through the cache
 * (single-cycle ALU/MAC ops, 2-cycle loads, taken branches refilling the pipeline).
 */
export const NRF52840: McuPower = {
  mcu: 'nRF52840',
  clockHz: 64_000_000,
  cpi: 1.25,
  runAmps: 3.3e-3,
  sleepAmps: 1.5e-6,
  volts: 3.0,
  source: 'nRF52840 Product Specification, Current consumption → Electrical specification: table "CPU running" I_CPU0 (CoreMark @ 64 MHz from flash, cache on, DC/DC, 3 V) typ. 3.3 mA; table "Sleep" I_ON_RAMOFF_RTC (System ON, wake on RTC) typ. 1.5 µA',
};

/**
 * The MCU a board's estimate uses. The virtual board stands in for a Nano 33 BLE: its instruction
 * count is estimated on the nRF52840. The generic Cortex-M4 project has no known MCU: no estimate.
 */
export function mcuPowerFor(board: string): McuPower | null {
  const nano: BoardId[] = ['nano33ble', 'nano33ble-sense', 'nano33ble-sense-rev2', 'qemu-mps2-an386'];
  return (nano as string[]).includes(board) ? NRF52840 : null;
}

export interface EnergyEstimate {
  estimate: true;
  mcu: string;
  /** What was measured and how cycles were obtained. */
  basis: string;
  cycles: number;
  microsPerInference: number;
  microjoulesPerInference: number;
  /** Seconds between inferences (window stride / sample rate), null when the model does not window a stream. */
  periodSeconds: number | null;
  dutyCycle: number | null;
  averageMicrowatts: number | null;
  assumptions: string;
}

export function estimateEnergy(o: { measured: number; kind: 'instructions' | 'cycles'; power: McuPower; windowStride?: number; sampleRateHz?: number }): EnergyEstimate {
  const p = o.power;
  const cycles = o.kind === 'cycles' ? o.measured : o.measured * p.cpi;
  const seconds = cycles / p.clockHz;
  const joules = p.runAmps * p.volts * seconds;
  const period = o.windowStride && o.sampleRateHz ? o.windowStride / o.sampleRateHz : null;
  const duty = period ? Math.min(1, seconds / period) : null;
  const avgW = duty === null ? null : p.volts * (p.runAmps * duty + p.sleepAmps * (1 - duty));
  return {
    estimate: true,
    mcu: p.mcu,
    basis: o.kind === 'cycles' ? 'measured CPU cycles' : `measured instructions × CPI ${p.cpi} (assumed)`,
    cycles,
    microsPerInference: seconds * 1e6,
    microjoulesPerInference: joules * 1e6,
    periodSeconds: period,
    dutyCycle: duty,
    averageMicrowatts: avgW === null ? null : avgW * 1e6,
    assumptions: `${p.mcu} at ${p.clockHz / 1e6} MHz, ${p.volts} V; ${p.source}; CPU asleep between windows; sensor, radio and LED not counted`,
  };
}

/** One line for reports: "estimate (nRF52840): 7.4 ms, 73 µJ per inference; …". */
export function formatEnergy(e: EnergyEstimate): string {
  const dc = e.dutyCycle === null ? '' : `; at the stride (${(e.periodSeconds! * 1000).toFixed(0)} ms) duty cycle ${(100 * e.dutyCycle).toFixed(2)} %, average ${e.averageMicrowatts!.toFixed(1)} µW`;
  return `ESTIMATE on ${e.mcu}: ${(e.microsPerInference / 1000).toFixed(2)} ms, ${e.microjoulesPerInference.toFixed(1)} µJ per inference (${e.basis})${dc} — ${e.assumptions}`;
}
