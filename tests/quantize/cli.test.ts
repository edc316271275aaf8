import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../src/core/errors.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTrainDir } from './fixtures.js';
import { randomInputs } from './models.js';

import { Command } from 'commander';
import { register } from '../../src/cli/commands/quantize.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { cli } from '../helpers/cli.js';

// The real binary (spawned) for the exit-code contract; everything else in-process through the
// same command module (spawning tsx + tfjs costs seconds per call on this shared machine).
const spawnCli = (...args: string[]) => spawnSync(process.execPath, ['bin/tinyforge.mjs', ...args], { encoding: 'utf8' });

// In-process through the whole program (tests/helpers/cli.ts).
const run = (...args: string[]) => cli(args);

let dir = '';
let trainDir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tf-quant-cli-'));
  trainDir = join(dir, 'run');
  await writeTrainDir(trainDir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tinyforge quantize / convert / eval', () => {
  it('quantize a train directory → a readable int8 .tflite, per-layer report in --json (real binary)', () => {
    const out = join(dir, 'm.tflite');
    const r = spawnCli('--json', 'quantize', '--model', trainDir, '--out', out);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    const bytes = readFileSync(out);
    expect(j.bytes).toBe(bytes.length);
    const g = readTflite(new Uint8Array(bytes)).graph;
    expect(g.tensors[g.inputs[0]].dtype).toBe('int8');
    expect(j.ops).toEqual(g.operators.map((o) => o.op));
    expect(j.layers.map((l: { name: string }) => l.name)).toEqual(['c1', 'mp', 'c2', 'ap', 'flat', 'probs']);
    expect(j.outputQuant).toEqual({ scale: 1 / 256, zeroPoint: -128 });
  });
  it('eval prints no TensorFlow.js banner (real binary: a fresh process, the CPU backend\'s first use)', () => {
    const r = spawnCli('eval', '--model', trainDir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/int8 accuracy/);
    expect(r.stderr).not.toMatch(/TensorFlow\.js|tfjs-node|====/);
  });
  it('convert writes model.tflite, the C array and settings.json with the I/O quantisation', async () => {
    const out = join(dir, 'conv');
    const r = await run('--json', 'convert', '--model', join(trainDir, 'model.json'), '--out', out, '--input-type', 'float32');
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['model.tflite', 'model_data.cc', 'model_data.h', 'settings.json']);
    const s = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8'));
    expect(s.inputQuant.scale).toBeGreaterThan(0);
    expect(s.outputQuant).toEqual({ scale: 1 / 256, zeroPoint: -128 });
    expect(s.labels).toEqual(['idle', 'walking', 'running', 'biking', 'golfing']);
    const g = readTflite(new Uint8Array(readFileSync(join(out, 'model.tflite')))).graph;
    expect(g.operators[0].op).toBe('QUANTIZE');
    expect(readFileSync(join(out, 'model_data.cc'), 'utf8')).toContain('g_model');
  });
  it('convert keeps --out-dir as a hidden, deprecated alias of --out', async () => {
    const out = join(dir, 'conv-old');
    const r = await run('--json', 'convert', '--model', trainDir, '--out-dir', out);
    expect(r.status).toBe(0);
    expect(readdirSync(out)).toContain('model.tflite');
    const program = new Command();
    register(program, nodePlatform());
    const help = program.commands.find((c) => c.name() === 'convert')!.helpInformation();
    expect(help).toMatch(/--out <path>/);
    expect(help).not.toMatch(/--out-dir/);
    const both = await run('convert', '--model', trainDir, '--out', join(dir, 'a'), '--out-dir', join(dir, 'b'));
    expect(both.status).toBe(ExitCode.USAGE);
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });
  it('eval reports float and int8 accuracy on the held-out windows', async () => {
    const r = await run('--json', 'eval', '--model', trainDir);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.examples).toBe(30);
    // the fixture's labels are the float model's own predictions (fixtures.ts)
    expect(j.floatAccuracy).toBe(1);
    expect(j.int8Accuracy).toBe(j.agreement);
    expect(j.accuracyCost).toBeCloseTo(1 - j.agreement, 12);
    expect(j.agreement).toBeGreaterThanOrEqual(0.9);
  });
  it('quantize --settings-out writes the settings with the I/O quantisation', async () => {
    const out = join(dir, 's.tflite');
    const so = join(dir, 's.settings.json');
    const r = await run('--json', 'quantize', '--model', trainDir, '--out', out, '--settings-out', so);
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(so, 'utf8'));
    expect(s.inputQuant).toEqual(JSON.parse(r.stdout).inputQuant);
    expect(s.windowLength).toBe(16);
  });
  it('accepts representative data as JSON', async () => {
    const d = randomInputs(10, [16, 3], 4);
    const file = join(dir, 'rep.json');
    writeFileSync(file, JSON.stringify({ x: Array.from(d.x), shape: d.shape }));
    const out = join(dir, 'j.tflite');
    const r = await run('quantize', '--model', trainDir, '--data', file, '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/wrote .*j\.tflite/);
  });
  it('rejects dynamic-range and uint8 requests as unsupported, writing nothing', async () => {
    const out = join(dir, 'no.tflite');
    const a = spawnCli('quantize', '--model', trainDir, '--out', out, '--dynamic-range');
    expect(a.status).toBe(ExitCode.UNSUPPORTED);
    expect(a.stderr).toMatch(/dynamic-range.*not supported/);
    const b = await run('quantize', '--model', trainDir, '--out', out, '--input-type', 'uint8');
    expect(b.status).toBe(ExitCode.UNSUPPORTED);
    expect(existsSync(out)).toBe(false);
  });
  it('bad data is bad input with a remedy', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ x: [[1, 2], [3]] }));
    const r = await run('quantize', '--model', trainDir, '--data', file, '--out', join(dir, 'bad.tflite'));
    expect(r.status).toBe(ExitCode.BAD_INPUT);
    expect(r.stderr).toMatch(/ragged/);
    expect(r.stderr).toMatch(/remedy:/);
    const m = await run('quantize', '--model', join(dir, 'nope'), '--out', join(dir, 'bad.tflite'));
    expect(m.status).toBe(ExitCode.BAD_INPUT);
    expect(existsSync(join(dir, 'bad.tflite'))).toBe(false);
  });
});
