/**
 * TFLite file-format benchmark: read (parse + verify → Graph) and write (Graph → bytes) time for
 * each model in shared/vectors, median of repeated runs after a warm-up, plus the written size
 * against the converter's original.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../tests/support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import type { BenchSection } from './types.js';

function medianMs(fn: () => void, budgetMs = 1500, maxRuns = 50): { ms: number; runs: number } {
  fn(); // warm-up
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < 5 || performance.now() - start < budgetMs)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], runs: times.length };
}

export async function bench(): Promise<BenchSection[]> {
  const shared = sharedDir();
  if (!shared) return [{ title: 'TFLite reader and writer', markdown: 'Skipped: shared/vectors not found.' }];
  const vdir = join(shared, 'vectors');
  const rows: string[] = [];
  for (const name of readdirSync(vdir).filter((d) => existsSync(join(vdir, d, 'model.tflite')) && !d.endsWith('-logits'))) {
    const bytes = new Uint8Array(readFileSync(join(vdir, name, 'model.tflite')));
    const model = readTflite(bytes);
    const r = medianMs(() => readTflite(bytes));
    const w = medianMs(() => writeTflite(model));
    const written = writeTflite(model).length;
    const mbps = (n: number, ms: number) => (n / 1e6 / (ms / 1e3)).toFixed(0);
    rows.push(
      `| ${name} | ${bytes.length} | ${model.graph.tensors.length} / ${model.graph.operators.length} | ${r.ms.toFixed(2)} | ${mbps(bytes.length, r.ms)} | ${w.ms.toFixed(2)} | ${mbps(written, w.ms)} | ${written} |`,
    );
  }
  return [
    {
      title: 'TFLite reader and writer',
      markdown: [
        'Per model in `shared/vectors` (the `-logits` variants are the same files with one byte changed, so they are left out).',
        '`read` is `readTflite` (bounds-checked parse and verification into the Graph IR, copying every constant buffer);',
        '`write` is `writeTflite` of that graph (opcode table, 16-byte-aligned buffers, metadata). Median wall time of',
        'repeated runs after one warm-up, in-process, single thread.',
        '',
        '| model | bytes | tensors / ops | read ms | read MB/s | write ms | write MB/s | written bytes |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
      ].join('\n'),
    },
  ];
}
