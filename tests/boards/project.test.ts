// Generated firmware projects: deterministic, complete for every board, the generic Cortex-M4
// project compiles, the TFLM engine's generated config registers exactly the model's ops, the arena
// estimate covers TFLM's own figure, and missing tools are exit-7 errors naming the fix.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { readTflite } from '../../src/tflite/reader.js';
import { BOARD_IDS, getBoard } from '../../src/firmware/boards.js';
import { emitFirmware, type FirmwareInput } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { elfFootprint } from '../../src/firmware/footprint.js';
import { estimateArenaBytes, tflmConfigHeader } from '../../src/firmware/tflm.js';
import { loadNativeEngine } from '../../src/cli/commands/firmware.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { loadSettings } from '../../src/adapters/model-sources.js';
import { echoProject } from './helpers.js';
import { armElfHeader } from '../qa/helpers.js';
import { cli as runCli } from '../helpers/cli.js';

const shared = sharedForTests();
const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '..', '..');
const MODELS = ['hello_world_int8', 'micro_speech_quantized', 'person_detect', 'magic_wand', 'mlperf_tiny_kws'];

function loadVector(name: string) {
  const d = join(shared!, 'vectors', name);
  const modelBytes = new Uint8Array(readFileSync(join(d, 'model.tflite')));
  const meta = JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as { model: { builtin_ops: string[] }; arena: { min_arena_bytes_host: number; arena_used_bytes_host: number } };
  return { modelBytes, model: readTflite(modelBytes), meta };
}

describe.skipIf(!shared)('firmware projects', () => {
  const settings = loadSettings(join(here, 'fixtures/hello-world-settings.json'));
  const base = async (board: string, engine: 'native' | 'tflm'): Promise<FirmwareInput> => {
    const { model, modelBytes } = loadVector('hello_world_int8');
    return { board, engine, model, modelBytes, settings, sources: readFirmwareSources(), nativeEngine: await loadNativeEngine(), sketch: 'fw' };
  };

  it('are deterministic and list every file in the manifest, for every board and engine', async () => {
    for (const b of BOARD_IDS) {
      for (const engine of ['native', 'tflm'] as const) {
        const a = emitFirmware(await base(b, engine));
        const again = emitFirmware(await base(b, engine));
        expect(again.files).toEqual(a.files);
        expect(a.manifest.files).toEqual(a.files.map((f) => f.path));
        expect(a.files.every((f) => !/\/tmp\/|\d{4}-\d\d-\d\dT/.test(f.contents))).toBe(true); // no paths, no dates
        const paths = a.files.map((f) => f.path);
        expect(paths).toContain('src/tf_model_settings.h');
        expect(paths).toContain('src/tf_app.c');
        if (getBoard(b).build === 'make') expect(paths).toContain('Makefile');
        else expect(paths).toContain('fw.ino');
        if (engine === 'tflm') expect(paths).toEqual(expect.arrayContaining(['src/tf_engine_tflm.cpp', 'src/tf_engine_tflm_config.h', 'src/model_data.cpp', 'src/model_data.h']));
        else expect(paths).toContain('src/tf_model_native.c');
      }
    }
  });

  it('Arduino sketches pick the IMU by board', async () => {
    const cfg = async (b: string) => emitFirmware(await base(b, 'tflm')).files.find((f) => f.path === 'src/tf_board_config.h')!.contents;
    expect(await cfg('nano33ble-sense')).toMatch(/TF_BOARD_IMU_LSM9DS1 1/);
    expect(await cfg('nano33ble-sense-rev2')).toMatch(/TF_BOARD_IMU_BMI270 1/);
    expect(await cfg('nano33ble')).toMatch(/TF_BOARD_IMU_NONE 1/);
    expect(await cfg('nano33ble-sense-rev2')).toMatch(/TF_BOARD_NAME "nano33ble-sense-rev2"/);
  });

  it('rejects a sketch name Arduino cannot use', async () => {
    await expect(async () => emitFirmware({ ...(await base('nano33ble', 'tflm')), sketch: 'my sketch' })).rejects.toThrow(/Arduino sketch/);
  });

  it('the generic cortex-m4 project compiles (native engine, full app) and links at the linker script origin', async () => {
    const dir = writeProject(join(mkdtempSync(join(tmpdir(), 'tf-cm4-')), 'fw'), emitFirmware(await base('cortex-m4', 'native')).files);
    let log = '';
    await runPlan(buildPlan(dir, 'cortex-m4', { engine: 'native' }), (s) => (log += s));
    expect(log).not.toMatch(/warning:/);
    const fp = elfFootprint(readFileSync(join(dir, 'build/firmware.elf')));
    expect(fp.sections.find((s) => s.name === '.text')!.address).toBe(0x08000000); // tf_cortex_m4.ld FLASH origin
    expect(fp.text).toBeGreaterThan(1000);
  }, 120_000);

  it('the cortex-m4 HAL with a user UART compiles on its own (echo app)', async () => {
    const dir = echoProject('cortex-m4');
    await runPlan(buildPlan(dir, 'cortex-m4', { engine: 'native' }));
    const nm = execFileSync('arm-none-eabi-nm', [join(dir, 'build/firmware.elf')], { encoding: 'utf8' });
    expect(nm).toMatch(/ W tf_user_uart_write/); // the weak default the user overrides
  }, 60_000);

  it('the TFLM config registers exactly the model ops (compiled with g++ against a recording resolver)', () => {
    for (const name of ['magic_wand', 'mlperf_tiny_kws']) {
      const { model, modelBytes, meta } = loadVector(name);
      const h = tflmConfigHeader({ model, modelSha256: 'ab'.repeat(32) });
      const dir = mkdtempSync(join(tmpdir(), 'tf-tflmcfg-'));
      writeFileSync(join(dir, h.path), h.contents);
      const methods = ['Add', 'AveragePool2D', 'Concatenation', 'Conv2D', 'DepthwiseConv2D', 'Dequantize', 'FullyConnected', 'Logistic', 'MaxPool2D', 'Mean', 'Mul', 'Quantize', 'Relu', 'Relu6', 'Reshape', 'Softmax', 'Tanh'];
      writeFileSync(join(dir, 'main.cpp'), `#include <cstdio>
enum TfLiteStatus { kTfLiteOk = 0, kTfLiteError = 1 };
#include "tf_engine_tflm_config.h"
struct Recorder {
${methods.map((m) => `  TfLiteStatus Add${m}() { std::printf("Add${m}\\n"); return kTfLiteOk; }`).join('\n')}
};
int main() { Recorder r; bool ok = tf_tflm_register_ops(r); std::printf("ok=%d count=%d arena=%d first=%s\\n", ok, TF_TFLM_OP_COUNT, TF_TFLM_ARENA_BYTES, tf_tflm_op_names[0]); return 0; }
`);
      execFileSync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-o', join(dir, 'a.out'), join(dir, 'main.cpp')], { cwd: dir });
      const out = execFileSync(join(dir, 'a.out'), { encoding: 'utf8' }).trim().split('\n');
      // meta.json's builtin_ops (from an independent parse of the flatbuffer), as TFLM method names
      const expected = meta.model.builtin_ops.map((op) => 'Add' + op.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase()).replace('2d', '2D'));
      expect(out.slice(0, -1).sort()).toEqual(expected.sort());
      expect(out.at(-1)).toMatch(new RegExp(`^ok=1 count=${meta.model.builtin_ops.length} arena=\\d+ first=${[...meta.model.builtin_ops].sort()[0]}$`));
      void modelBytes;
    }
  });

  it('the arena estimate covers TFLM\'s own minimum for every shared model, without gross waste', () => {
    for (const name of MODELS) {
      const { model, meta } = loadVector(name);
      const est = estimateArenaBytes(model.graph);
      // meta.json: min_arena_bytes_host is the smallest arena TFLM ran the model with (64-bit host;
      // a 32-bit MCU needs a little less), so the estimate must be at least that.
      expect(est, name).toBeGreaterThanOrEqual(meta.arena.min_arena_bytes_host);
      expect(est, name).toBeLessThanOrEqual(2 * meta.arena.min_arena_bytes_host + 8192);
      expect(est % 16).toBe(0);
    }
  });
});

