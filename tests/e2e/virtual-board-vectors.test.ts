// The bit-exactness contract on the virtual board: for EVERY converter-made model in
// shared/vectors (9 folders, -logits variants included), tinyforge builds native-engine firmware for
// QEMU mps2-an386, starts it, and every out-NNN.bin — TFLM's reference-kernel output, made
// outside tinyforge (see vectors/README.md) — must come back from the board byte for byte. The host
// interpreter is checked against the same bytes, so host, device and TFLM agree three ways.
// tinyforge's own models (vectors/, scripts/make-vectors.ts) run the same way: device == host.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { getBoard } from '../../src/firmware/boards.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { DeviceClient } from '../../src/device/client.js';
import { verifyDevice } from '../../src/device/verify.js';
import { createInterpreter } from '../../src/interp/index.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import type { Graph, Tensor } from '../../src/core/graph.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { mkdirSync, writeFileSync } from 'node:fs';

const shared = sharedForTests();
const folders = shared ? readdirSync(join(shared, 'vectors'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
const sources = readFirmwareSources();
const ownRoot = join(REPO_ROOT, 'vectors');
const own = readdirSync(ownRoot, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

async function verifyOnVirtualBoard(name: string, dir: string, weights: 'auto' | 'int8' = 'auto', boardId = 'qemu-mps2-an386'): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { vectors: { input: string; output: string }[] };
  const modelBytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
  const model = readTflite(modelBytes);
  const project = emitFirmware({
    board: boardId,
    engine: 'native',
    model,
    modelBytes,
    settings: settingsFromGraph(model.graph),
    sources,
    nativeEngine: (m, o) => emitNativeEngine(m, { ...o, weights }),
  });
  if (weights === 'int8') expect(project.native?.kernels.some((k) => k.weights === 'int8')).toBe(true);
  const fw = writeProject(join(mkdtempSync(join(tmpdir(), `tf-e2e-${name}-`)), 'fw'), project.files);
  await runPlan(buildPlan(fw, boardId, { engine: 'native' }));

  const inputs = meta.vectors.map((v) => new Uint8Array(readFileSync(join(dir, v.input))));
  const expected = meta.vectors.map((v) => new Uint8Array(readFileSync(join(dir, v.output))));
  // The host interpreter must match TFLM first: then "device == host" means "device == TFLM".
  const interp = createInterpreter(model.graph);
  inputs.forEach((x, i) => expect(Buffer.from(interp.invoke([x])[0]).toString('hex'), `host ${meta.vectors[i].input}`).toBe(Buffer.from(expected[i]).toString('hex')));

  const board = await startVirtualBoard(join(fw, 'build/firmware.elf'), { machine: getBoard(boardId).qemuMachine });
  try {
    // Generous liveness timeouts (not timing assertions): person_detect is ~86 M emulated instructions
    // per inference, and CI may run two emulators on two loaded cores.
    const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }), { baseTimeoutMs: 5000, inferenceMs: 30_000 });
    try {
      const report = await verifyDevice(client, { model: modelBytes, inputs, reference: (_x, i) => expected[i] });
      expect(report.modelSha256.match).toBe(true);
      expect(report.mismatches).toEqual([]);
      expect(report.bitExact).toBe(inputs.length);
      expect(report.ok).toBe(true);
      expect(report.counterKind).toBe('instructions');
    } finally {
      await client.close();
    }
  } finally {
    await board.stop();
  }
}

describe.skipIf(!shared)('virtual board: every shared vector bit-exact (native engine)', () => {
  it('finds all nine model folders', () => {
    expect(folders.length).toBe(9);
  });

  it.each(folders)('%s', (name) => verifyOnVirtualBoard(name, join(shared!, 'vectors', name)));
});

describe("virtual board: tinyforge's own vectors bit-exact (native engine)", () => {
  it.each(own)('%s', (name) => verifyOnVirtualBoard(name, join(ownRoot, name)));
});

// The int8 weight packing (chosen per layer when the board's flash is short) on the real
// instructions: conv (SXTB16 in the 2×2 assembly loop) and FC layers of these models all take it.
describe('virtual board: int8-packed DSP weights bit-exact (native engine)', () => {
  it.each(['conv1d', 'dense'])('own %s', (name) => verifyOnVirtualBoard(name, join(ownRoot, name), 'int8'));
  it.skipIf(!shared).each(['mlperf_tiny_kws', 'micro_speech_quantized', 'magic_wand', 'person_detect'])('shared %s', (name) => verifyOnVirtualBoard(name, join(shared!, 'vectors', name), 'int8'));
});

