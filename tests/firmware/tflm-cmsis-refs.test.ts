// The TFLM engine references CMSIS-NN only through the generated config: exactly the entry points
// of the model's ops. This links the generated header against stand-ins for all eight CMSIS-NN
// entry points TFLM's Arduino library can call (each in its own section, as the library is built)
// with --gc-sections, the way the Nano sketch links, and reads the symbol table: the kernels of
// ops the model does not use must be gone. The expected set is written out from TFLM's
// kernels/cmsis_nn/*.cc (conv → arm_convolve_wrapper_s8, fully_connected → arm_fully_connected_s8,
// pooling → arm_max_pool_s8 / arm_avgpool_s8, softmax → arm_softmax_s8; MEAN and RESHAPE have no
// CMSIS-NN kernel), not taken from the registry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { modelOps, tflmConfigHeader } from '../../src/firmware/tflm.js';

const ALL = ['arm_avgpool_s8', 'arm_convolve_wrapper_s8', 'arm_depthwise_conv_wrapper_s8', 'arm_elementwise_add_s8', 'arm_elementwise_mul_s8', 'arm_fully_connected_s8', 'arm_max_pool_s8', 'arm_softmax_s8'];

function linkedCmsisNn(modelDir: string): { ops: string[]; kept: string[]; linked: boolean } {
  const model = readTflite(new Uint8Array(readFileSync(join(REPO_ROOT, 'vectors', modelDir, 'model.tflite'))));
  const h = tflmConfigHeader({ model, modelSha256: 'ab'.repeat(32) });
  const dir = mkdtempSync(join(tmpdir(), 'tf-cmsisrefs-'));
  writeFileSync(join(dir, h.path), h.contents);
  writeFileSync(join(dir, 'main.cpp'), `#include <cstdio>
enum TfLiteStatus { kTfLiteOk = 0 };
#include "tf_engine_tflm_config.h"
int main() { std::printf("%d\\n", tf_tflm_cmsis_nn_linked() ? 1 : 0); return 0; }
`);
  writeFileSync(join(dir, 'cmsis.c'), ALL.map((f) => `void ${f}(void) { __asm__ volatile(""); }`).join('\n') + '\n');
  const cc = (args: string[]) => execFileSync(args[0], args.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  cc(['g++', '-std=c++17', '-Wall', '-Wextra', '-Werror', '-O2', '-ffunction-sections', '-c', 'main.cpp', '-o', 'main.o']);
  cc(['gcc', '-O2', '-ffunction-sections', '-c', 'cmsis.c', '-o', 'cmsis.o']);
  cc(['g++', '-Wl,--gc-sections', 'main.o', 'cmsis.o', '-o', 'a.out']);
  const syms = execFileSync('nm', [join(dir, 'a.out')], { encoding: 'utf8' });
  const kept = ALL.filter((f) => new RegExp(`\\b[Tt] ${f}$`, 'm').test(syms));
  const linked = execFileSync(join(dir, 'a.out'), { encoding: 'utf8' }).trim() === '1';
  return { ops: modelOps(model.graph), kept, linked };
}

describe('TFLM engine: CMSIS-NN kernels of the model\'s ops only', () => {
  it('conv1d (RESHAPE, CONV_2D, MAX_POOL_2D, MEAN, FULLY_CONNECTED, SOFTMAX) keeps conv, FC, max-pool and softmax; no depthwise, avgpool, add, mul', () => {
    const r = linkedCmsisNn('conv1d');
    expect(r.ops).toEqual(['CONV_2D', 'FULLY_CONNECTED', 'MAX_POOL_2D', 'MEAN', 'RESHAPE', 'SOFTMAX']);
    expect(r.kept).toEqual(['arm_convolve_wrapper_s8', 'arm_fully_connected_s8', 'arm_max_pool_s8', 'arm_softmax_s8']);
    expect(r.linked).toBe(true);
  }, 60_000);

  it('dsconv keeps the depthwise kernel it uses', () => {
    const r = linkedCmsisNn('dsconv');
    expect(r.kept).toContain('arm_depthwise_conv_wrapper_s8');
    expect(r.kept).not.toContain('arm_elementwise_add_s8');
    expect(r.kept).not.toContain('arm_avgpool_s8');
  }, 60_000);
});
