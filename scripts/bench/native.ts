/**
 * Native engine benchmark: for each shared reference model, the statically planned arena next to
 * TFLM's, the Cortex-M4 code/data size of the generated model file and the kernels
 * (arm-none-eabi-gcc -O2, arm-none-eabi-size), and host instructions per inference measured with
 * valgrind --tool=callgrind (x86-64, gcc -O2; runs with 2 inputs minus runs with 1 input, so
 * process start-up and file I/O cancel out). Instruction counts are deterministic, unlike time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../tests/support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitNativeEngine, nativeKernelFiles } from '../../src/firmware/native/index.js';
import { ARM_FLAGS, INCLUDES, buildRunner, hasTool, tempDir } from '../../tests/native/helpers.js';
import type { BenchSection } from './types.js';

const MODELS = ['hello_world_int8', 'micro_speech_quantized', 'magic_wand', 'mlperf_tiny_kws', 'person_detect'];

function armSize(src: string, dir: string): { text: number; data: number; bss: number } {
  const obj = join(dir, src.split('/').pop()! + '.o');
  execFileSync('arm-none-eabi-gcc', [...ARM_FLAGS, ...INCLUDES, '-c', src, '-o', obj]);
  const [, row] = execFileSync('arm-none-eabi-size', [obj], { encoding: 'utf8' }).trim().split('\n');
  const [text, data, bss] = row.trim().split(/\s+/).map(Number);
  return { text, data, bss };
}

function callgrindIr(exe: string, args: string[], dir: string): number {
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.out')}`, exe, ...args], { encoding: 'utf8' });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`callgrind failed: ${r.stderr.slice(-300)}`);
  return Number(m[1]);
}

export async function bench(): Promise<BenchSection[]> {
  const shared = sharedDir();
  if (!shared) return [{ title: 'Native engine', markdown: '_shared/vectors not found: skipped._' }];
  const arm = hasTool('arm-none-eabi-gcc');
  const vg = hasTool('valgrind');
  const work = tempDir('tf-native-bench-');
  let kernelFlash = 0;
  if (arm) for (const f of nativeKernelFiles().filter((x) => x.endsWith('.c'))) kernelFlash += armSize(f, work).text;
  const rows: string[] = [];
  for (const m of MODELS) {
    const dir = join(shared, 'vectors', m);
    const bytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    const res = emitNativeEngine(readTflite(bytes), { modelSha256: createHash('sha256').update(bytes).digest('hex') });
    const mdir = join(work, m);
    const exe = buildRunner(res.files, mdir);
    let flash = '–';
    let ram = '–';
    if (arm) {
      const s = armSize(join(mdir, res.files[0].path), mdir);
      flash = (s.text + s.data).toLocaleString('en-US');
      ram = (s.bss + s.data).toLocaleString('en-US');
    }
    let ir = '–';
    if (vg) {
      const inp = join(dir, 'in-000.bin');
      const one = callgrindIr(exe, [inp, join(mdir, 'o1')], mdir);
      const two = callgrindIr(exe, [inp, join(mdir, 'o1'), inp, join(mdir, 'o2')], mdir);
      ir = (two - one).toLocaleString('en-US');
    }
    rows.push(`| ${m} | ${res.schedule.length} | ${res.arenaBytes.toLocaleString('en-US')} | ${meta.arena.arena_used_bytes_host.toLocaleString('en-US')} / ${meta.arena.min_arena_bytes_host.toLocaleString('en-US')} | ${flash} | ${ram} | ${ir} |`);
  }
  const markdown = [
    'Generated C per model (`emitNativeEngine`) + portable kernels. Arena: offline greedy plan over tensor lifetimes, 16-byte aligned, RESHAPE outputs aliased.',
    'TFLM figures are `arena_used_bytes` / smallest working arena from shared/vectors meta.json (x86-64 host, 64-bit pointers, includes TFLM bookkeeping).',
    'Flash = .text + .data of the generated model object for Cortex-M4 (arm-none-eabi-gcc -O2 -mcpu=cortex-m4 -mfloat-abi=hard); RAM = .bss + .data (the arena).',
    `Portable kernels (all of them) add ${arm ? kernelFlash.toLocaleString('en-US') + ' B' : 'n/a'} of Cortex-M4 .text.`,
    'Host instructions = valgrind callgrind Ir per inference on x86-64 (gcc -O2), input in-000.bin.',
    '',
    '| model | ops | native arena (B) | TFLM host arena used / min (B) | M4 flash (B) | M4 RAM (B) | host instructions / inference |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
  return [{ title: 'Native engine (generated C + portable int8 kernels)', markdown }];
}
