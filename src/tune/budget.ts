/**
 * Budgets of a search: flash, RAM and latency a candidate may use on the target board, checked
 * against its measured figures before any training.
 *
 * Figures (all from the candidate's native-engine firmware, built with arm-none-eabi-gcc for a
 * Cortex-M4 and run on the virtual board with placeholder weights):
 *   flash  the image's flash bytes (text + data)
 *   ram    static RAM (data + bss, the arena included; stack and heap reservations apart)
 *   arena  the planned tensor arena, bytes
 *   instructions per inference: counted by the virtual board (QEMU -icount)
 * Latency = instructions × CPI / clock. CPI (cycles per instruction) is an assumption, stated in
 * every output: the Cortex-M4 issues most int8-kernel instructions (SMLAD, LDR, ADD) in 1 cycle,
 * loads and taken branches in 2, so ~1.25 is typical of the DSP kernels; pass --cpi to change it.
 */
import { usageError } from '../core/errors.js';
import { getBoard, type BoardSpec } from '../firmware/boards.js';

/** Cycles per instruction assumed when none is given. */
export const DEFAULT_CPI = 1.25;

/** Core clock of each board (Hz): nRF52840 64 MHz; MPS2 AN385/AN386/AN500 FPGA images 25 MHz, AN505 20 MHz; a generic Cortex-M4 is assumed at 64 MHz. */
export const BOARD_CLOCK_HZ: Record<string, number> = {
  'qemu-mps2-an386': 25_000_000,
  'qemu-mps2-an385': 25_000_000,
  'qemu-mps2-an500': 25_000_000,
  'qemu-mps2-an505': 20_000_000,
  'cortex-m4': 64_000_000,
  nano33ble: 64_000_000,
  'nano33ble-sense': 64_000_000,
  'nano33ble-sense-rev2': 64_000_000,
};

export interface Budget {
  board: string;
  /** Bytes; null = no limit. */
  maxFlash: number | null;
  maxRam: number | null;
  /** Milliseconds per inference; null = no limit. */
  maxLatencyMs: number | null;
  clockHz: number;
  cpi: number;
}

export interface Figures {
  flash: number;
  ram: number;
  arena: number;
  instructions: number;
}

/** Latency in ms of `instructions` under the budget's clock and CPI. */
export function latencyMs(instructions: number, b: Pick<Budget, 'clockHz' | 'cpi'>): number {
  return (instructions * b.cpi * 1000) / b.clockHz;
}

/** The budget for a board: its own flash/RAM limits unless tighter ones are given. */
export function makeBudget(o: { board: string; maxFlash?: number; maxRam?: number; maxLatencyMs?: number; cpi?: number; clockMHz?: number }): Budget {
  const board: BoardSpec = getBoard(o.board);
  const cpi = o.cpi ?? DEFAULT_CPI;
  if (!(cpi > 0)) throw usageError(`--cpi must be a positive number, got ${o.cpi}`, { remedy: 'e.g. --cpi 1.25' });
  const clockHz = o.clockMHz !== undefined ? o.clockMHz * 1e6 : BOARD_CLOCK_HZ[board.id];
  const lim = board.memory;
  const pick = (given: number | undefined, limit: number | undefined) => (given !== undefined ? (limit !== undefined ? Math.min(given, limit) : given) : (limit ?? null));
  return { board: board.id, maxFlash: pick(o.maxFlash, lim?.flashBytes), maxRam: pick(o.maxRam, lim?.ramBytes), maxLatencyMs: o.maxLatencyMs ?? null, clockHz, cpi };
}

/** Which limits a candidate's figures exceed (empty: it fits). */
export function overBudget(f: Figures, b: Budget): string[] {
  const out: string[] = [];
  if (b.maxFlash !== null && f.flash > b.maxFlash) out.push(`flash ${f.flash} B > ${b.maxFlash} B`);
  if (b.maxRam !== null && f.ram > b.maxRam) out.push(`RAM ${f.ram} B > ${b.maxRam} B`);
  const ms = latencyMs(f.instructions, b);
  if (b.maxLatencyMs !== null && ms > b.maxLatencyMs) out.push(`latency ${ms.toFixed(2)} ms > ${b.maxLatencyMs} ms`);
  return out;
}

/** The budget in words, with the CPI assumption. */
export function describeBudget(b: Budget): string {
  const lim = [
    b.maxFlash !== null ? `flash ≤ ${b.maxFlash} B` : null,
    b.maxRam !== null ? `RAM ≤ ${b.maxRam} B` : null,
    b.maxLatencyMs !== null ? `latency ≤ ${b.maxLatencyMs} ms` : null,
  ].filter(Boolean);
  return `${b.board}: ${lim.length ? lim.join(', ') : 'no limits'}; latency = instructions × ${b.cpi} cycles/instruction (assumed) ÷ ${b.clockHz / 1e6} MHz`;
}
