// `tinyforge run` from a project file, in-process (buildProgram), on data made in the test
// (tests/service/helpers.ts: two classes any model separates). Expected values are properties
// of the contract — stages that ran, files they leave, bit-exactness, the verify bound and the
// flags that override the file — not figures copied from a run.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/train/config.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { applyRunFlags, projectFile } from '../../src/cli/commands/run.js';
import { runProject, selectStages } from '../../src/service/run.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { interruptedError } from '../../src/adapters/signals.js';
import { readTflite } from '../../src/tflite/reader.js';
import { runCli, writeTwoClassCsvs } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tf-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The JSON block after <!-- project-file-example --> in the README. */
function readmeExample(): unknown {
  const md = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const m = /<!-- project-file-example -->\s*```json\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error('README has no project-file example');
  return JSON.parse(m[1]);
}

describe('the README project file', () => {
  const dir = join(root, 'readme');
  writeTwoClassCsvs(join(dir, 'recordings'));

  it('validates against the schema', () => {
    expect(() => validateConfig(readmeExample(), 'README example')).not.toThrow();
  });

  it('runs with --to int8 on tiny data (a flag overriding train.epochs), then --from firmware reuses its model', async () => {
    writeFileSync(join(dir, 'tinyforge.config.json'), JSON.stringify(readmeExample(), null, 2));
    const cfg = join(dir, 'tinyforge.config.json');
    const r = await runCli('--json', 'run', '--config', cfg, '--to', 'int8', '--epochs', '2', '--backend', 'wasm');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    const out = join(dir, 'out/gestures'); // the file's "out", relative to the file
    expect(rep.outDir).toBe(out);
    expect(rep.stages).toEqual(['data', 'train', 'int8']);
    expect(rep.train.epochsRun).toBeLessThanOrEqual(2); // the file says 30
    expect(rep.data.labels).toEqual(['shake', 'still']);
    expect(rep.data.windowLength).toBe(100);
    expect(rep.firmware).toBeUndefined();
    for (const f of ['model.tflite', 'model_data.h', 'model_data.cc', 'settings.json', 'train/model.json', 'pipeline.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'firmware'))).toBe(false);
    expect(readTflite(new Uint8Array(readFileSync(join(out, 'model.tflite')))).graph.operators.length).toBeGreaterThan(0);

    const fw = await runCli('--json', 'run', '--config', cfg, '--from', 'firmware', '--to', 'firmware', '--board', 'cortex-m4');
    expect(fw.status, fw.stdout + fw.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'firmware', 'tinyforge.json'), 'utf8'));
    expect([m.board, JSON.parse(fw.stdout).stages]).toEqual(['cortex-m4', ['firmware']]);
    // The small model stays all int16 by default; run --weights int8 (firmware.weights) reaches the generator.
    const modelC = () => readFileSync(join(out, 'firmware', 'src', 'tf_model_native.c'), 'utf8');
    expect(modelC()).toMatch(/ int16 weights/);
    const w8 = await runCli('--json', 'run', '--config', cfg, '--from', 'firmware', '--to', 'firmware', '--board', 'cortex-m4', '--weights', 'int8');
    expect(w8.status, w8.stdout + w8.stderr).toBe(0);
    expect(modelC()).toMatch(/ int8 weights/);
    expect(modelC()).not.toMatch(/ int16 weights/);
  }, 300_000);
});

describe('tinyforge run end to end on the virtual board', () => {
  it('data → … → verify from a project file; flags override its sections; verify sends a bounded stratified sample', async () => {
    const dir = join(root, 'e2e');
    writeTwoClassCsvs(join(dir, 'recs'));
    const cfg = join(dir, 'project.json');
    writeFileSync(cfg, JSON.stringify({
      version: 1,
      out: 'build-out',
      data: { paths: ['recs'], windowLength: 50, windowStride: 25 },
      train: { preset: 'dense', epochs: 500, backend: 'wasm', earlyStopping: { patience: 3 } },
      firmware: { board: 'qemu-mps2-an386', engine: 'native' },
      verify: { windows: 25 },
    }));
    // --epochs and --max override train.epochs and verify.windows.
    const r = await runCli('--json', 'run', '--config', cfg, '--epochs', '8', '--max', '12');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // --json: one object on stdout, nothing else
    const rep = JSON.parse(r.stdout);
    expect(rep.stages).toEqual(['data', 'train', 'int8', 'firmware', 'build', 'flash', 'verify']);
    expect(rep.train.epochsRun).toBeLessThanOrEqual(8);
    const v = rep.verify;
    expect([v.n, v.bitExact, v.maxLsbDiff, v.modelSha256.match]).toEqual([12, 12, 0, true]);
    expect(v.sample).toMatchObject({ mode: 'stratified', n: 12, max: 12, seed: 1 });
    expect(v.sample.total).toBe(rep.data.windows.test); // held-out = the test split here
    expect(Object.values(v.sample.perClass)).toEqual([6, 6]); // equal classes → equal shares
    expect(v.counterKind).toBe('instructions');
    expect(v.accuracy.device).toBe(v.accuracy.reference); // bit-exact → same argmax
    expect(rep.firmware.footprint.flash).toBeGreaterThan(0);
    for (const f of ['model.tflite', 'train/report.html', 'firmware/build/firmware.elf', 'pipeline.json']) expect(existsSync(join(dir, 'build-out', f)), f).toBe(true);

    // Verify without the flash stage: the run attaches to the board its project names (the Board
    // starts the virtual one on the built image; nothing in the run asks whether it is virtual).
    const again = await runCli('--json', 'run', '--config', cfg, '--from', 'verify', '--max', '3');
    expect(again.status, again.stdout + again.stderr).toBe(0);
    const va = JSON.parse(again.stdout);
    expect([va.stages, va.verify.n, va.verify.bitExact, va.verify.modelSha256.match]).toEqual([['verify'], 3, 3, true]);

    // Issue 18 item 7. A later run that makes another model (calibrated on 5 windows) and is
    // interrupted (Ctrl-C) between int8 and firmware leaves no firmware, no pipeline.json of the old
    // model beside the new one: each stage's output is consistent with the model, or absent.
    const out = join(dir, 'build-out');
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    const oldFirmware = join(dir, 'old-firmware');
    cpSync(join(out, 'firmware'), oldFirmware, { recursive: true });
    const cfg2 = join(dir, 'recalibrated.json');
    writeFileSync(cfg2, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), quantize: { representativeWindows: 5 } }));
    const oldModel = sha(join(out, 'model.tflite'));
    const ctrlC = runProject(nodePlatform(), { config: projectFile(cfg2).config, stages: ['int8', 'firmware', 'build'] }, {
      begin: (stage) => {
        if (stage === 'firmware') throw interruptedError('SIGINT');
      },
    });
    await expect(ctrlC).rejects.toMatchObject({ kind: 'interrupted' });
    expect(sha(join(out, 'model.tflite'))).not.toBe(oldModel);
    expect(existsSync(join(out, 'firmware')), 'firmware of the old model left beside the new model').toBe(false);
    expect(existsSync(join(out, 'pipeline.json')), "the old run's pipeline.json left beside the new model").toBe(false);

    // The mixed folder made by hand (the old firmware back): --from verify refuses it before
    // anything runs — the manifest's model SHA is not the model's — naming the remedy.
    cpSync(oldFirmware, join(out, 'firmware'), { recursive: true });
    const stale = await runCli('run', '--config', cfg2, '--from', 'verify', '--max', '3');
    expect(stale.status, stale.stderr).toBe(3);
    expect(stale.stderr).toMatch(/the firmware in .* was generated for another model/);
    expect(stale.stderr).toMatch(/remedy: regenerate it for this model: tinyforge run --from firmware/);
    expect((await runCli('run', '--config', cfg2, '--from', 'build', '--to', 'build')).status).toBe(3);
  }, 600_000);
});

describe('run: project file, flags and stages', () => {
  it('no project file: bad input naming the file and the remedy', async () => {
    expect(() => projectFile(undefined, root)).toThrow(/no tinyforge\.config\.json in/);
    const r = await runCli('run', '--config', join(root, 'missing.json'));
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/project file not found/);
    expect(r.stderr).toMatch(/remedy: pass --config FILE/);
  });

  it('an invalid project file names the field', async () => {
    const p = join(root, 'bad.json');
    writeFileSync(p, JSON.stringify({ version: 1, verify: { windows: 0 } }));
    const r = await runCli('run', '--config', p);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/verify\.windows/);
  });

  it('flags override their sections and leave the rest', () => {
    const cfg = validateConfig({ version: 1, data: { paths: ['/d'], split: { val: 0.2 } }, train: { epochs: 30, preset: 'conv1d' }, firmware: { board: 'cortex-m4' }, verify: { windows: 50, port: '/dev/x' } });
    const c = applyRunFlags(cfg, { epochs: '3', seed: '9', board: 'qemu-mps2-an386', max: '7', builtin: true });
    expect(c.train).toEqual({ epochs: 3, preset: 'conv1d', seed: 9 });
    expect(c.data).toEqual({ builtin: true, split: { val: 0.2, seed: 9 } });
    expect(c.firmware).toEqual({ board: 'qemu-mps2-an386' });
    expect(c.verify).toEqual({ windows: 7, port: '/dev/x' });
    expect(cfg.train?.epochs).toBe(30); // the file's object is not changed
    expect(() => applyRunFlags(cfg, { epochs: 'many' })).toThrow(/--epochs must be a whole number/);
  });

  it('--from/--to and --stages pick contiguous stages in pipeline order', () => {
    expect(selectStages({})).toEqual(['data', 'train', 'int8', 'firmware', 'build', 'flash', 'verify']);
    expect(selectStages({ from: 'int8', to: 'build' })).toEqual(['int8', 'firmware', 'build']);
    expect(selectStages({ stages: ['build', 'firmware'] })).toEqual(['firmware', 'build']);
    expect(() => selectStages({ stages: ['train', 'build'] })).toThrow(/contiguous/);
    expect(() => selectStages({ from: 'verify', to: 'data' })).toThrow(/comes after/);
    expect(() => selectStages({ to: 'deploy' })).toThrow(/not a stage/);
  });
});
