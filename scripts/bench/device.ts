/**
 * Device link benchmark: `verify` throughput as a fraction of the link's own byte rate, on the
 * host-built app (pty) and on the virtual board (QEMU), for two shared converter-made models.
 *
 * Link rate: round trips of a 4000-byte INFER the device rejects at once (wrong size → ERROR), so
 * the time is all link + framing. Verify: the model's vectors, repeated, through verifyDevice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sharedDir } from '../../tests/support/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { startHostModelBoard, startVirtualModelBoard, type RunningBoard } from '../../tests/support/model-boards.js';
import { loadVectors } from '../../src/adapters/files.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { verifyDevice } from '../../src/device/verify.js';
import type { BenchSection } from './types.js';

interface Row {
  target: string;
  model: string;
  linkBps: number;
  verifyBps: number;
  inferPerS: number;
  n: number;
  bitExact: number;
  micros: number;
  counter: string;
}

async function measure(target: string, model: string, start: () => Promise<RunningBoard>, vdir: string, rounds: number): Promise<Row> {
  const board = await start();
  const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }), { handshakeMs: 20000 });
  try {
    const probe = new Uint8Array(4000);
    const b0 = client.stats.bytesSent + client.stats.bytesReceived;
    const t0 = performance.now();
    const k = 4;
    for (let i = 0; i < k; i++) await client.request('INFER', { input: probe }, ['RESULT']).catch(() => undefined);
    const linkBps = (client.stats.bytesSent + client.stats.bytesReceived - b0) / ((performance.now() - t0) / 1000);
    const v = loadVectors(vdir);
    const inputs = Array.from({ length: rounds }, () => v.inputs).flat();
    const outputs = Array.from({ length: rounds }, () => v.outputs).flat();
    const modelBytes = new Uint8Array(readFileSync(join(vdir, 'model.tflite')));
    const rep = await verifyDevice(client, { model: modelBytes, inputs, reference: (_x, i) => outputs[i]! });
    return {
      target, model, linkBps, verifyBps: rep.linkBytes / rep.seconds, inferPerS: rep.n / rep.seconds, n: rep.n, bitExact: rep.bitExact,
      micros: rep.micros.mean, counter: rep.counter ? `${Math.round(rep.counter.mean)} ${rep.counterKind}` : '—',
    };
  } finally {
    await client.close();
    await board.stop();
  }
}

export async function bench(): Promise<BenchSection[]> {
  const shared = sharedDir();
  if (!shared) return [{ title: 'Device link', markdown: 'Skipped: shared/vectors not found.' }];
  const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
  const qemu = has('qemu-system-arm') && has('arm-none-eabi-gcc');
  const rows: Row[] = [];
  for (const m of ['hello_world_int8', 'magic_wand']) {
    const vdir = join(shared, 'vectors', m);
    const bytes = new Uint8Array(readFileSync(join(vdir, 'model.tflite')));
    rows.push(await measure('host board (pty)', m, () => startHostModelBoard(bytes), vdir, m === 'magic_wand' ? 5 : 25));
    if (qemu) rows.push(await measure('virtual board (QEMU)', m, () => startVirtualModelBoard(bytes), vdir, m === 'magic_wand' ? 1 : 5));
  }
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const table = [
    '| target | model | link rate (B/s) | verify (B/s) | fraction of link | inferences/s | bit-exact | device µs/inference | counter/inference |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.target} | ${r.model} | ${f(r.linkBps)} | ${f(r.verifyBps)} | ${f((100 * r.verifyBps) / r.linkBps, 1)}% | ${f(r.inferPerS, 1)} | ${r.bitExact}/${r.n} | ${f(r.micros, 1)} | ${r.counter} |`),
  ].join('\n');
  return [
    {
      title: 'Device link: verify throughput',
      markdown:
        `${table}\n\n` +
        'Link rate: four 4000-byte INFER frames the device rejects at once (wrong size → ERROR), bytes both ways over wall time. ' +
        'Verify: the shared vectors of each model, repeated, through `verifyDevice` (one request in flight; bytes both ways over wall time). ' +
        'The fraction is what verify achieves of the raw link rate; the rest is per-request latency (frame turnaround, inference, host scheduling). ' +
        'QEMU µs are virtual-time (`-icount shift=0`: 1 ns per instruction); its counter counts instructions.' +
        (qemu ? '' : '\n\nQEMU or arm-none-eabi-gcc not installed: virtual-board rows skipped.'),
    },
  ];
}
