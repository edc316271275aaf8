// tinyforge tune end to end with real parts (training in child processes, firmware built and run on
// the virtual board): a budget nothing meets is refused before training; an interrupted search
// resumes without losing a trial; every trained trial (a spectral front-end among them) measures
// the arena, flash and RAM predicted before training and instructions within 1 %, on the board too.
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

  it('every trained trial, measured again on its trained model: arena, flash and RAM as predicted before training, instructions within 1 %', () => {
    const trained = report.trials.filter((t) => t.status === 'done');
    expect(trained.length).toBe(4);
    // Several architectures, a feature front-end among them (seed 1: two conv1d, two spectral).
    expect(new Set(trained.map((t) => t.arch)).size).toBe(4);
    expect(trained.some((t) => t.candidate.frontEnd === 'spectral')).toBe(true);
    expect(trained.some((t) => t.candidate.frontEnd === 'raw')).toBe(true);
    for (const t of trained) {
      const p = t.predicted!;
      const f = t.figures!;
      expect({ id: t.id, arena: f.arena, flash: f.flash, ram: f.ram }).toEqual({ id: t.id, arena: p.arena, flash: p.flash, ram: p.ram });
      expect(Math.abs(f.instructions - p.instructions) / p.instructions, `#${t.id} instructions ${f.instructions} vs predicted ${p.instructions}`).toBeLessThanOrEqual(0.01);
    }
  });

  // The best trial, and a spectral one when the best is not: the DSP runs on the board from raw windows.
  it('the best trial and a feature front-end trial through firmware → build → flash → verify: bit-exact, arena/flash/RAM as predicted before training, instructions within 1 %', async () => {
    const best = report.best!;
    const spectral = report.trials.find((t) => t.status === 'done' && t.candidate.frontEnd === 'spectral')!;
    for (const t of best.candidate.frontEnd === 'spectral' ? [best] : [best, spectral]) {
      const r = await runTrialOnBoard(`${out}#${t.id}`, { max: 20 });
      expect(r.verify.ok).toBe(true);
      expect(r.verify.bitExact).toBe(r.verify.n);
      if (t.candidate.frontEnd !== 'raw') expect(r.verify.features?.bitExact).toBe(r.verify.n);
      expect(r.predicted).toEqual({ flash: t.predicted!.flash, ram: t.predicted!.ram, arena: t.predicted!.arena, instructions: t.predicted!.instructions });
      expect({ arena: r.measured.arena, flash: r.measured.flash, ram: r.measured.ram }).toEqual({ arena: r.predicted.arena, flash: r.predicted.flash, ram: r.predicted.ram });
      expect(r.matches).toMatchObject({ arena: true, flash: true, ram: true, instructions: true, trainedExact: true });
      expect(Math.abs(r.measured.instructions - r.predicted.instructions) / r.predicted.instructions).toBeLessThanOrEqual(0.01);
    }
  });
});
