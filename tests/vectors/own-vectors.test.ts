// tinyforge's own models as shared test vectors (vectors/, made by scripts/make-vectors.ts; see
// each meta.json for how): the TypeScript interpreter and the native C engine compiled for the host
// must give out-NNN.bin byte for byte. The virtual board runs them in tests/e2e/virtual-board-vectors.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { createInterpreter } from '../../src/interp/index.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { buildRunner, runEngine, tempDir } from '../native/helpers.js';

const root = join(REPO_ROOT, 'vectors');
const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface Meta { model: { sha256: string; op_sequence: string[] }; vectors: { input: string; output: string }[] }

describe("tinyforge's own vectors", () => {
  it('cover every trainer preset, each with a -logits variant', () => {
    expect(folders).toEqual(['conv1d', 'conv1d-logits', 'dense', 'dense-logits', 'dsconv', 'dsconv-logits']);
  });

  it.each(folders)('%s: the TS interpreter and the native C engine reproduce every output', (name) => {
    const dir = join(root, name);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
    const bytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(sha).toBe(meta.model.sha256);
    const model = readTflite(bytes);
    expect(model.graph.operators.map((o) => o.op)).toEqual(meta.model.op_sequence);
    const inputs = meta.vectors.map((v) => new Uint8Array(readFileSync(join(dir, v.input))));
    const expected = meta.vectors.map((v) => Buffer.from(readFileSync(join(dir, v.output))).toString('hex'));
    expect(inputs.length).toBe(8);

    const interp = createInterpreter(model.graph);
    expect(inputs.map((x) => Buffer.from(interp.invoke([x])[0]).toString('hex'))).toEqual(expected);

    const work = tempDir(`tf-own-${name}-`);
    const exe = buildRunner(emitNativeEngine(model, { modelSha256: sha }).files, work);
    const { outputs } = runEngine(exe, inputs, work);
    expect(outputs.map((o) => Buffer.from(o).toString('hex'))).toEqual(expected);
  });
});
