/**
 * The model as a library (tf_model.h) and continuous detection:
 *  - the library's continuous path on the virtual board: instructions per new sample (tf_model_push
 *    without a window: checks, quantise, ring write) and per window (push + engine + arg-max +
 *    smoothing) beside the engine alone, and its static RAM (tf_model.o .bss/.data);
 *  - stream scores (eval --stream) of a dense model trained on the built-in data;
 *  - the energy table: time/energy per inference and average power at the stride, ESTIMATED from
 *    the measured instructions (src/firmware/energy.ts: nRF52840, CPI 1.25 assumed).
 * The push/window figures come from a bench sketch compiled into a generated library
 * (firmware --library, virtual board) that times 1000 pushes with tf_board_counter() (QEMU
 * -icount: instructions, in 40-instruction ticks, so per-sample figures are averages).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { REPO_ROOT } from '../../src/core/shared.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { estimateEnergy, NRF52840 } from '../../src/firmware/energy.js';
import type { ModelSettings } from '../../src/core/dataset.js';
import { evalStreamHost } from '../../src/service/eval-stream.js';
import { simulatedStreams } from '../../src/stream/sessions.js';
import type { BenchSection } from './types.js';

const CLI = join(REPO_ROOT, 'bin/tinyforge.mjs');
const run = (args: string[], cwd: string) => execFileSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const BENCH_SKETCH = `#include <tinyforge.h>
static void out(const char* s) { while (*s) { tf_board_write((const uint8_t*)s, 1); s++; } }
static void out_u(uint32_t v) { char d[11]; int n = 0; do { d[n++] = (char)('0' + v % 10u); v /= 10u; } while (v); while (n) { char c[2] = {d[--n], 0}; out(c); } }
void setup(void) { tf_board_init(); tf_model_init(NULL); }
void loop(void) {
  static int done;
  float v[TF_MODEL_NUM_AXES];
  uint32_t i, a, c0, c, push_sum = 0, push_n = 0, win_sum = 0, win_n = 0, eng_sum = 0;
  if (done) return;
  done = 1;
  for (i = 0; i < 1000u; i++) {
    int rc;
    for (a = 0; a < TF_MODEL_NUM_AXES; a++) v[a] = (float)((i * 7u + a * 3u) % 50u) / 25.0f - 1.0f;
    c0 = tf_board_counter();
    rc = tf_model_push(v, TF_MODEL_NUM_AXES);
    c = tf_board_counter() - c0;
    if (rc == TF_MODEL_RESULT_READY) { win_sum += c; eng_sum += tf_model_result()->timing.counter; win_n++; }
    else { push_sum += c; push_n++; }
  }
  out("BENCH push_sum="); out_u(push_sum); out(" push_n="); out_u(push_n);
  out(" win_sum="); out_u(win_sum); out(" win_n="); out_u(win_n); out(" eng_sum="); out_u(eng_sum); out("\\r\\n");
}
`;

async function consoleLine(pty: string, re: RegExp, timeoutMs: number): Promise<string> {
  const port = new SerialPort({ path: pty, baudRate: 115200 });
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const t = setTimeout(() => reject(new Error(`no bench line within ${timeoutMs} ms: ${text.slice(-200)}`)), timeoutMs);
      port.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        const m = re.exec(text);
        if (m) (clearTimeout(t), resolve(m[0]));
      });
    });
  } finally {
    await new Promise<void>((r) => port.close(() => r()));
  }
}

export async function bench(): Promise<BenchSection[]> {
  if (spawnSync('qemu-system-arm', ['--version'], { stdio: 'ignore' }).status !== 0) return [{ title: 'Library (skipped)', markdown: 'qemu-system-arm is not installed.' }];
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-lib-'));
  // A dense model on the built-in data (seed 1), as a user makes it.
  run(['train', '--preset', 'dense', '--epochs', '8', '--out', join(dir, 'train')], dir);
  mkdirSync(join(dir, 'q'));
  run(['quantize', '--model', join(dir, 'train'), '--out', join(dir, 'q/model.tflite'), '--settings-out', join(dir, 'q/settings.json')], dir);
  const settings = JSON.parse(readFileSync(join(dir, 'q/settings.json'), 'utf8')) as ModelSettings;
  const model = new Uint8Array(readFileSync(join(dir, 'q/model.tflite')));

  // The continuous path on the virtual board.
  const lib = join(dir, 'tf_bench');
  run(['firmware', '--board', 'qemu-mps2-an386', '--model', join(dir, 'q/model.tflite'), '--settings', join(dir, 'q/settings.json'), '--library', '--out', lib], dir);
  mkdirSync(join(lib, 'examples/Bench'));
  writeFileSync(join(lib, 'examples/Bench/Bench.ino'), BENCH_SKETCH);
  execFileSync('make', ['EXAMPLE=Bench'], { cwd: lib, stdio: 'ignore' });
  const size = execFileSync('arm-none-eabi-size', [join(lib, 'build/tf_model.o')], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/).map(Number);
  const vb = await startVirtualBoard(join(lib, 'build/firmware.elf'));
  let line: string;
  try {
    line = await consoleLine(vb.path, /BENCH [^\r\n]*\r\n/, 120_000);
  } finally {
    await vb.stop();
  }
  const f = Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  const perPush = f.push_sum / f.push_n, perWindow = f.win_sum / f.win_n, engine = f.eng_sum / f.win_n;
  const L = settings.windowLength, A = settings.axes.length;

  // Stream scores (host replay, bit-exact with the board: tests/stream).
  const val = simulatedStreams({ count: 4, seed: 3, firstSubject: 40, rateHz: settings.sampleRateHz });
  const test = simulatedStreams({ count: 4, seed: 4, firstSubject: 20, rateHz: settings.sampleRateHz });
  const rep = evalStreamHost(model, settings, val, test);
  const row = (name: string, s: typeof rep.test.raw) =>
    `| ${name} | ${(100 * s.sampleAccuracy).toFixed(1)} % | ${s.hits}/${s.segments} | ${s.falseChangesPerHour.toFixed(1)} | ${s.latency ? s.latency.mean.toFixed(2) : 'n/a'} | ${s.flickerPerMinute.toFixed(2)} |`;

  const e = estimateEnergy({ measured: perWindow, kind: 'instructions', power: NRF52840, windowStride: settings.windowStride, sampleRateHz: settings.sampleRateHz });
  const eEng = estimateEnergy({ measured: engine, kind: 'instructions', power: NRF52840, windowStride: settings.windowStride, sampleRateHz: settings.sampleRateHz });
  return [
    {
      title: 'Library: continuous path cost on the virtual board (dense model, native engine)',
      markdown: [
        `Window ${L} samples × ${A} axes, stride ${settings.windowStride}, ${settings.sampleRateHz} Hz. A bench sketch in the generated library times 1000 \`tf_model_push\` calls (instructions, QEMU -icount, 40-instruction ticks averaged).`,
        '',
        '| | instructions |',
        '|---|---|',
        `| per new sample (no window: checks, quantise ${A} values, write both ring copies) | ${perPush.toFixed(0)} |`,
        `| per window (that push + engine + arg-max + smoothing) | ${perWindow.toFixed(0)} |`,
        `| of which the engine (tf_engine_invoke) | ${engine.toFixed(0)} |`,
        `| library overhead per window (window − engine) | ${(perWindow - engine).toFixed(0)} |`,
        '',
        `Static RAM of the library core (tf_model.o): ${size[1] + size[2]} bytes (.data ${size[1]} + .bss ${size[2]}), of which the mirrored int8 ring is 2 × ${L} × ${A} = ${2 * L * A} bytes; code ${size[0]} bytes.`,
      ].join('\n'),
    },
    {
      title: 'Continuous detection on whole streams (eval --stream, built-in simulator)',
      markdown: [
        `Dense model (built-in data, 8 epochs, seed 1). Smoothing chosen on 4 validation streams (people 41–44): average ${rep.smoothing.average}, min score ${rep.smoothing.minScore}, min windows ${rep.smoothing.minWindows}. Scored on 4 test streams (people 21–24, 8 segments of 8–30 s each, ${(rep.test.raw.seconds / 60).toFixed(1)} min).`,
        '',
        '| | per-sample accuracy | segments hit | false changes / h | latency (s, mean) | flicker / min |',
        '|---|---|---|---|---|---|',
        row('raw windows', rep.test.raw),
        row('smoothed', rep.test.smoothed),
      ].join('\n'),
    },
    {
      title: 'Time and energy per inference (ESTIMATES, nRF52840)',
      markdown: [
        `From the instructions measured above × CPI 1.25 (assumed), 64 MHz, 3.3 mA at 3 V running (nRF52840 Product Specification v1.7, CPU running from flash, DC/DC), 1.5 µA asleep (System ON, RTC); one inference per stride (${settings.windowStride / settings.sampleRateHz} s). Sensor, radio and LED not counted.`,
        '',
        '| | µs / inference | µJ / inference | duty cycle | average power |',
        '|---|---|---|---|---|',
        `| engine only | ${eEng.microsPerInference.toFixed(0)} | ${eEng.microjoulesPerInference.toFixed(2)} | ${(100 * eEng.dutyCycle!).toFixed(3)} % | ${eEng.averageMicrowatts!.toFixed(1)} µW |`,
        `| library window (push + engine + smoothing) | ${e.microsPerInference.toFixed(0)} | ${e.microjoulesPerInference.toFixed(2)} | ${(100 * e.dutyCycle!).toFixed(3)} % | ${e.averageMicrowatts!.toFixed(1)} µW |`,
      ].join('\n'),
    },
  ];
}