const q8 = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });
const i8bytes = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes `graph` as a vector folder (8 inputs: 6 LCG-random, all -128, all 127; outputs from the host interpreter) and verifies it on the board. */
async function verifyGraphOnVirtualBoard(name: string, graph: Graph, weights: 'auto' | 'int8' = 'auto'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), `tf-e2e-${name}-`));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.tflite'), writeTflite({ graph, version: 3, description: `e2e ${name}`, metadata: [] }));
  const interp = createInterpreter(graph);
  const n = graph.tensors[graph.inputs[0]].shape.reduce((x, y) => x * y, 1);
  let s = 0x5eed;
  const vectors = Array.from({ length: 8 }, (_, k) => {
    const input = k === 6 ? new Uint8Array(n).fill(0x80) : k === 7 ? new Uint8Array(n).fill(0x7f) : Uint8Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) | 0), (s >>> 16) & 0xff));
    writeFileSync(join(dir, `in-00${k}.bin`), input);
    writeFileSync(join(dir, `out-00${k}.bin`), interp.invoke([input])[0]);
    return { input: `in-00${k}.bin`, output: `out-00${k}.bin` };
  });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ vectors }));
  await verifyOnVirtualBoard(name, dir, weights);
  return emitNativeEngine(readTflite(new Uint8Array(readFileSync(join(dir, 'model.tflite')))), { modelSha256: 'ab'.repeat(32), target: 'dsp', weights }).schedule.map((k) => k.kernel);
}

// The DSP elementwise and average-pool kernels (tf_dsp_binary_s8, tf_dsp_avg_pool_s8) on the real
// instructions: no shared vector has ADD, SUB or MUL. A residual block of them — ADD of two arena
// tensors (the non-broadcast path), MUL by a per-channel constant and ADD of a scalar (broadcast),
// SUB, a 3×3 average pool with clipped border windows — expected bytes from the host interpreter
// (bit-exact with TFLM's reference kernels, tests/vectors), inputs LCG-random plus the rails.
describe('virtual board: DSP ADD / SUB / MUL / AVERAGE_POOL_2D bit-exact (native engine)', () => {
  it('a residual block of them, 8 inputs', async () => {
    const shape = [1, 6, 10, 16];
    const act = (name: string, scale: number, zp: number): Tensor => ({ name, dtype: 'int8', shape, quant: q8(scale, zp) });
    const tensors: Tensor[] = [
      act('x', 0.05, -3), // 0
      act('pool', 0.05, -3), // 1
      act('sum', 0.07, 10), // 2
      { name: 'gain', dtype: 'int8', shape: [16], data: i8bytes(Int8Array.from({ length: 16 }, (_, k) => 8 * k - 60)), quant: q8(0.01, 2) }, // 3
      act('scaled', 0.03, -20), // 4
      act('diff', 0.06, 5), // 5
      { name: 'bias', dtype: 'int8', shape: [1], data: i8bytes(Int8Array.from([-77])), quant: q8(0.02, 0) }, // 6
      act('y', 0.08, -1), // 7
    ];
    const graph: Graph = {
      tensors,
      operators: [
        { op: 'AVERAGE_POOL_2D', inputs: [0], outputs: [1], options: { padding: 'SAME', strideH: 1, strideW: 1, filterH: 3, filterW: 3, fusedActivation: 'NONE' } },
        { op: 'ADD', inputs: [0, 1], outputs: [2], options: { fusedActivation: 'NONE' } },
        { op: 'MUL', inputs: [2, 3], outputs: [4], options: { fusedActivation: 'NONE' } },
        { op: 'SUB', inputs: [4, 0], outputs: [5], options: { fusedActivation: 'NONE' } },
        { op: 'ADD', inputs: [5, 6], outputs: [7], options: { fusedActivation: 'RELU' } },
      ],
      inputs: [0],
      outputs: [7],
    };
    expect(await verifyGraphOnVirtualBoard('elementwise', graph)).toEqual(['tf_dsp_avg_pool_s8', 'tf_dsp_binary_s8', 'tf_dsp_binary_s8', 'tf_dsp_binary_s8', 'tf_dsp_binary_s8']);
  });
});

