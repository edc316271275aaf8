/**
 * The on-disk form of a prepared (split + windowed) dataset, written by `tinyforge data split`:
 *
 *   DIR/split.json   manifest: { format: "tinyforge-split/1", labels, axes, units, sampleRateHz,
 *                    windowLength, windowStride, normalisation (fitted on train), split (report),
 *                    files: { train, val, test }, counts: { train, val, test } }
 *   DIR/train.json, DIR/val.json, DIR/test.json
 *                    { format: "tinyforge-windows/1", count, windowLength, axes, labels,
 *                      y: [class index…], groups: [group…], x: [flat numbers…] }
 *                    x is row-major [count][windowLength][axes], raw (NOT normalised), each
 *                    number the shortest text of its float32 value (reads back bit-exact).
 *
 * Serialising and parsing are pure; `writeSplitDir` / `readSplitDir` (src/adapters/files.ts) do the
 * file I/O, each file written atomically, so a failure never leaves a half-written split.
 */
import { join } from 'node:path';
import type { WindowSet } from '../core/dataset.js';
import { badInput, causeText } from '../core/errors.js';
import { float32Text } from './import/capture.js';
import type { PreparedDataset } from './prepare.js';
import { SPLIT_NAMES } from './split.js';

export const SPLIT_FORMAT = 'tinyforge-split/1';
export const WINDOWS_FORMAT = 'tinyforge-windows/1';
export const SPLIT_MANIFEST = 'split.json';

export function serializeWindows(ws: WindowSet): string {
  const x = Array.from(ws.x, float32Text).join(',');
  const head = JSON.stringify({ format: WINDOWS_FORMAT, count: ws.y.length, windowLength: ws.windowLength, sampleRateHz: ws.sampleRateHz, axes: ws.axes, labels: ws.labels, y: Array.from(ws.y), groups: ws.groups });
  return `${head.slice(0, -1)},"x":[${x}]}\n`;
}

export function parseWindows(text: string, source = 'windows.json'): WindowSet {
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw badInput(`${source}: not valid JSON (${causeText(e)})`, { remedy: 're-create the split with tinyforge data split' });
  }
  const arr = (k: string) => (Array.isArray(d[k]) ? (d[k] as unknown[]) : null);
  const axes = arr('axes') as string[] | null;
  const labels = arr('labels') as string[] | null;
  const y = arr('y') as number[] | null;
  const groups = arr('groups') as string[] | null;
  const x = arr('x') as number[] | null;
  const L = d.windowLength as number;
  if (d.format !== WINDOWS_FORMAT || !axes || !labels || !y || !groups || !x || !Number.isInteger(L)) {
    throw badInput(`${source}: not a ${WINDOWS_FORMAT} file`, { remedy: 're-create the split with tinyforge data split' });
  }
  if (x.length !== y.length * L * axes.length || groups.length !== y.length || !x.every((v) => typeof v === 'number') || !y.every((v) => Number.isInteger(v) && v >= 0 && v < labels.length)) {
    throw badInput(`${source}: sizes or values do not match (count ${y.length}, window ${L}, ${axes.length} axes, ${x.length} numbers)`, { remedy: 'the file is damaged: re-create the split' });
  }
  return { axes, labels, windowLength: L, sampleRateHz: d.sampleRateHz as number, x: Float32Array.from(x), y: Int32Array.from(y), groups };
}

/** File name → contents for a prepared dataset. `units` per axis go in the manifest. */
export function serializeSplit(p: PreparedDataset, units: string[]): Record<string, string> {
  const files = { train: 'train.json', val: 'val.json', test: 'test.json' };
  const manifest = {
    format: SPLIT_FORMAT,
    labels: p.labels,
    axes: p.axes,
    units,
    sampleRateHz: p.sampleRateHz,
    windowLength: p.windowLength,
    windowStride: p.windowStride,
    normalisation: p.normalisation,
    files,
    counts: { train: p.train.y.length, val: p.val.y.length, test: p.test.y.length },
    split: p.split,
  };
  return {
    [SPLIT_MANIFEST]: JSON.stringify(manifest, null, 2) + '\n',
    [files.train]: serializeWindows(p.train),
    [files.val]: serializeWindows(p.val),
    [files.test]: serializeWindows(p.test),
  };
}

/** Parses a split from its manifest and a reader for the files it names. */
export function parseSplit(manifestText: string, read: (file: string) => string): PreparedDataset & { units: string[] } {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(manifestText) as Record<string, unknown>;
  } catch (e) {
    throw badInput(`${SPLIT_MANIFEST}: not valid JSON (${causeText(e)})`, { remedy: 're-create the split with tinyforge data split' });
  }
  if (m.format !== SPLIT_FORMAT) throw badInput(`${SPLIT_MANIFEST}: not a ${SPLIT_FORMAT} manifest`, { remedy: 'point at a folder written by tinyforge data split' });
  const files = m.files as Record<string, string>;
  const [train, val, test] = SPLIT_NAMES.map((s) => parseWindows(read(files[s]), files[s]));
  return {
    labels: m.labels as string[],
    axes: m.axes as string[],
    units: m.units as string[],
    sampleRateHz: m.sampleRateHz as number,
    windowLength: m.windowLength as number,
    windowStride: m.windowStride as number,
    normalisation: m.normalisation as PreparedDataset['normalisation'],
    split: m.split as PreparedDataset['split'],
    train,
    val,
    test,
  };
}

