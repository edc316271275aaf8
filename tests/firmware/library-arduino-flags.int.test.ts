// The Nano library of `tinyforge firmware --library` compiled with the Arduino mbed core's own
// compiler flags, warnings as errors. The flags are those of ArduinoCore-mbed (b4ad4e7,
// variants/ARDUINO_NANO33BLE/cflags.txt and cxxflags.txt, plus platform.txt's -mcpu/-mfloat-abi/
// -mfpu), read by hand and written out here (docs/arduino-core.md: the full by-hand build against
// the core's headers, which is not in the repository). They differ from the virtual board's make
// build in ways that have bitten C before: -std=gnu11 and gnu++14, -Os, -funsigned-char (plain char
// is unsigned), the soft-float ABI, -Wvla in C++, and GCC 7's code paths (-DTF_DSP_ACLE_ASM
// -DTF_DSP_NO_UNROLL: inline-assembly DSP intrinsics, no unroll pragma). What needs the core's
// headers (the board layer's Arduino.h, TFLM's library) is left to the by-hand check.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { tinyProject } from '../qa/helpers.js';

const hasArm = ['arm-none-eabi-gcc', 'arm-none-eabi-g++'].every((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0);

const COMMON = ['-Os', '-Wall', '-Wextra', '-Werror', '-Wno-missing-field-initializers', '-Wno-unused-parameter', '-fdata-sections', '-ffunction-sections', '-fmessage-length=0', '-fno-exceptions', '-fomit-frame-pointer', '-funsigned-char', '-mcpu=cortex-m4', '-mfloat-abi=softfp', '-mfpu=fpv4-sp-d16', '-mthumb'];
const C_FLAGS = ['-std=gnu11', ...COMMON];
const CXX_FLAGS = ['-std=gnu++14', '-fno-rtti', '-Wvla', ...COMMON];
const GCC7 = ['-DTF_DSP_ACLE_ASM', '-DTF_DSP_NO_UNROLL'];

describe.skipIf(!hasArm)('the Nano library under the Arduino mbed core\'s flags', () => {
  const lib = join(mkdtempSync(join(tmpdir(), 'tf-lib-ard-')), 'tf_activity');
  beforeAll(async () => {
    const p = tinyProject();
    const r = await cli(['firmware', '--board', 'nano33ble-sense-rev2', '--engine', 'native', '--model', p.model, '--settings', p.settings, '--library', '--out', lib]);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);

  const compile = (tool: string, flags: string[], file: string) => {
    const r = spawnSync(tool, [...flags, '-I', join(lib, 'src'), '-c', file, '-o', '/dev/null'], { encoding: 'utf8' });
    return { ok: r.status === 0, stderr: r.stderr };
  };

  it('every C source of the library (engine, kernels, model library, link app) compiles warning-free, with GCC 12\'s and GCC 7\'s code paths', () => {
    const sources = readdirSync(join(lib, 'src')).filter((f) => f.endsWith('.c'));
    expect(sources).toEqual(expect.arrayContaining(['tf_model.c', 'tf_model_native.c', 'tf_app.c', 'tf_k_conv.c']));
    for (const f of sources)
      for (const extra of [[], GCC7]) {
        const r = compile('arm-none-eabi-gcc', [...C_FLAGS, ...extra], join(lib, 'src', f));
        expect(r.ok, `${f} ${extra.join(' ')}\n${r.stderr}`).toBe(true);
      }
  });

  it('both examples compile as the C++ sketches the Arduino IDE makes of them', () => {
    for (const e of ['ActivityDetector', 'TinyforgeLink']) {
      const r = compile('arm-none-eabi-g++', [...CXX_FLAGS, '-x', 'c++'], join(lib, `examples/${e}/${e}.ino`));
      expect(r.ok, `${e}\n${r.stderr}`).toBe(true);
    }
  });
});
