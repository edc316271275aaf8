// `tinyforge inspect` end to end (the CLI in-process). Expected facts come from shared/vectors meta.json
// and README.md (magic_wand: CONV_2D x3, MEAN, FULLY_CONNECTED, SOFTMAX; input scale 1.0, zp -128).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { cli } from '../helpers/cli.js';
import { ExitCode } from '../../src/core/errors.js';
import { unknownOpModel } from './fixtures.js';

const shared = sharedForTests();
// In-process (tests/helpers/cli.ts): same parsing, output and exit codes as the binary, no tsx start-up per call.
const run = (...args: string[]) => cli(args);

describe('tinyforge inspect', () => {
  it.skipIf(!shared)('--json on a vectors model reports ops, I/O quantisation and the exact resolver lines', async () => {
    const file = join(shared!, 'vectors', 'magic_wand', 'model.tflite');
    const r = await run('--json', 'inspect', file);
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.operators.map((o: { op: string }) => o.op)).toEqual(['CONV_2D', 'CONV_2D', 'CONV_2D', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX']);
    expect(d.inputs[0]).toMatchObject({ name: 'serving_default_input_1:0', dtype: 'int8', shape: [1, 32, 32, 3], quant: { scale: [1], zeroPoint: [-128] } });
    expect(d.outputs[0]).toMatchObject({ shape: [1, 10], quant: { scale: [0.00390625], zeroPoint: [-128] } });
    expect(d.fileBytes).toBe(30880);
    expect(d.sha256).toBe('c123604fa66d3c04dd56fb9fd35ad614e2ecd8d5b606127c626ffd96627cdd42');
    expect(d.resolver.lines).toEqual([
      'tflite::MicroMutableOpResolver<4> resolver;',
      'resolver.AddConv2D();',
      'resolver.AddFullyConnected();',
      'resolver.AddMean();',
      'resolver.AddSoftmax();',
    ]);
    const text = await run('inspect', file);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('resolver.AddMean();');
    expect(text.stdout).toContain(' 3 MEAN v2');
  }, 120_000);

  it('bad files exit 3 with a clear error; unsupported ops exit 4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-inspect-'));
    try {
      const f = join(dir, 'bad.tflite');
      writeFileSync(f, 'this is not a flatbuffer at all');
      const r = await run('inspect', f);
      expect(r.status).toBe(ExitCode.BAD_INPUT);
      expect(r.stderr).toContain('malformed .tflite');
      expect(r.stderr).toContain('remedy:');
      // A valid file with an operator tinyforge does not run: exit 4, naming the op and listing the ops.
      const u = join(dir, 'unknown.tflite');
      writeFileSync(u, unknownOpModel());
      const ru = await run('--json', 'inspect', u);
      expect(ru.status).toBe(ExitCode.UNSUPPORTED);
      expect(JSON.parse(ru.stdout)).toMatchObject({ error: 'unsupported', details: { opSequence: ['DEPTH_TO_SPACE'] } });
      const j = await run('--json', 'inspect', join(dir, 'missing.tflite'));
      expect(j.status).toBe(ExitCode.BAD_INPUT);
      expect(JSON.parse(j.stdout)).toMatchObject({ error: 'bad-input', exitCode: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
