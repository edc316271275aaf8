/**
 * The native engine's part of the firmware plan as text (`tinyforge firmware`, `--dry-run`): each
 * operator's kernel and scratch, for DSP layers with packed weights the packing chosen, its bytes
 * under either packing, and the budget that decided it; then the flash estimate. Pure; golden-tested
 * (tests/boards/plans.test.ts). `--json` carries the same fields (FirmwareProject.native, .flash).
 */
import type { FirmwareProject } from './emit.js';

const n = (x: number) => String(x);

export function formatNativePlan(p: Pick<FirmwareProject, 'native' | 'flash'>): string[] {
  const lines: string[] = [];
  const nat = p.native;
  if (nat) {
    lines.push(`  native kernels (${nat.target}${nat.arenaBytes !== undefined ? `, arena ${nat.arenaBytes} B` : ''}):`);
    // Bytes the budget had left after the packing: an int8 layer's widening did not fit in it.
    const budget = nat.weightPlan?.budget;
    const left = budget && p.flash ? budget.constBytes - p.flash.dataBytes : null;
    nat.kernels.forEach((k, i) => {
      const w = k.weightSizes;
      const sizes = w ? ` (int8 ${w.int8 === null ? '–' : n(w.int8)} / int16 ${n(w.int16)} B)` : '';
      const why = w && w.int8 !== null && k.weights === 'int8' && left !== null ? `: int16 would add ${n(w.int16 - w.int8)} B, ${n(Math.max(0, left))} B left in the budget` : '';
      lines.push(`    ${i} ${k.op}: ${k.kernel}${k.scratchBytes ? `, scratch ${k.scratchBytes} B` : ''}${k.weights ? `, ${k.weights} weights ${k.weightBytes} B${sizes}${why}` : ''}`);
    });
    const wp = nat.weightPlan;
    if (wp) {
      const packed = nat.kernels.filter((k) => k.weights);
      const w16 = packed.filter((k) => k.weights === 'int16').length;
      const how = wp.budget
        ? `fastest packing within ${n(wp.budget.imageBytes)} B of image (${wp.budget.why}) = ${n(wp.budget.constBytes)} B of constant data after the code allowance`
        : `every layer that can takes ${wp.policy}`;
      const above = wp.budget && p.flash && p.flash.bytes > wp.budget.imageBytes ? '; the estimate stays above the budget: no packing reaches it' : '';
      lines.push(`  weights ${wp.policy}: ${how}; ${w16} of ${packed.length} packed layers int16, ${packed.length - w16} int8${above}`);
    }
  }
  if (p.flash) lines.push(`  flash estimate ${p.flash.bytes} of ${p.flash.limit} B (model data ${p.flash.dataBytes} B + code allowance; tinyforge build measures it)`);
  return lines;
}
