// Models whose outputs are not a list of classes, through `firmware` (both engines) and `verify` on
// the virtual board, as a user runs them: a 640-input, 640-output int8 autoencoder trained here with
// tinyforge (the I/O shape of the MLPerf Tiny anomaly-detection model; `firmware` used to refuse it
// as "at most 255 classes") and the lecture's regression y = 2x − 1. verify compares every output
// byte with the host int8 interpreter.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { startVirtualBoard, type VirtualBoard } from '../../src/adapters/qemu.js';
import { quantizeWindows } from '../../src/device/reference.js';
import { readTflite } from '../../src/tflite/reader.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { REGRESSION_XS, trainRegression } from '../../src/train/examples.js';
import { cli } from '../helpers/cli.js';
import { AE_VALUES, trainAutoencoder } from './autoencoder.js';

const hasArm = spawnSync('arm-none-eabi-gcc', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('qemu-system-arm', ['--version'], { stdio: 'ignore' }).status === 0;

async function buildAndVerify(dir: string, extraFirmware: string[], verifyArgs: string[]): Promise<Record<string, unknown>> {
  const fw = join(dir, 'fw-native');
  const f = await cli(['firmware', '--board', 'qemu-mps2-an386', '--engine', 'native', '--model', join(dir, 'model.tflite'), ...extraFirmware, '--out', fw]);
  expect(f.status, f.stderr).toBe(0);
  const b = await cli(['build', fw]);
  expect(b.status, b.stderr).toBe(0);
  let board: VirtualBoard | null = null;
  try {
    board = await startVirtualBoard(join(fw, 'build/firmware.elf'));
    const v = await cli(['--json', 'verify', '--port', board.path, '--model', join(dir, 'model.tflite'), ...verifyArgs]);
    expect(v.status, v.stderr).toBe(0);
    return JSON.parse(v.stdout) as Record<string, unknown>;
  } finally {
    await board?.stop();
  }
}

describe.skipIf(!hasArm)('any output: autoencoder (640 → 640) and regression through firmware and verify on the virtual board', () => {
  let aeDir = '';
  beforeAll(async () => {
    aeDir = mkdtempSync(join(tmpdir(), 'tf-ae-'));
    const ae = await trainAutoencoder(3);
    writeFileSync(join(aeDir, 'model.tflite'), ae.bytes);
    writeFileSync(join(aeDir, 'settings.json'), JSON.stringify(ae.settings, null, 2));
    // Test inputs as vectors (in-NNN.bin, no outputs: verify's reference is the host interpreter).
    const w = quantizeWindows(ae.bytes, { axes: ['x'], labels: [], windowLength: AE_VALUES, sampleRateHz: 1, x: ae.test, y: new Int32Array(12), groups: [] });
    w.inputs.forEach((b, i) => writeFileSync(join(aeDir, `in-${String(i).padStart(3, '0')}.bin`), b));
  }, 300_000);

  it('the autoencoder has 640 int8 inputs and 640 int8 outputs', () => {
    const g = readTflite(new Uint8Array(readFileSync(join(aeDir, 'model.tflite')))).graph;
    for (const t of [g.tensors[g.inputs[0]], g.tensors[g.outputs[0]]]) {
      expect(t.dtype).toBe('int8');
      expect(t.shape.reduce((a, b) => a * b, 1)).toBe(640);
    }
  });

  it('firmware writes both engines\' projects, with the settings (task "anomaly") and without (derived: unnamed outputs)', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'tf-ae-bare-'));
    writeFileSync(join(bare, 'model.tflite'), readFileSync(join(aeDir, 'model.tflite')));
    for (const engine of ['native', 'tflm']) {
      for (const settings of [['--settings', join(aeDir, 'settings.json')], []]) {
        const out = join(aeDir, `fw-${engine}-${settings.length ? 's' : 'd'}`);
        // Derived: the model alone, in a folder without its settings.json (firmware reads a sibling one).
        const model = settings.length ? join(aeDir, 'model.tflite') : join(bare, 'model.tflite');
        const r = await cli(['firmware', '--board', 'qemu-mps2-an386', '--engine', engine, '--model', model, ...settings, '--out', out]);
        expect(r.status, r.stderr).toBe(0);
        const header = readFileSync(join(out, 'src/tf_model_settings.h'), 'utf8');
        expect(header).toContain('#define TF_MODEL_NUM_OUTPUTS 640');
        expect(header).toContain(settings.length ? '#define TF_MODEL_TASK TF_TASK_ANOMALY' : '#define TF_MODEL_TASK TF_TASK_REGRESSION');
        expect(existsSync(join(out, engine === 'native' ? 'src/tf_model_native.c' : 'src/tf_engine_tflm.cpp'))).toBe(true);
      }
    }
  }, 300_000);

  it('verify: every one of the 640 outputs of every window bit-exact on the virtual board', async () => {
    const rep = await buildAndVerify(aeDir, ['--settings', join(aeDir, 'settings.json')], ['--vectors', aeDir]);
    expect(rep).toMatchObject({ ok: true, n: 12, bitExact: 12, maxLsbDiff: 0, modelSha256: { match: true } });
  }, 300_000);

  it('the lecture\'s regression y = 2x − 1: firmware and verify, every output bit-exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-reg-'));
    const r = await trainRegression({ epochs: 500 });
    const q = quantizeStage({ model: r.model, settings: r.settings, calibration: { x: Float32Array.from(REGRESSION_XS), shape: [6, 1] } });
    writeFileSync(join(dir, 'model.tflite'), q.bytes);
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(q.settings, null, 2));
    const inputs = quantizeWindows(q.bytes, { axes: ['x'], labels: [], windowLength: 1, sampleRateHz: 1, x: Float32Array.from(REGRESSION_XS), y: new Int32Array(6), groups: [] }).inputs;
    writeFileSync(join(dir, 'windows.json'), JSON.stringify({ inputs: inputs.map((b) => Array.from(new Int8Array(b.buffer, b.byteOffset, b.length))) }));
    const rep = await buildAndVerify(dir, ['--settings', join(dir, 'settings.json')], ['--windows', join(dir, 'windows.json')]);
    expect(rep).toMatchObject({ ok: true, n: 6, bitExact: 6 });
  }, 300_000);
});