// The conv kernel's unrolled assembly (groups % 4 first: one, then two, then four per pass) and the
// fast requantisation on the real instructions: a chain of 1×1 convs whose tap groups (in_c / 4) are
// 1, 2, 3, 5, 9 and 4, odd output channels (the one-channel tail), both weight packings.
describe('virtual board: DSP conv tap-group counts 1..9 bit-exact (native engine)', () => {
  const chans = [4, 8, 12, 20, 36, 16, 7];
  const graph = (): Graph => {
    const tensors: Tensor[] = [{ name: 'x', dtype: 'int8', shape: [1, 3, 5, chans[0]], quant: q8(0.05, 3) }];
    const operators: Graph['operators'] = [];
    let lcg = 77;
    for (let l = 1; l < chans.length; l++) {
      const [ci, co] = [chans[l - 1], chans[l]];
      const w = Int8Array.from({ length: co * ci }, () => ((lcg = (Math.imul(lcg, 1103515245) + 12345) | 0), ((lcg >>> 16) % 255) - 127));
      const base = tensors.length;
      tensors.push(
        { name: `w${l}`, dtype: 'int8', shape: [co, 1, 1, ci], data: i8bytes(w), quant: { scale: Array.from({ length: co }, (_, k) => Math.fround(0.002 * (1 + k / 5))), zeroPoint: Array(co).fill(0), quantizedDimension: 0 } },
        { name: `b${l}`, dtype: 'int32', shape: [co], data: i8bytes(Int32Array.from({ length: co }, (_, k) => 300 * k - 1000)) },
        { name: `y${l}`, dtype: 'int8', shape: [1, 3, 5, co], quant: q8(0.05 * 0.002 * Math.sqrt(ci) * 30, l % 2 ? -7 : 4) },
      );
      operators.push({ op: 'CONV_2D', inputs: [base - (l === 1 ? base : 1), base, base + 1], outputs: [base + 2], options: { padding: 'VALID', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, fusedActivation: l % 2 ? 'RELU' : 'NONE' } });
    }
    return { tensors, operators, inputs: [0], outputs: [tensors.length - 1] };
  };
  it.each(['auto', 'int8'] as const)('%s weights', async (weights) => {
    expect(await verifyGraphOnVirtualBoard(`groups-${weights}`, graph(), weights)).toEqual(Array(chans.length - 1).fill('tf_dsp_conv_s8'));
  });
});

// The FC kernel's assembly (4-row blocks: one LDM of the 4 rows' weights per group; the remainder
// groups first, then 4 (int16) or 8 (int8) per loop pass) and its C tails on the real instructions:
// a chain of FC layers whose group counts (accum / 4 rounded up) are 2, 3, 4, 10, 3, 9, 18, 2 (loops
// of one and two passes, every remainder), rows with 4-row blocks plus tails of 1, 2 and 3,
// per-tensor and per-channel filters, one output scale tiny enough for a left shift (general
// requantisation), both weight packings; expected bytes from the host interpreter.
describe('virtual board: DSP FC group counts and row tails bit-exact (native engine)', () => {
  const sizes = [5, 9, 16, 37, 12, 33, 70, 7, 20];
  const graph = (): Graph => {
    const tensors: Tensor[] = [{ name: 'x', dtype: 'int8', shape: [1, sizes[0]], quant: q8(0.05, 3) }];
    const operators: Graph['operators'] = [];
    let lcg = 91;
    let inScale = 0.05;
    for (let l = 1; l < sizes.length; l++) {
      const [ci, co] = [sizes[l - 1], sizes[l]];
      const w = Int8Array.from({ length: co * ci }, () => ((lcg = (Math.imul(lcg, 1103515245) + 12345) | 0), ((lcg >>> 16) % 255) - 127));
      const perChannel = l % 2 === 0;
      const fScale = 0.003;
      const outScale = l === 4 ? inScale * fScale * 0.5 : inScale * fScale * Math.sqrt(ci) * 30;
      const base = tensors.length;
      tensors.push(
        { name: `w${l}`, dtype: 'int8', shape: [co, ci], data: i8bytes(w), quant: perChannel ? { scale: Array.from({ length: co }, (_, k) => Math.fround(fScale * (1 + k / 7))), zeroPoint: Array(co).fill(0), quantizedDimension: 0 } : q8(fScale, 0) },
        { name: `b${l}`, dtype: 'int32', shape: [co], data: i8bytes(Int32Array.from({ length: co }, (_, k) => 97 * k - 700)), quant: q8(Math.fround(inScale) * Math.fround(fScale), 0) },
        { name: `y${l}`, dtype: 'int8', shape: [1, co], quant: q8(outScale, l % 3 ? -5 : 9) },
      );
      operators.push({ op: 'FULLY_CONNECTED', inputs: [base - 1, base, base + 1], outputs: [base + 2], options: { fusedActivation: l === 6 ? 'RELU6' : l === 3 ? 'RELU' : 'NONE', keepNumDims: false } });
      inScale = outScale;
    }
    return { tensors, operators, inputs: [0], outputs: [tensors.length - 1] };
  };
  it.each(['auto', 'int8'] as const)('%s weights', async (weights) => {
    expect(await verifyGraphOnVirtualBoard(`fc-groups-${weights}`, graph(), weights)).toEqual(Array(sizes.length - 1).fill('tf_dsp_fc_s8'));
  });
});

