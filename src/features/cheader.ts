/**
 * `tf_features_config.h`: the feature block of a model's settings as C constants (settings → header,
 * like tf_model_settings.h; never hand-synced). #defines are always visible; the constant tables
 * (filter sections, twiddles, Hann window, quantisers, input scales) only where TF_FEATURES_TABLES is
 * defined — firmware/features/tf_features.c — so no other file carries unused static data.
 *
 * Contract: TF_FEATURES_BLOCK (TF_FEATURES_BLOCK_RAW 0 | _SPECTRAL 1 | _FLATTEN 2), TF_FEATURES_COUNT,
 * TF_FEATURES_WINDOW_LENGTH, TF_FEATURES_NUM_AXES, TF_FEATURES_RAW_BYTES (int16 window bytes),
 * TF_FEATURES_SCRATCH_BYTES, TF_FEATURES_HAVE_QUANT, and the block's own #defines (spectral.ts);
 * spectral with TF_FEATURES_SPECTRUM_FRAMES 1 emits TF_FEATURES_FRAMES rows of TF_FEATURES_ROW int32
 * features (frame-major): row f = every channel's statistics and frame f's bins.
 */
import type { ModelSettings } from '../core/dataset.js';
import { cFloat, cHeader, cInts, type GeneratedFile } from '../core/cemit.js';
import { featureQuantisers } from './quant.js';
import { FILTER_STATE_MAX } from './spectral.js';
import { blockFromSettings } from './index.js';
import { BLOCK_IDS } from './registry.js';

export function featuresHeader(s: ModelSettings, opts: { modelSha256?: string } = {}): GeneratedFile {
  const block = blockFromSettings(s);
  const nA = s.axes.length;
  const defs = [
    '#define TF_FEATURES_BLOCK_RAW 0',
    '#define TF_FEATURES_BLOCK_SPECTRAL 1',
    '#define TF_FEATURES_BLOCK_FLATTEN 2',
    `#define TF_FEATURES_BLOCK ${block ? BLOCK_IDS[block.block] : 0}`,
    `#define TF_FEATURES_COUNT ${block ? block.count : 0}`,
    `#define TF_FEATURES_WINDOW_LENGTH ${s.windowLength}`,
    `#define TF_FEATURES_NUM_AXES ${nA}`,
    `#define TF_FEATURES_RAW_BYTES ${block ? s.windowLength * nA * 2 : 0}`,
    `#define TF_FEATURES_SCRATCH_BYTES ${block ? block.scratchBytes : 0}`,
    `#define TF_FEATURES_FILTER_MAX ${FILTER_STATE_MAX}`,
  ];
  const tables: string[] = [];
  const haveQuant = !!(block && s.features && s.inputQuant);
  defs.push(`#define TF_FEATURES_HAVE_QUANT ${haveQuant ? 1 : 0}`);
  if (block) {
    const cfg = block.cConfig();
    defs.push(...cfg.filter((l) => l.startsWith('#define')));
    tables.push(...cfg.filter((l) => !l.startsWith('#define')));
    tables.push(`static const float tf_features_input_scale[${nA}] = {${block.inputScale.map(cFloat).join(', ')}};`);
    if (haveQuant) {
      const q = featureQuantisers(s.features!.standardisation, s.inputQuant!);
      defs.push(`#define TF_FEATURES_Q_ZERO_POINT ${q.zeroPoint}`);
      tables.push(
        '/* Per feature: q = clamp(zp + round((f·mult − offset) / 2^shift), −128, 127) (src/features/quant.ts). */',
        `static const int32_t tf_features_q_mult[${block.count}] = {\n${cInts(q.mult, 12)}\n};`,
        `static const int64_t tf_features_q_offset[${block.count}] = {\n${q.offset.map((v) => `  INT64_C(${v}),`).join('\n')}\n};`,
        `static const uint8_t tf_features_q_shift[${block.count}] = {\n${cInts(q.shift, 16)}\n};`,
      );
    }
  }
  const body = [...defs, '', '#if defined(TF_FEATURES_TABLES)', '#include <stdint.h>', ...tables, '#endif'].join('\n');
  return cHeader('tf_features_config.h', body, { provenance: opts.modelSha256 ? `model sha256 ${opts.modelSha256}` : undefined });
}
