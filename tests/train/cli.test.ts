import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tf-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function tinyforge(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [join(REPO_ROOT, 'bin', 'tinyforge.mjs'), ...args], { cwd, timeout: 110_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('tinyforge train', () => {
  it('--example regression --json prints the learned line and saves a loadable folder', async () => {
    const r = await tinyforge(['--json', 'train', '--example', 'regression', '--epochs', '200', '--backend', 'wasm', '--out', 'reg']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // 200 SGD epochs from a random start: w within 0.1 of 2 (it converges fastest).
    expect(Math.abs(j.weight - 2)).toBeLessThan(0.1);
    expect(j.backend).toBe('wasm');
    expect(JSON.parse(readFileSync(join(dir, 'reg', 'settings.json'), 'utf8')).task).toBe('regression');
    expect(existsSync(join(dir, 'reg', 'model.json'))).toBe(true);
  }, 120_000);

  it('--example autoencoder: a 640 → 640 model (task "anomaly") that convert turns into int8 [1,640] → [1,640], its held-out windows unlabelled', async () => {
    const r = await tinyforge(['--json', 'train', '--example', 'autoencoder', '--epochs', '2', '--backend', 'wasm', '--out', 'ae']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ example: 'autoencoder', epochs: 2, backend: 'wasm' });
    expect(j.finalLoss).toBeGreaterThan(0);
    const settings = JSON.parse(readFileSync(join(dir, 'ae', 'settings.json'), 'utf8'));
    expect(settings).toMatchObject({ task: 'anomaly', labels: [], windowLength: 640 });
    const c = await tinyforge(['--json', 'convert', '--model', 'ae', '--out', 'ae-int8']);
    expect(c.code, c.stderr).toBe(0);
    const { readTflite } = await import('../../src/tflite/reader.js');
    const g = readTflite(new Uint8Array(readFileSync(join(dir, 'ae-int8', 'model.tflite')))).graph;
    for (const t of [g.tensors[g.inputs[0]], g.tensors[g.outputs[0]]]) expect({ shape: Array.from(t.shape), dtype: t.dtype }).toEqual({ shape: [1, 640], dtype: 'int8' });
    // verify --data takes the run's 12 held-out windows, quantised for the model; with no classes
    // they carry no labels, so verify reports no (meaningless) accuracy.
    const manifest = JSON.parse(readFileSync(join(dir, 'ae', 'windows.json'), 'utf8'));
    expect(manifest.heldOut.count).toBe(12);
    const { quantizeWindows } = await import('../../src/device/reference.js');
    const held = { axes: ['x'], labels: [], windowLength: 640, sampleRateHz: 1, x: new Float32Array(2 * 640), y: new Int32Array(2), groups: ['a', 'a'] };
    const q = quantizeWindows(new Uint8Array(readFileSync(join(dir, 'ae-int8', 'model.tflite'))), held);
    expect(q.inputs.map((b) => b.length)).toEqual([640, 640]);
    expect(q.labels).toBeUndefined();
  }, 120_000);

  it('reads tinyforge.config.json from the working folder; flags override it', async () => {
    writeFileSync(join(dir, 'tinyforge.config.json'), JSON.stringify({
      version: 1,
      data: { builtin: { seed: 2, subjects: 5, secondsPerActivity: 10 }, split: { val: 0.2, test: 0.2 } },
      train: { preset: 'dense', epochs: 5, batchSize: 16, backend: 'wasm', out: 'from-config' },
    }));
    const r = await tinyforge(['--json', 'train', '--epochs', '2']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.report.training.preset).toBe('dense');
    expect(j.report.training.epochsRun).toBe(2);
    expect(j.out).toBe(join(dir, 'from-config'));
    expect(readFileSync(join(dir, 'from-config', 'report.html'), 'utf8')).toContain('<svg');
    rmSync(join(dir, 'tinyforge.config.json'));
  }, 120_000);

  it('data.import in the project file drives train; eval --data takes recordings with the same import flags', async () => {
    // A folder per class, 6 subjects × 2 classes, 100 rows at 50 Hz (2 s) each: one window per recording.
    const data = join(dir, 'imp', 'data');
    for (const cls of ['wave', 'still']) {
      mkdirSync(join(data, cls), { recursive: true });
      for (let s = 1; s <= 6; s++) {
        const rows = ['t_ms,aX,aY,aZ'];
        for (let i = 0; i < 100; i++) {
          const w = cls === 'wave' ? Math.sin(i / 3 + s) : 0.02 * Math.sin(s * i);
          rows.push(`${i * 20},${(0.5 * w).toFixed(4)},${(0.3 * w).toFixed(4)},${(1 + 0.1 * w).toFixed(4)}`);
        }
        writeFileSync(join(data, cls, `s${s}.csv`), rows.join('\n') + '\n');
      }
    }
    writeFileSync(join(dir, 'imp', 'tinyforge.config.json'), JSON.stringify({ data: { import: { files: ['data'], label: { folder: true }, rateHz: 50 } }, train: { preset: 'dense', epochs: 5, backend: 'wasm', out: 'run' } }));
    const t = await tinyforge(['--json', 'train', '--epochs', '2'], join(dir, 'imp'));
    expect(t.code, t.stderr).toBe(0);
    const tj = JSON.parse(t.stdout);
    expect(tj.settings.labels).toEqual(['still', 'wave']);
    expect(tj.report.training.epochsRun).toBe(2);
    // a flag overrides the section: 100 Hz declared against 50 Hz timestamps is refused, naming both
    const bad = await tinyforge(['train', '--rate', '100'], join(dir, 'imp'));
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/timestamps say 50 Hz .* but 100 Hz was declared/);
    const e = await tinyforge(['--json', 'eval', '--model', 'run', '--data', 'data', '--label-from-folder'], join(dir, 'imp'));
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).examples).toBe(12);
  }, 180_000);

  it('a bad project file fails with exit 3, the field named and a remedy', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ train: { optimizer: 'rmsprop' } }));
    const r = await tinyforge(['train', '--config', 'bad.json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/train\.optimizer: must be one of "adam", "sgd"/);
    expect(r.stderr).toMatch(/remedy:/);
    const u = await tinyforge(['train', '--epochs', 'x']);
    expect(u.code).toBe(2);
  }, 60_000);
});
