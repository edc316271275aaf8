import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERR, MSG, PROTOCOL_VERSION } from '../../src/device/protocol.generated.js';
import { testEngineOutput, quantiseSample } from '../support/fake-device.js';
import { INPUT_CHUNK_BYTES } from '../../src/device/client.js';
import { sha256Hex, verifyDevice } from '../../src/device/verify.js';
import type { PredictionMsg, ImuSamplesMsg } from '../../src/device/protocol.generated.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVectors } from '../../src/adapters/files.js';
import { BIG_INPUT_BYTES, INPUT_BYTES, MODEL_BYTES, OUTPUT_BYTES, SETTINGS, engine, fakeTarget, hostTarget, portTarget, qemuAvailable, qemuTarget, qemuVectorsDir, type Target } from './targets.js';

// Deterministic pseudo-random int8 inputs (LCG), so failures reproduce.
function inputs(n: number, seed = 1, bytes = INPUT_BYTES): Uint8Array[] {
  let s = seed;
  return Array.from({ length: n }, () => Uint8Array.from({ length: bytes }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24));
}

const targets: [string, () => Promise<Target>, boolean][] = [
  ['fake device', fakeTarget, true],
  ['host-built C app over a pty', hostTarget, true],
  ['real board (TINYFORGE_PORT)', () => portTarget(process.env.TINYFORGE_PORT!), Boolean(process.env.TINYFORGE_PORT)],
  ['virtual board (QEMU, hello_world_int8 native firmware)', qemuTarget, qemuAvailable()],
];

