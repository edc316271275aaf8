// Build and flash plans for fixed inputs are compared with committed golden files.
// The goldens were produced by running this file with UPDATE_GOLDEN=1 and then checked by hand
// against the tools' documentation (arduino-cli compile/upload flags, bossac's Arduino usage,
// QEMU's -M/-serial/-icount options); any change to a plan shows up as a diff here.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOARD_IDS, getBoard } from '../../src/firmware/boards.js';
import { buildPlan, formatBuildPlan, MANIFEST_FILE } from '../../src/firmware/build.js';
import { flashPlan, formatFlashPlan } from '../../src/flash/plan.js';

const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '..', '..');

function golden(name: string, text: string): void {
  const p = join(here, 'golden', name);
  const header = `# Golden output of tests/boards/plans.test.ts (regenerate: UPDATE_GOLDEN=1 npx vitest run tests/boards/plans.test.ts; review the diff by hand).\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(p, header + text);
  // A missing golden is a failure, never a file written on the spot (that would pass whatever the plan says).
  if (!existsSync(p)) throw new Error(`golden file ${p} is missing; create it with UPDATE_GOLDEN=1 npx vitest run tests/boards/plans.test.ts and review it by hand`);
  expect(header + text).toBe(readFileSync(p, 'utf8'));
}

describe('golden files', () => {
  it('a missing golden fails with the command that regenerates it (it is not written on the spot)', () => {
    const name = `missing-${process.pid}.txt`;
    // Under UPDATE_GOLDEN=1 golden() writes: this case must not leave a stray golden behind.
    const update = process.env.UPDATE_GOLDEN;
    delete process.env.UPDATE_GOLDEN;
    try {
      expect(() => golden(name, 'x')).toThrow(/UPDATE_GOLDEN=1 npx vitest run tests\/boards\/plans.test.ts/);
    } finally {
      if (update !== undefined) process.env.UPDATE_GOLDEN = update;
    }
    expect(existsSync(join(here, 'golden', name))).toBe(false);
  });
});

describe('build plans', () => {
  it('match the golden file for every board (relative project folder "fw")', () => {
    const text = BOARD_IDS.map((b) => {
      const engines = getBoard(b).build === 'make' ? (['native', 'tflm'] as const) : (['tflm', 'native'] as const);
      return engines.map((engine) => formatBuildPlan(buildPlan('fw', b, { engine, sketch: 'fw', tflmDir: engine === 'tflm' ? '$TFLM_DIR' : undefined }))).join('\n');
    }).join('\n');
    golden('build-plans.txt', text);
  });

  it('refuses the TFLM engine on a Makefile board without a TFLM build, naming how to make one', () => {
    expect(() => buildPlan('fw', 'qemu-mps2-an386', { engine: 'tflm' })).toThrow(/TensorFlow Lite Micro/);
  });
});

describe('flash plans', () => {
  it('match the golden file', () => {
    const text = [
      formatFlashPlan(flashPlan({ board: 'qemu-mps2-an386', artifact: 'fw/build/firmware.elf' })),
      formatFlashPlan(flashPlan({ board: 'qemu-mps2-an505', artifact: 'fw/build/firmware.elf' })),
      formatFlashPlan(flashPlan({ board: 'nano33ble-sense-rev2', artifact: 'fw/build/fw.ino.bin', projectDir: 'fw', port: '/dev/ttyACM0' })),
      formatFlashPlan(flashPlan({ board: 'nano33ble', artifact: 'image.bin', port: '/dev/ttyACM1' })),
      formatFlashPlan(flashPlan({ board: 'cortex-m4', artifact: 'fw/build/firmware.elf' })),
    ].join('\n');
    golden('flash-plans.txt', text);
  });

  it('an Arduino board without a port is a usage error naming --port', () => {
    expect(() => flashPlan({ board: 'nano33ble-sense', artifact: 'x.bin' })).toThrow(/serial port/);
  });

  it('`tinyforge flash --dry-run` prints the same plan as the library', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-flash-'));
    const fw = join(dir, 'fw');
    mkdirSync(fw);
    writeFileSync(join(fw, MANIFEST_FILE), JSON.stringify({ tinyforge: 'x', board: 'nano33ble-sense-rev2', engine: 'tflm', modelSha256: '00', sketch: 'fw', files: [] }));
    const out = execFileSync(process.execPath, [join(repo, 'bin/tinyforge.mjs'), 'flash', fw, '--port', '/dev/ttyACM0', '--dry-run'], { encoding: 'utf8' });
    expect(out).toBe(formatFlashPlan(flashPlan({ board: 'nano33ble-sense-rev2', artifact: join(fw, 'build/fw.ino.bin'), projectDir: fw, port: '/dev/ttyACM0' })));
  });

  it('without --port and without port listing (no udev here) it exits 6 and names --port', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-flash-'));
    const fw = join(dir, 'fw');
    mkdirSync(fw);
    writeFileSync(join(fw, MANIFEST_FILE), JSON.stringify({ tinyforge: 'x', board: 'nano33ble', engine: 'tflm', modelSha256: '00', sketch: 'fw', files: [] }));
    const r = spawnSync(process.execPath, [join(repo, 'bin/tinyforge.mjs'), 'flash', fw], { encoding: 'utf8' });
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/--port/);
  });
});

describe('library (firmware --library)', () => {
  it('files, library.properties and the build plan of every board × engine match the golden file', async () => {
    const { emitLibrary } = await import('../../src/firmware/library.js');
    const { readFirmwareSources } = await import('../../src/adapters/firmware-sources.js');
    const { emitNativeEngine } = await import('../../src/firmware/native/index.js');
    const { readTflite } = await import('../../src/tflite/reader.js');
    const { writeTflite } = await import('../../src/tflite/writer.js');
    const { tinyClassifier, tinySettings } = await import('../qa/helpers.js');
    const sources = readFirmwareSources();
    // The native kernels' own file names change with the kernels (ops' business): listed as one line.
    const kernels = new Set(Object.keys(sources).filter((p) => p.startsWith('firmware/native/')).map((p) => `src/${p.slice(p.lastIndexOf('/') + 1)}`));
    const modelBytes = writeTflite(tinyClassifier());
    const text = BOARD_IDS.map((b) => {
      const engines = getBoard(b).build === 'make' ? (['native', 'tflm'] as const) : (['tflm', 'native'] as const);
      return engines.map((engine) => {
        const lib = emitLibrary({ board: b, engine, model: readTflite(modelBytes), modelBytes, settings: tinySettings(), sources, nativeEngine: emitNativeEngine, name: 'tf_activity' });
        const paths = lib.files.map((f) => f.path);
        const props = String(lib.files.find((f) => f.path === 'library.properties')!.contents).replace(/sha256 [0-9a-f]{16}/, 'sha256 <model>');
        return [
          `library for ${b} (${engine} engine)`,
          ...paths.filter((p) => !kernels.has(p)).map((p) => `  ${p}`),
          ...(paths.some((p) => kernels.has(p)) ? ['  src/<native kernels from firmware/native/>'] : []),
          ...props.trim().split('\n').map((l) => `  | ${l}`),
          formatBuildPlan(lib.plan),
        ].join('\n');
      }).join('\n');
    }).join('\n');
    golden('library-plans.txt', text);
  });
});

describe('native engine plans (firmware, firmware --dry-run)', async () => {
  const { emitFirmware } = await import('../../src/firmware/emit.js');
  const { formatNativePlan } = await import('../../src/firmware/native-plan.js');
  const { readFirmwareSources } = await import('../../src/adapters/firmware-sources.js');
  const { emitNativeEngine } = await import('../../src/firmware/native/index.js');
  const { readTflite } = await import('../../src/tflite/reader.js');
  const { writeTflite } = await import('../../src/tflite/writer.js');
  const { settingsFromGraph } = await import('../../src/firmware/settings-header.js');
  const { denseModel } = await import('../native/helpers.js');
  const sources = readFirmwareSources();
  const conv1d = join(repo, 'vectors/conv1d/model.tflite');
  const plan = (board: string, modelBytes: Uint8Array, o: { weights?: 'auto' | 'fastest' | 'int8' | 'int16'; flashBudget?: number } = {}) => {
    const model = readTflite(modelBytes);
    const p = emitFirmware({ board, engine: 'native', model, modelBytes, settings: settingsFromGraph(model.graph), sources, nativeEngine: emitNativeEngine, ...o });
    return [`${board}, weights ${o.weights ?? 'auto'}${o.flashBudget ? `, flash budget ${o.flashBudget}` : ''}`, ...formatNativePlan(p)].join('\n');
  };

  it('kernels, weight packing per layer and the budget that decided it match the golden file', () => {
    const c = new Uint8Array(readFileSync(conv1d));
    const big = writeTflite(denseModel(1024, 600));
    const text = [
      plan('qemu-mps2-an386', c), // what TFLM would take leaves room for all int16
      plan('qemu-mps2-an386', c, { flashBudget: 50_000 }), // a tight --flash-budget: a mix
      plan('qemu-mps2-an386', c, { flashBudget: 42_000 }), // below even all-int8
      plan('qemu-mps2-an386', c, { weights: 'int8' }),
      plan('cortex-m4', big), // .tflite + 60 KiB below the board's 1 MiB: TFLM decided
      plan('cortex-m4', big, { weights: 'fastest' }), // the board decided
    ].join('\n');
    golden('native-plans.txt', text);
  });

  it('`tinyforge firmware --dry-run` prints the same plan and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fwplan-'));
    const out = join(dir, 'fw');
    const r = spawnSync(process.execPath, [join(repo, 'bin/tinyforge.mjs'), 'firmware', '--board', 'qemu-mps2-an386', '--model', conv1d, '--out', out, '--flash-budget', '50000', '--dry-run'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(false);
    const lines = plan('qemu-mps2-an386', new Uint8Array(readFileSync(conv1d)), { flashBudget: 50_000 }).split('\n').slice(1);
    expect(r.stdout).toContain(lines.join('\n'));
    const j = spawnSync(process.execPath, [join(repo, 'bin/tinyforge.mjs'), 'firmware', '--board', 'qemu-mps2-an386', '--model', conv1d, '--out', out, '--weights', 'fastest', '--dry-run', '--json'], { encoding: 'utf8' });
    expect(j.status).toBe(0);
    const doc = JSON.parse(j.stdout) as { dryRun: boolean; native: { weightPlan: { policy: string; budget: { source: string } }; kernels: { weights?: string; weightSizes?: object }[] } };
    expect(doc.dryRun).toBe(true);
    expect(doc.native.weightPlan).toMatchObject({ policy: 'fastest', budget: { source: 'board' } });
    expect(doc.native.kernels.filter((k) => k.weights).every((k) => k.weights === 'int16' && k.weightSizes)).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it('--flash-budget with a forced packing, or either with the TFLM engine, is a usage error naming the remedy', () => {
    const r = spawnSync(process.execPath, [join(repo, 'bin/tinyforge.mjs'), 'firmware', '--board', 'qemu-mps2-an386', '--model', conv1d, '--out', join(tmpdir(), 'never'), '--weights', 'int8', '--flash-budget', '1000', '--dry-run'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--flash-budget applies only with --weights auto/);
    const t = spawnSync(process.execPath, [join(repo, 'bin/tinyforge.mjs'), 'firmware', '--board', 'qemu-mps2-an386', '--engine', 'tflm', '--model', conv1d, '--out', join(tmpdir(), 'never'), '--weights', 'int8', '--dry-run'], { encoding: 'utf8' });
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/apply only to the native engine/);
  });
});