// CONV_2D → MAX_POOL_2D fused (tf_dsp_conv_max_pool_s8, src/firmware/native/fuse-pool.ts) on the real
// instructions: 2×2 / 2 SAME windows over an odd 9×11 output (border windows of 1 and 2 positions,
// the solved requantisation: the larger accumulator requantised once), then a conv whose multipliers
// shift left (the general requantisation: outputs compared) under 2×1 / 3×2 windows with gaps and the
// pool's own RELU6. Expected bytes: the host interpreter, which runs every pair unfused.
describe('virtual board: CONV_2D → MAX_POOL_2D fused, bit-exact (native engine)', () => {
  it('two fused pairs, 8 inputs', async () => {
    let lcg = 91;
    const i8 = (n: number) => Int8Array.from({ length: n }, () => ((lcg = (Math.imul(lcg, 1103515245) + 12345) | 0), ((lcg >>> 16) % 255) - 127));
    const wq = (n: number) => ({ scale: Array.from({ length: n }, (_, k) => Math.fround(0.004 * (1 + k / 4))), zeroPoint: Array(n).fill(0), quantizedDimension: 0 });
    const conv = (padding: 'SAME' | 'VALID', act: 'RELU' | 'NONE') => ({ padding, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, fusedActivation: act });
    const h1 = q8(0.05 * 0.004 * 9, -128); // 3·3·3 taps: a wide range, multipliers < 1 (solved)
    const h2 = q8((0.05 * 0.004 * 9 * 0.004) / 1.5, 6); // real multipliers 1.5·(1 + k/4) > 1: left shifts (general)
    const tensors: Tensor[] = [
      { name: 'x', dtype: 'int8', shape: [1, 9, 11, 3], quant: q8(0.05, -4) }, // 0
      { name: 'w1', dtype: 'int8', shape: [6, 3, 3, 3], data: i8bytes(i8(162)), quant: wq(6) }, // 1
      { name: 'b1', dtype: 'int32', shape: [6], data: i8bytes(Int32Array.from([500, -700, 0, 1200, -50, 30])) }, // 2
      { name: 'c1', dtype: 'int8', shape: [1, 9, 11, 6], quant: h1 }, // 3
      { name: 'p1', dtype: 'int8', shape: [1, 5, 6, 6], quant: h1 }, // 4
      { name: 'w2', dtype: 'int8', shape: [5, 2, 2, 6], data: i8bytes(i8(120).map((v) => v >> 6)), quant: wq(5) }, // 5: small weights, not every output saturates
      { name: 'b2', dtype: 'int32', shape: [5], data: i8bytes(Int32Array.from([40, -40, 10, 0, -5])) }, // 6
      { name: 'c2', dtype: 'int8', shape: [1, 4, 5, 5], quant: h2 }, // 7
      { name: 'p2', dtype: 'int8', shape: [1, 2, 3, 5], quant: h2 }, // 8
    ];
    const pool = (fH: number, fW: number, sH: number, sW: number, act: 'NONE' | 'RELU6') => ({ padding: 'SAME' as const, strideH: sH, strideW: sW, filterH: fH, filterW: fW, fusedActivation: act });
    const graph: Graph = {
      tensors,
      operators: [
        { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv('SAME', 'RELU') },
        { op: 'MAX_POOL_2D', inputs: [3], outputs: [4], options: pool(2, 2, 2, 2, 'NONE') },
        { op: 'CONV_2D', inputs: [4, 5, 6], outputs: [7], options: conv('VALID', 'NONE') },
        { op: 'MAX_POOL_2D', inputs: [7], outputs: [8], options: pool(2, 1, 3, 2, 'RELU6') },
      ],
      inputs: [0],
      outputs: [8],
    };
    expect(await verifyGraphOnVirtualBoard('conv-max-pool', graph)).toEqual(['tf_dsp_conv_max_pool_s8', 'fused', 'tf_dsp_conv_max_pool_s8', 'fused']);
  });
});

// More cores as virtual boards (issue 17): Cortex-M3 (no DSP extension: the portable kernels),
// Cortex-M7 and Cortex-M33 (Armv8-M Mainline, its own memory map: the DSP kernels), every shared
// vector bit-exact on each.
describe.skipIf(!shared).each([
  ['qemu-mps2-an385', 'portable'],
  ['qemu-mps2-an500', 'dsp'],
  ['qemu-mps2-an505', 'dsp'],
])('virtual board %s (%s kernels): every shared vector bit-exact', (boardId) => {
  it.each(folders)('%s', (name) => verifyOnVirtualBoard(name, join(shared!, 'vectors', name), 'auto', boardId));
});