for (const [name, make, enabled] of targets) {
  describe.skipIf(!enabled)(`device suite: ${name}`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await make();
    });
    afterAll(async () => t && (await t.stop()));

    it('HELLO → INFO speaks this protocol version', () => {
      expect(t.client.info!.protocolVersion).toBe(PROTOCOL_VERSION);
    });

    it.skipIf(!t_testEngine(name))('HELLO → INFO describes the test model', () => {
      const info = t.client.info!;
      expect(info).toMatchObject({ inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES, engine: 'test', labels: SETTINGS.labels });
      expect(Buffer.from(info.modelSha256).toString('hex')).toBe(sha256Hex(MODEL_BYTES));
    });

    it('INFER returns the engine output for each input (test engine formula computed in TS)', async () => {
      for (const x of inputs(t.testEngine ? 12 : 2, 1, t.client.info!.inputBytes)) {
        const r = await t.client.infer(x);
        expect(r.output.length).toBe(t.client.info!.outputBytes);
        if (t.testEngine) expect(Array.from(r.output)).toEqual(Array.from(engine(x)));
      }
    });

    it('a device-side ERROR is an answer, not a retry', async () => {
      await expect(t.client.request('INFER', { input: new Uint8Array(3) }, ['RESULT'])).rejects.toMatchObject({ kind: 'device', details: { code: 4 } });
      await expect(t.client.request('STREAM_STOP', {}, ['ACK'])).resolves.toMatchObject({ name: 'ACK', msg: { ackedType: MSG.STREAM_STOP } });
    });

    it('INPUT_CHUNK staging by hand: re-sent chunks + empty INFER = one INFER; gap, overrun, unstaged INFER and RESET are handled', async () => {
      const c = t.client;
      const n = c.info!.inputBytes;
      const x = inputs(1, 7, n)[0];
      const whole = await c.infer(x);
      const empty = new Uint8Array(0);
      const chunk = (offset: number, bytes: Uint8Array) => c.request('INPUT_CHUNK', { offset, bytes }, ['ACK']);
      const stageAll = async (resend: boolean) => {
        const parts = Math.min(3, n);
        for (let k = 0; k < parts; k++) {
          const a = Math.floor((n * k) / parts);
          const b = Math.floor((n * (k + 1)) / parts);
          await expect(chunk(a, x.subarray(a, b))).resolves.toMatchObject({ name: 'ACK', msg: { ackedType: MSG.INPUT_CHUNK } });
          if (resend) await chunk(a, x.subarray(a, b)); // a retried chunk is idempotent
        }
      };
      await stageAll(true);
      const r = await c.request('INFER', { input: empty }, ['RESULT']);
      expect(Array.from((r.msg as { output: Uint8Array }).output)).toEqual(Array.from(whole.output));
      // The INFER consumed the staging.
      await expect(c.request('INFER', { input: empty }, ['RESULT'])).rejects.toMatchObject({ kind: 'device', details: { code: ERR.NOT_STAGED } });
      // Partly staged → NOT_STAGED (and that INFER clears it too).
      if (n > 1) {
        await chunk(0, x.subarray(0, n - 1));
        await expect(c.request('INFER', { input: empty }, ['RESULT'])).rejects.toMatchObject({ details: { code: ERR.NOT_STAGED } });
      }
      // Past the end of the input tensor, and a gap after the staged prefix → BAD_OFFSET.
      await expect(chunk(n, Uint8Array.of(1))).rejects.toMatchObject({ details: { code: ERR.BAD_OFFSET } });
      if (n + 1 <= INPUT_CHUNK_BYTES) await expect(chunk(0, new Uint8Array(n + 1))).rejects.toMatchObject({ details: { code: ERR.BAD_OFFSET } });
      if (n >= 3) {
        await chunk(0, x.subarray(0, 1));
        await expect(chunk(2, x.subarray(2, 3))).rejects.toMatchObject({ details: { code: ERR.BAD_OFFSET, request: 'INPUT_CHUNK' } });
      }
      // An empty chunk is malformed.
      await expect(chunk(0, empty)).rejects.toMatchObject({ details: { code: ERR.BAD_FRAME } });
      // A full INFER also clears the staging; so does RESET.
      await stageAll(false);
      await c.infer(x);
      await expect(c.request('INFER', { input: empty }, ['RESULT'])).rejects.toMatchObject({ details: { code: ERR.NOT_STAGED } });
      await stageAll(false);
      await c.reset();
      await expect(c.request('INFER', { input: empty }, ['RESULT'])).rejects.toMatchObject({ details: { code: ERR.NOT_STAGED } });
      // Offset 0 starts a new input: an abandoned staging never leaks into the next one.
      await chunk(0, new Uint8Array(n).fill(0x55).subarray(0, n));
      await stageAll(false);
      const again = await c.request('INFER', { input: empty }, ['RESULT']);
      expect(Array.from((again.msg as { output: Uint8Array }).output)).toEqual(Array.from(whole.output));
      expect(Array.from((await c.infer(x)).output)).toEqual(Array.from(whole.output));
    });

    it('garbage on the line, then requests still work (resync on the delimiter)', async () => {
      await t.client.transport.write(new TextEncoder().encode('\r\nAT+RESET\r\n\x01\x02\x03'));
      await t.client.transport.write(new Uint8Array(5000).fill(7));
      const x = inputs(1, 99, t.client.info!.inputBytes)[0];
      const r = await t.client.infer(x);
      if (t.testEngine) expect(Array.from(r.output)).toEqual(Array.from(engine(x)));
    });

    it.skipIf(!t_testEngine(name))('verifyDevice: all bit-exact against the reference, hashes match', async () => {
      const xs = inputs(10, 5);
      const rep = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: xs, reference: engine, labels: xs.map((_, i) => i % 5) });
      expect(rep).toMatchObject({ ok: true, n: 10, bitExact: 10, maxLsbDiff: 0, modelSha256: { match: true } });
      // A reference off by one LSB in byte 2 for window 3 must be caught with its size.
      const off = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: xs, reference: (x, i) => (i === 3 ? engine(x).map((b, k) => (k === 2 ? (b + 1) & 0xff : b)) : engine(x)) });
      expect(off).toMatchObject({ ok: false, bitExact: 9, maxLsbDiff: 1, mismatches: [{ index: 3, differingBytes: 1, maxLsb: 1 }] });
      // Another model: refused from the board's hash before any window is sent (exit 5, with a remedy).
      const sent = t.client.stats.bytesSent;
      let refs = 0;
      await expect(verifyDevice(t.client, { model: new Uint8Array([1, 2, 3]), inputs: xs, reference: (x) => (refs++, engine(x)) })).rejects.toMatchObject({ kind: 'mismatch', exitCode: 5, remedy: expect.stringMatching(/--model/) });
      expect([t.client.stats.bytesSent - sent, refs]).toEqual([0, 0]);
    });

    it.skipIf(!t_testEngine(name))('SAMPLES_IN windows: PREDICTION every stride, scores from host-side quantisation', async () => {
      await t.client.reset();
      const preds: PredictionMsg[] = [];
      const off = t.client.onPrediction((p) => preds.push(p));
      // 45 samples of a deterministic signal → windows end at samples 19, 29, 39 (length 20, stride 10).
      const n = 45;
      const samples = new Float32Array(n * 3);
      for (let i = 0; i < samples.length; i++) samples[i] = Math.fround(Math.sin(i * 0.37) * 1.3);
      await t.client.samplesIn(samples.subarray(0, 25 * 3));
      await t.client.samplesIn(samples.subarray(25 * 3));
      off();
      expect(preds.map((p) => [p.window, p.lastSample])).toEqual([[0, 19], [1, 29], [2, 39]]);
      for (const p of preds) {
        const start = p.lastSample - 19;
        const q = new Uint8Array(60);
        for (let s = 0; s < 20; s++)
          for (let a = 0; a < 3; a++)
            q[s * 3 + a] = quantiseSample(samples[(start + s) * 3 + a], SETTINGS.normalisation.mean[a], SETTINGS.normalisation.std[a], 0.05, -3) & 0xff;
        const want = engine(q);
        expect(Array.from(new Uint8Array(p.scores.buffer, p.scores.byteOffset, p.scores.length))).toEqual(Array.from(want));
        expect(p.classIndex).toBe(Array.from(new Int8Array(want.buffer)).indexOf(Math.max(...new Int8Array(want.buffer))));
      }
    });

    it.skipIf(!t_testEngine(name))('SAMPLES_IN with a NaN, an infinity or |x| > 1e6: ERROR BAD_SAMPLE, and the window is unchanged', async () => {
      await t.client.reset();
      const preds: PredictionMsg[] = [];
      const off = t.client.onPrediction((p) => preds.push(p));
      const good = new Float32Array(19 * 3).map((_, i) => Math.fround(Math.cos(i * 0.21)));
      await t.client.samplesIn(good);
      for (const bad of [NaN, Infinity, -2e6]) {
        const frame = new Float32Array(6).fill(0.5);
        frame[4] = bad;
        await expect(t.client.samplesIn(frame)).rejects.toMatchObject({ details: { code: ERR.BAD_SAMPLE } });
      }
      // One more good sample completes the first window: the refused frames left no trace in it.
      const last = new Float32Array([0.25, -0.5, 1]);
      await t.client.samplesIn(last);
      off();
      expect(preds.map((p) => [p.window, p.lastSample])).toEqual([[0, 19]]);
      const all = [...good, ...last];
      const q = new Uint8Array(60);
      for (let i = 0; i < 60; i++) q[i] = quantiseSample(all[i], SETTINGS.normalisation.mean[i % 3], SETTINGS.normalisation.std[i % 3], 0.05, -3) & 0xff;
      expect(Array.from(new Uint8Array(preds[0].scores.buffer, preds[0].scores.byteOffset, 5))).toEqual(Array.from(engine(q)));
    });

    it.skipIf(!t_testEngine(name))('STREAM_START: contiguous IMU_SAMPLES of the synthetic IMU, in milli-g', async () => {
      await t.client.reset();
      const batches: ImuSamplesMsg[] = [];
      const stop = await t.client.stream((b) => batches.push(b));
      await new Promise<void>((res) => {
        const iv = setInterval(() => batches.reduce((a, b) => a + b.samplesMg.length / 3, 0) >= 60 && (clearInterval(iv), res()), 20);
      });
      await stop();
      let next = 0;
      // tf_board_host.c: sample n is x = 0.5 sin(2πn/50), y = 0.5 cos(2πn/50), z = 1 g. The stream
      // starts at some board sample n0 (older ones were dropped); find it from the first sample's phase.
      const n0 = Math.round((Math.atan2(batches[0].samplesMg[0], batches[0].samplesMg[1]) * 50) / (2 * Math.PI)) + 50;
      for (const b of batches) {
        expect(b.firstSample).toBe(next);
        for (let k = 0; k < b.samplesMg.length / 3; k++) {
          const ph = (2 * Math.PI * ((n0 + next + k) % 50)) / 50;
          expect(Math.abs(b.samplesMg[k * 3] - 500 * Math.sin(ph))).toBeLessThanOrEqual(1);
          expect(Math.abs(b.samplesMg[k * 3 + 1] - 500 * Math.cos(ph))).toBeLessThanOrEqual(1);
          expect(b.samplesMg[k * 3 + 2]).toBe(1000);
        }
        next += b.samplesMg.length / 3;
      }
      expect(batches[0].rateMilliHz).toBe(200000);
    });

    it.skipIf(!t_vectorsDir(name))('vectors: verifyDevice bit-exact against TFLM outputs', async () => {
      expect(t.vectorsDir).toBe(t_vectorsDir(name));
      const v = loadVectors(t.vectorsDir!);
      const model = new Uint8Array(readFileSync(join(t.vectorsDir!, 'model.tflite')));
      const rep = await verifyDevice(t.client, { model, inputs: v.inputs, reference: (_x, i) => v.outputs[i]! });
      expect(rep).toMatchObject({ ok: true, bitExact: v.inputs.length, modelSha256: { match: true } });
    });

    it.skipIf(!t_oneByteInput(name))('vectors (one-byte input): a SAMPLES_IN window gives the same scores as TFLM', async () => {
      const v = loadVectors(t.vectorsDir!);
      const meta = JSON.parse(readFileSync(join(t.vectorsDir!, 'meta.json'), 'utf8'));
      // hello_world: one input byte = one sample of one axis (mean 0, std 1). x = (q - zp) · scale
      // quantises back to q, so the PREDICTION for that window must carry TFLM's output bytes.
      await t.client.reset();
      const preds: PredictionMsg[] = [];
      const off = t.client.onPrediction((p) => preds.push(p));
      const xs = v.inputs.map((b) => Math.fround((((b[0] << 24) >> 24) - meta.input.zero_point) * meta.input.scale));
      await t.client.samplesIn(Float32Array.from(xs));
      off();
      expect(preds.map((p) => Array.from(new Uint8Array(p.scores.buffer, p.scores.byteOffset, p.scores.length)))).toEqual(v.outputs.map((o) => Array.from(o!)));
    });
  });
}

