/**
 * tinyforge's own capture format, `tinyforge-capture/1` (schema: schemas/capture.schema.json;
 * described in docs/data.md). Two equivalent spellings:
 *  - one JSON object with the metadata and the samples in `data` (`writeCapture` writes it), or
 *  - a CSV (header = axis names, one row per frame) plus the metadata object as a sidecar
 *    `FILE.csv.json` without `data` (what `tinyforge device capture` writes incrementally).
 * Sequence gaps (`gaps[].at` = frame index in this capture's data before which `missing` frames
 * were lost) split the capture into separate recordings on import, so no window spans lost data.
 */
import { Ajv, type ErrorObject } from 'ajv';
import schema from '../../../schemas/capture.schema.json' with { type: 'json' };
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import { Float32Builder, RowIssues, checkRate, isFiniteFloat32, parseSample, splitLines, type CommonImportOptions, type ImportResult } from './common.js';

export const CAPTURE_FORMAT = 'tinyforge-capture/1';

export interface CaptureGap {
  /** Frame index (in this capture's data) before which samples were lost. */
  at: number;
  missing: number;
}

/** The metadata of a capture (everything but the samples). */
export interface CaptureMeta {
  format: typeof CAPTURE_FORMAT;
  label: string;
  group: string;
  /** Rate of the samples by the device's clock, Hz. */
  sampleRateHz: number;
  axes: string[];
  units: string[];
  deviceRateHz?: number;
  /** Rate measured on the host from arrival times, Hz. */
  measuredRateHz?: number;
  board?: string | null;
  device?: Record<string, unknown>;
  startedAt?: string;
  samples?: number;
  seconds?: number;
  gaps?: CaptureGap[];
  missingSamples?: number;
  stopReason?: string;
  file?: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function schemaProblems(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(top level)'} ${e.message ?? ''}`.trim()).join('; ');
}

/** Shortest decimal that reads back as the same float32 (so files are compact and exact). */
export function float32Text(v: number): string {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** The capture as one JSON document (deterministic: fixed key order, one frame per line). */
export function writeCapture(rec: Recording, meta: Partial<Omit<CaptureMeta, 'format' | 'label' | 'group' | 'axes' | 'units'>> = {}): string {
  const nA = rec.axes.length;
  const frames = rec.samples.length / nA;
  for (let i = 0; i < rec.samples.length; i++) {
    if (!Number.isFinite(rec.samples[i])) {
      throw badInput(`cannot write capture: sample ${Math.floor(i / nA)} axis ${rec.axes[i % nA]} is ${rec.samples[i]}`, { remedy: 'drop or repair non-finite samples before saving' });
    }
  }
  const head: Record<string, unknown> = {
    format: CAPTURE_FORMAT,
    label: rec.label,
    group: rec.group,
    sampleRateHz: meta.sampleRateHz ?? rec.sampleRateHz,
    axes: rec.axes,
    units: rec.units,
    ...meta,
    samples: frames,
  };
  delete head.data;
  const rows: string[] = [];
  for (let t = 0; t < frames; t++) {
    const row: string[] = [];
    for (let a = 0; a < nA; a++) row.push(float32Text(rec.samples[t * nA + a]));
    rows.push(`[${row.join(',')}]`);
  }
  const json = JSON.stringify(head, null, 2);
  return `${json.slice(0, -2)},\n  "data": [\n    ${rows.join(',\n    ')}\n  ]\n}\n`;
}

/** A parsed sidecar checked against the schema (and rate, units); a typed error naming `source` otherwise. */
export function checkMeta(value: unknown, source: string): CaptureMeta {
  if (!validate(value)) {
    throw badInput(`${source}: not a valid ${CAPTURE_FORMAT} capture: ${schemaProblems(validate.errors)}`, {
      remedy: 'see schemas/capture.schema.json (format, label, group, sampleRateHz, axes, units are required)',
      details: { file: source },
    });
  }
  const meta = value as unknown as CaptureMeta;
  // JSON.parse turns 1e400 into Infinity, which a schema's "number" accepts.
  checkRate(meta.sampleRateHz, `${source}: sampleRateHz`, 'sampleRateHz is the device rate in Hz');
  if (meta.units.length !== meta.axes.length) {
    throw badInput(`${source}: ${meta.axes.length} axes but ${meta.units.length} units`, { remedy: 'give one unit per axis' });
  }
  return meta;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badInput(`${source}: not valid JSON (${(e as Error).message})`, { remedy: 'the file is damaged or not a capture; re-export it', details: { file: source } });
  }
}

/** A single-file JSON capture → its metadata and one Recording (gaps are not split here). */
export function parseCaptureFile(text: string, source = '<capture>'): { recording: Recording; meta: CaptureMeta } {
  const doc = parseJson(text, source) as Record<string, unknown>;
  const meta = checkMeta(doc, source);
  const data = doc.data as number[][] | undefined;
  if (!Array.isArray(data)) throw badInput(`${source}: capture has no "data" array`, { remedy: 'a CSV capture is imported together with its .json sidecar: import the CSV file' });
  const nA = meta.axes.length;
  const samples = new Float32Array(data.length * nA);
  data.forEach((row, t) => {
    if (!Array.isArray(row) || row.length !== nA) throw badInput(`${source}: data[${t}] has ${Array.isArray(row) ? row.length : 'no'} values, expected ${nA} (${meta.axes.join(',')})`, { remedy: 'every frame needs one value per axis' });
    row.forEach((v, a) => {
      if (!isFiniteFloat32(v)) throw badInput(`${source}: data[${t}] axis ${meta.axes[a]}: ${typeof v === 'number' ? `${v} is outside the float32 range (±3.4e38)` : `not a number: ${JSON.stringify(v)}`}`, { remedy: 'every sample must be a finite float32 number', details: { file: source, frame: t, axis: meta.axes[a] } });
      samples[t * nA + a] = v;
    });
  });
  const { data: _omit, ...rest } = doc as Record<string, unknown>;
  return { recording: toRecording(meta, samples, source), meta: rest as unknown as CaptureMeta };
}

/** A single-file JSON capture → one Recording. */
export function parseCapture(text: string, source?: string): Recording {
  return parseCaptureFile(text, source).recording;
}

function toRecording(meta: CaptureMeta, samples: Float32Array, source: string): Recording {
  return { label: meta.label, group: meta.group, sampleRateHz: meta.sampleRateHz, axes: meta.axes.slice(), units: meta.units.slice(), samples, source };
}

/** Splits a capture at its sequence gaps and reports them. */
function splitAtGaps(rec: Recording, meta: CaptureMeta, source: string, warnings: string[]): Recording[] {
  const nA = rec.axes.length;
  const frames = rec.samples.length / nA;
  const cuts = [...new Set((meta.gaps ?? []).map((g) => g.at))].filter((at) => at > 0 && at < frames).sort((a, b) => a - b);
  const outside = (meta.gaps ?? []).filter((g) => !(g.at >= 0 && g.at <= frames));
  if (outside.length) warnings.push(`${outside.length} gap(s) point outside the ${frames} frames (at ${outside.map((g) => g.at).join(', ')}): ignored`);
  const missing = (meta.gaps ?? []).reduce((a, g) => a + g.missing, 0);
  if (meta.gaps?.length) warnings.push(`${meta.gaps.length} sequence gap(s), ${missing} frame(s) lost: split into ${cuts.length + 1} recordings`);
  const bounds = [0, ...cuts, frames];
  const out: Recording[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [a, b] = [bounds[k], bounds[k + 1]];
    out.push({ ...rec, samples: rec.samples.slice(a * nA, b * nA), source: cuts.length ? `${source} frames ${a}–${b - 1}` : source });
  }
  return out;
}

function report(source: string, recs: Recording[], meta: CaptureMeta, warnings: string[], skipped: RowIssues | null): ImportResult {
  if (meta.measuredRateHz && Math.abs(meta.measuredRateHz - meta.sampleRateHz) > 0.05 * meta.sampleRateHz) {
    warnings.push(`host-measured rate ${meta.measuredRateHz.toFixed(2)} Hz differs from the device rate ${meta.sampleRateHz} Hz by more than 5 %`);
  }
  return {
    recordings: recs,
    report: {
      source,
      format: 'capture',
      recordings: recs.length,
      frames: recs.reduce((a, r) => a + r.samples.length / r.axes.length, 0),
      rateHz: meta.sampleRateHz,
      rateSource: 'file',
      skipped: { count: skipped?.count ?? 0, examples: skipped?.examples ?? [] },
      warnings,
    },
  };
}

/** Imports a single-file JSON capture. `label` / `group` options override the file's. */
export function importCapture(text: string, opts: CommonImportOptions = {}): ImportResult {
  const source = opts.source ?? '<capture>';
  const { recording, meta } = parseCaptureFile(text, source);
  const rec = { ...recording, label: opts.label ?? recording.label, group: opts.group ?? recording.group };
  const warnings: string[] = [];
  return report(source, splitAtGaps(rec, meta, source, warnings), meta, warnings, null);
}

/** Imports a CSV capture with its JSON sidecar (metadata). Rows must match the sidecar's axes. */
export function importCaptureCsv(csvText: string, sidecarText: string, opts: CommonImportOptions & { sidecarSource?: string } = {}): ImportResult {
  const source = opts.source ?? '<capture.csv>';
  const meta = checkMeta(parseJson(sidecarText, opts.sidecarSource ?? `${source}.json`), opts.sidecarSource ?? `${source}.json`);
  const lines = splitLines(csvText);
  const header = (lines[0] ?? '').trim();
  if (header !== meta.axes.join(',')) {
    throw badInput(`${source}:1: header "${header}" does not match the sidecar's axes ${meta.axes.join(',')}`, { remedy: 'keep the CSV and its .json sidecar together, unedited' });
  }
  const nA = meta.axes.length;
  const issues = new RowIssues(source, opts.lenient ?? false, `each row needs ${nA} numbers (${header})`);
  const values = new Float32Builder(nA * 1024);
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    rows++;
    const cells = raw.split(',');
    if (cells.length !== nA) {
      issues.bad(i + 1, `expected ${nA} columns, found ${cells.length}`);
      continue;
    }
    const v = cells.map(parseSample);
    const bad = v.findIndex((x) => typeof x === 'string');
    if (bad >= 0) issues.bad(i + 1, `column ${meta.axes[bad]} ${v[bad] as string}`);
    else for (const x of v as number[]) values.push(x);
  }
  issues.check(rows);
  const warnings: string[] = [];
  if (meta.samples !== undefined && meta.samples !== values.length / nA) {
    warnings.push(`sidecar says ${meta.samples} frames, the CSV has ${values.length / nA}`);
  }
  const rec = { ...toRecording(meta, values.slice(), source), label: opts.label ?? meta.label, group: opts.group ?? meta.group };
  return report(source, splitAtGaps(rec, meta, source, warnings), meta, warnings, issues);
}
