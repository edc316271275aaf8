/**
 * A model with a feature block in every firmware project: each board and both engines get
 * tf_features.[ch] and the generated tf_features_config.h (block, constants, quantisers); the
 * library (tf_model.c), the app and the block compile for the Cortex-M4F with those headers
 * whatever the engine (the engines only ever see the int8 feature vector).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPrepared } from '../../src/data/prepare.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { BOARD_IDS } from '../../src/firmware/boards.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { trainedArrays } from '../../src/service/train.js';
import { trainModel } from '../../src/train/train.js';
import { hasTool } from '../native/helpers.js';

describe('firmware projects of a feature model', async () => {
  const d = builtinPrepared({ subjects: 3 });
  const r = await trainModel({ train: d.train, val: d.val }, { preset: 'dense', optimizer: 'adam', learningRate: 0.01, epochs: 1, batchSize: 64, seed: 1, backend: 'cpu', features: { block: 'flatten' } });
  const q = quantizeStage({ model: r.model, settings: r.settings, calibration: trainedArrays(r).calibration });
  r.model.dispose();
  const sources = readFirmwareSources();
  for (const board of BOARD_IDS) {
    for (const engine of ['native', 'tflm'] as const) {
      it(`${board}, ${engine}: the block, its generated configuration and the library`, () => {
        const p = emitFirmware({ board, engine, model: readTflite(q.bytes), modelBytes: q.bytes, settings: q.settings!, sources, nativeEngine: emitNativeEngine, sketch: 'fw' });
        const paths = p.files.map((f) => f.path);
        for (const f of ['src/tf_features.c', 'src/tf_features.h', 'src/tf_features_config.h', 'src/tf_model.c']) expect(paths, f).toContain(f);
        const cfg = p.files.find((f) => f.path === 'src/tf_features_config.h')!.contents;
        expect(cfg).toMatch(/#define TF_FEATURES_BLOCK 2\b/);
        expect(cfg).toMatch(/#define TF_FEATURES_COUNT 21\b/);
        expect(cfg).toMatch(/tf_features_q_mult\[21\]/);
        if (engine === 'tflm' && board === 'cortex-m4' && hasTool('arm-none-eabi-gcc')) {
          const dir = writeProject(join(mkdtempSync(join(tmpdir(), 'tf-feat-fw-')), 'fw'), p.files);
          for (const c of ['tf_features.c', 'tf_model.c', 'tf_app.c']) {
            execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16', '-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-I', join(dir, 'src'), '-c', join(dir, 'src', c), '-o', join(dir, `${c}.o`)], { stdio: ['ignore', 'pipe', 'pipe'] });
          }
        }
      });
    }
  }
});
