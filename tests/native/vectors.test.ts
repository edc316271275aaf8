// The native engine against the shared TFLM reference vectors: every model and vector in
// shared/vectors (all nine folders, -logits included) must give out-NNN.bin byte for byte.
// Expected bytes: TFLM 90b983c reference kernels (see shared/vectors/README.md), not tinyforge.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { armCompile, buildRunner, hasTool, runEngine, tempDir } from './helpers.js';

const shared = sharedForTests();
const folders = shared ? readdirSync(join(shared, 'vectors')).filter((f) => !f.startsWith('LICENSE') && f !== 'README.md').sort() : [];
const arm = hasTool('arm-none-eabi-gcc');

describe.skipIf(!shared)('native engine on the shared TFLM vectors', () => {
  it('finds all nine vector folders', () => {
    expect(folders.length).toBe(9);
  });

  for (const folder of folders) {
    it(`${folder}: every vector bit-exact, arm build clean`, () => {
      const dir = join(shared!, 'vectors', folder);
      const bytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
      const sha = createHash('sha256').update(bytes).digest('hex');
      const res = emitNativeEngine(readTflite(bytes), { modelSha256: sha });
      expect(res.schedule.map((s) => s.op)).toEqual(meta.model.op_sequence);

      const work = tempDir(`tf-native-${folder}-`);
      const exe = buildRunner(res.files, work);
      const names = readdirSync(dir).filter((f) => /^in-\d+\.bin$/.test(f)).sort();
      expect(names.length).toBeGreaterThanOrEqual(8);
      const inputs = names.map((n) => new Uint8Array(readFileSync(join(dir, n))));
      const { outputs, info } = runEngine(exe, inputs, work);
      expect(info.arena_bytes).toBe(res.arenaBytes);
      names.forEach((n, k) => {
        const want = new Uint8Array(readFileSync(join(dir, n.replace('in-', 'out-'))));
        expect(Buffer.from(outputs[k]).toString('hex'), `${folder}/${n}`).toBe(Buffer.from(want).toString('hex'));
      });
      if (arm) expect(armCompile(res.files, join(work, 'arm'))).toBe('');
      console.log(`[native] ${folder}: ${names.length} vectors bit-exact; arena ${res.arenaBytes} B (TFLM host used ${meta.arena.arena_used_bytes_host} B, min ${meta.arena.min_arena_bytes_host} B)`);
    }, 120_000);
  }
});