describe('missing tools and bad inputs', () => {
  // In-process (tests/helpers/cli.ts); the build's own child processes see the changed PATH / CROSS.
  const cli = (args: string[], env: Record<string, string>) => runCli(args, { env });

  it('make missing → exit 7 naming the package', async () => {
    const dir = echoProject('qemu-mps2-an386');
    writeFileSync(join(dir, 'tinyforge.json'), JSON.stringify({ tinyforge: 'x', board: 'qemu-mps2-an386', engine: 'native', modelSha256: '00', files: [] }));
    const r = await cli(['build', dir], { PATH: mkdtempSync(join(tmpdir(), 'tf-empty-path-')) });
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(/make not found/);
    expect(r.stderr).toMatch(/apt-get install make/);
  });

  it('arm-none-eabi-gcc missing → exit 7 naming the package', async () => {
    const dir = echoProject('qemu-mps2-an386');
    writeFileSync(join(dir, 'tinyforge.json'), JSON.stringify({ tinyforge: 'x', board: 'qemu-mps2-an386', engine: 'native', modelSha256: '00', files: [] }));
    const r = await cli(['build', dir], { CROSS: '/nonexistent/arm-none-eabi-' });
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(/arm-none-eabi-gcc not found/);
    expect(r.stderr).toMatch(/gcc-arm-none-eabi/);
  });

  it('qemu-system-arm missing → tool error naming the package', async () => {
    const elf = join(mkdtempSync(join(tmpdir(), 'tf-elf-')), 'x.elf');
    writeFileSync(elf, armElfHeader()); // a plausible image, so only QEMU is missing
    const e = await startVirtualBoard(elf, { qemu: '/nonexistent/qemu-system-arm' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TinyforgeError);
    expect((e as TinyforgeError).exitCode).toBe(7);
    expect((e as TinyforgeError).remedy).toMatch(/apt-get install qemu-system-arm/);
  });

  it('a project folder without a manifest is bad input (exit 3)', async () => {
    const r = await cli(['build', mkdtempSync(join(tmpdir(), 'tf-nomanifest-'))], {});
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/tinyforge firmware/);
  });

  it('the ELF parser rejects non-ELF input', () => {
    expect(() => elfFootprint(new Uint8Array(64))).toThrow(/not an ELF/);
  });
});