// Inputs larger than one frame: the client stages them with INPUT_CHUNK transparently; outputs larger
// than one RESULT frame are refused with a typed error (device side: ERROR OUTPUT_TOO_LARGE).
const bigTargets: [string, (i: number, o: number) => Promise<Target>][] = [
  ['fake device', fakeTarget],
  ['host-built C app over a pty', hostTarget],
];
for (const [name, make] of bigTargets) {
  describe(`input larger than one frame (${BIG_INPUT_BYTES} bytes): ${name}`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await make(BIG_INPUT_BYTES, OUTPUT_BYTES);
    });
    afterAll(async () => t && (await t.stop()));
    const big = (x: Uint8Array) => testEngineOutput(x, OUTPUT_BYTES);

    it('infer() stages chunks and runs them: output equals the engine on the whole input', async () => {
      expect(t.client.info!.inputBytes).toBe(BIG_INPUT_BYTES);
      for (const x of inputs(4, 3, BIG_INPUT_BYTES)) expect(Array.from((await t.client.infer(x)).output)).toEqual(Array.from(big(x)));
    });

    it('by-hand chunks of any size (here 1000 bytes) give the same output as infer()', async () => {
      const x = inputs(1, 11, BIG_INPUT_BYTES)[0];
      for (let o = 0; o < x.length; o += 1000) await t.client.request('INPUT_CHUNK', { offset: o, bytes: x.subarray(o, o + 1000) }, ['ACK']);
      const r = await t.client.request('INFER', { input: new Uint8Array(0) }, ['RESULT']);
      expect(Array.from((r.msg as { output: Uint8Array }).output)).toEqual(Array.from(big(x)));
    });

    it('concurrent infer() calls do not interleave their chunks', async () => {
      const xs = inputs(3, 21, BIG_INPUT_BYTES);
      const rs = await Promise.all(xs.map((x) => t.client.infer(x)));
      rs.forEach((r, i) => expect(Array.from(r.output)).toEqual(Array.from(big(xs[i]))));
    });

    it('verifyDevice over chunked inputs: all bit-exact', async () => {
      const xs = inputs(3, 31, BIG_INPUT_BYTES);
      const rep = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: xs, reference: big });
      expect(rep).toMatchObject({ ok: true, n: 3, bitExact: 3 });
    });
  });

  describe(`output larger than one frame: ${name}`, () => {
    it('infer() reads the rest with OUTPUT_READ: the whole output, byte for byte; OUTPUT_READ errors are typed', async () => {
      const t = await make(INPUT_BYTES, 10_000);
      try {
        await expect(t.client.request('OUTPUT_READ', { offset: 0, length: 16 }, ['OUTPUT_DATA'])).rejects.toMatchObject({ details: { code: ERR.NO_OUTPUT } });
        for (const seed of [1, 2]) {
          const input = new Uint8Array(INPUT_BYTES).map((_, i) => (i * 29 + seed * 7) & 0xff);
          const r = await t.client.infer(input);
          expect(r.output.length).toBe(10_000);
          expect(Buffer.from(r.output).equals(Buffer.from(testEngineOutput(input, 10_000)))).toBe(true);
        }
        // Held until the next INFER or RESET: a re-read gives the same bytes; past the end is BAD_OFFSET.
        const d = await t.client.request('OUTPUT_READ', { offset: 9_990, length: 10 }, ['OUTPUT_DATA']);
        expect(Array.from((d.msg as { bytes: Uint8Array }).bytes)).toEqual(Array.from(testEngineOutput(new Uint8Array(INPUT_BYTES).map((_, i) => (i * 29 + 14) & 0xff), 10_000).subarray(9_990)));
        await expect(t.client.request('OUTPUT_READ', { offset: 9_995, length: 10 }, ['OUTPUT_DATA'])).rejects.toMatchObject({ details: { code: ERR.BAD_OFFSET } });
        await t.client.reset();
        await expect(t.client.request('OUTPUT_READ', { offset: 0, length: 16 }, ['OUTPUT_DATA'])).rejects.toMatchObject({ details: { code: ERR.NO_OUTPUT } });
      } finally {
        await t.stop();
      }
    });
  });
}

function t_testEngine(name: string): boolean {
  return !name.startsWith('real board') && !name.startsWith('virtual board');
}
/** The vectors folder a target's board runs, known before the target starts (for skipIf). */
function t_vectorsDir(name: string): string | undefined {
  if (name.startsWith('virtual board')) return qemuVectorsDir();
  if (name.startsWith('real board')) return process.env.TINYFORGE_VECTORS;
  return undefined;
}
function t_oneByteInput(name: string): boolean {
  const d = t_vectorsDir(name);
  return Boolean(d && existsSync(join(d, 'meta.json')) && JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')).input.bytes === 1);
}
