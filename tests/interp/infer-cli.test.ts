/**
 * `tinyforge infer` end to end on a shared TFLM vector: the bytes written must equal TFLM's
 * out-NNN.bin, --json must report the values, dequantised values and arg-max, and a wrong input
 * size must fail with exit code 3 and the expected byte count.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { cli } from '../helpers/cli.js';
import { ExitCode } from '../../src/core/errors.js';

const dir = sharedForTests();
// In-process (tests/helpers/cli.ts): same parsing, output and exit codes as the binary, no tsx start-up per call.
const run = (...args: string[]) => cli(args);
const tmp = mkdtempSync(join(tmpdir(), 'tf-infer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!dir)('tinyforge infer', () => {
  const v = join(dir ?? '', 'vectors', 'magic_wand');
  it('writes exactly TFLM\'s output bytes, atomically (no temp file left)', async () => {
    const out = join(tmp, 'out.bin');
    const r = await run('infer', join(v, 'model.tflite'), '--input', join(v, 'in-003.bin'), '--output', out);
    expect(r.status, r.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(join(v, 'out-003.bin')))).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
  it('--json reports values, dequantised values (scale 1/256, zp -128) and the arg-max', async () => {
    const r = await run('--json', 'infer', join(v, 'model.tflite'), '--input', join(v, 'in-000.bin'));
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { outputs: { values: number[]; dequantized: number[]; argmax: number }[] };
    const want = Array.from(new Int8Array(readFileSync(join(v, 'out-000.bin'))));
    const o = j.outputs[0];
    expect(o.values).toEqual(want);
    expect(o.dequantized).toEqual(want.map((q) => (q + 128) / 256));
    expect(o.argmax).toBe(want.indexOf(Math.max(...want)));
  });
  it('a wrong input size exits 3 and names the expected byte count', async () => {
    const bad = join(tmp, 'short.bin');
    writeFileSync(bad, new Uint8Array(10));
    const r = await run('infer', join(v, 'model.tflite'), '--input', bad, '--output', join(tmp, 'never.bin'));
    expect(r.status).toBe(ExitCode.BAD_INPUT);
    expect(r.stderr).toMatch(/needs exactly 3072 bytes/); // 32x32x3 int8 input (meta.json)
    expect(existsSync(join(tmp, 'never.bin'))).toBe(false);
  });
});
