// tinyforge tune end to end with real parts (training in child processes, firmware built and run on
// the virtual board): a budget nothing meets is refused before training; an interrupted search
// resumes without losing a trial; the best trial taken to the board has the predicted arena and
// flash and instructions within 1 %.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import { TuneStore } from '../../src/adapters/tune-store.js';
import type { Figures } from '../../src/tune/budget.js';
import type { TrialRecord } from '../../src/tune/search.js';
import { localTrialPool, runTrialOnBoard, tuneStage, type TrialExecutor, type TuneReport } from '../../src/tune/tune.js';
import { makeBudget } from '../../src/tune/budget.js';
import { hasFirmwareTools, tempDir, tinySearch } from './helpers.js';

const tools = hasFirmwareTools();

describe.skipIf(!tools)('tinyforge tune on the local pool', () => {
  const out = tempDir('tf-tune-');
  let report: TuneReport;

  it('a budget nothing can meet is reported before any training, with the smallest candidates\' figures', async () => {
    const never: TrialExecutor = { describe: 'none', run: () => Promise.reject(new Error('no trial may start')), close: async () => {} };
    const dir = tempDir('tf-tune-none-');
    const e = (await tuneStage(tinySearch(dir, { budget: makeBudget({ board: 'nano33ble-sense-rev2', maxFlash: 4000 }) }), never).catch((x) => x)) as TinyforgeError;
    expect(e).toBeInstanceOf(TinyforgeError);
    expect(e.kind).toBe('bad-input');
    expect(e.message).toMatch(/no candidate of the search space fits the budget \(nano33ble-sense-rev2: flash ≤ 4000 B/);
    // One line per family's smallest candidate, with its measured figures and what it exceeds.
    expect(e.message).toMatch(/conv1d 1×\[k3 4\], 1s.*: flash \d+ B, RAM \d+ B, arena \d+ B, \d+ instructions .* — flash \d+ B > 4000 B/);
    expect(e.message).toMatch(/dsconv 1×\[k3 4\], 1s/);
    expect(e.remedy).toMatch(/--max-flash/);
    expect(new TuneStore<TrialRecord, Figures>(dir).readTrials()).toEqual([]);
  });

  it('interrupted mid-search and re-run with the same folder: every finished trial is kept, the rest run', async () => {
    const ac = new AbortController();
    const first = await tuneStage(tinySearch(out), localTrialPool(2), {
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'trial-end') ac.abort();
      },
    }).catch((x) => x);
    expect(first).toBeInstanceOf(TinyforgeError);
    expect((first as TinyforgeError).kind).toBe('interrupted');
    const before = new TuneStore<TrialRecord, Figures>(out).readTrials().filter((r) => r.status === 'done');
    expect(before.length).toBeGreaterThanOrEqual(1);

    report = await tuneStage(tinySearch(out), localTrialPool(2));
    expect(report.counts.resumed).toBeGreaterThanOrEqual(before.length);
    expect(report.counts.trained).toBe(4);
    expect(report.counts.failed).toBe(0);
    const lines = new TuneStore<TrialRecord, Figures>(out).readTrials();
    for (const b of before) expect(lines).toContainEqual(b);
    // Each training is recorded once: the trial in flight at the interruption was re-run, nothing twice.
    const trainings = lines.filter((r) => r.status === 'done' && !r.accuracy?.test).map((r) => `${r.id}/${r.rung}`);
    expect(new Set(trainings).size).toBe(trainings.length);
    expect(trainings.length).toBe(report.counts.trainings + report.counts.resumed);
    // Successive halving: 4 candidates at 1 epoch, the best 2 at 2 epochs.
    expect(report.trials.filter((t) => t.rung === 1).length).toBe(2);
    // The front has test accuracy; selection used validation only.
    expect(report.front.length).toBeGreaterThanOrEqual(1);
    for (const f of report.front) expect(f.accuracy?.test?.int8).toBeGreaterThanOrEqual(0);
    expect(report.trials.filter((t) => !report.front.some((f) => f.id === t.id)).every((t) => t.accuracy?.test === undefined)).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain(`#${report.best!.id}`);
    expect(existsSync(join(out, 'tune.json'))).toBe(true);
  }, 1_200_000); // a search and its resumption: an upper bound for a loaded machine, not a timing check

  it('the best trial through firmware → build → flash → verify: arena as predicted before training, instructions within 1 %, flash and RAM as recorded after training', async () => {
    const best = report.best!;
    const r = await runTrialOnBoard(`${out}#${best.id}`, { max: 20 });
    expect(r.verify.ok).toBe(true);
    expect(r.verify.bitExact).toBe(r.verify.n);
    expect(r.predicted).toEqual({ flash: best.predicted!.flash, ram: best.predicted!.ram, arena: best.predicted!.arena, instructions: best.predicted!.instructions });
    expect(r.measured.arena).toBe(r.predicted.arena);
    expect(Math.abs(r.measured.instructions - r.predicted.instructions) / r.predicted.instructions).toBeLessThanOrEqual(0.01);
    // The generated code may specialise on the trained requantisation (the native DSP kernels drop the
    // left-shift path of a layer that needs none), so flash is exact against the post-training figures.
    expect(r.measured.flash).toBe(best.figures!.flash);
    expect(r.measured.ram).toBe(best.figures!.ram);
    expect(r.measured.arena).toBe(best.figures!.arena);
    expect(Math.abs(r.measured.flash - r.predicted.flash)).toBeLessThan(0.01 * r.predicted.flash);
  });
});
