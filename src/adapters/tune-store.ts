/**
 * The files of a search folder (`tinyforge tune --out DIR`):
 *   search.json          the search's settings and their hash (a re-run must match them to resume)
 *   trials.jsonl         one JSON line per trial event, appended as it happens (the last line of an
 *                        id is the trial's state); a line cut short by a crash is dropped on read
 *   measure/<arch>.json  measured figures of each architecture (the cache: weights barely matter);
 *   measure/<arch>/      the candidate's firmware project as measured
 *                        (measure/ may live elsewhere and be shared by searches: --measure-cache)
 *   trials/<id>/         the trial's trained model: model.tflite, settings.json, float-model.json
 *   report.html, tune.json  the results
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { badInput, causeText } from '../core/errors.js';
import type { ModelSettings } from '../core/dataset.js';
import { writeFileAtomic } from './files.js';

export const TRIALS_FILE = 'trials.jsonl';
export const SEARCH_FILE = 'search.json';

export interface SearchHeader {
  /** Hash of everything that decides the trials (settings below). */
  search: string;
  tinyforgeVersion: string;
  settings: Record<string, unknown>;
}

/** A fresh temporary folder (removeDir it when done). */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The search folder; `Rec` is a trial record (JSON with an id), `Fig` the measured figures. */
export class TuneStore<Rec extends { id: number }, Fig> {
  readonly measure: string;
  /** `readOnly`: only look (a search another process is running); nothing is created. */
  constructor(readonly dir: string, measureCache?: string, readOnly = false) {
    this.measure = measureCache ?? join(dir, 'measure');
    if (readOnly) return;
    try {
      mkdirSync(this.measure, { recursive: true });
      mkdirSync(join(dir, 'trials'), { recursive: true });
    } catch (e) {
      throw badInput(`cannot create the search folder ${dir}`, { cause: causeText(e), remedy: 'choose a writable --out folder' });
    }
  }

  /** The saved header, or null for a new folder. */
  header(): SearchHeader | null {
    const p = join(this.dir, SEARCH_FILE);
    if (!existsSync(p)) return null;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as SearchHeader;
    } catch (e) {
      throw badInput(`${p} is not valid JSON`, { cause: causeText(e), remedy: 'delete the search folder (or choose another --out) to start afresh' });
    }
  }

  writeHeader(h: SearchHeader): void {
    writeFileAtomic(join(this.dir, SEARCH_FILE), JSON.stringify(h, null, 2) + '\n');
  }

  /**
   * Every complete line of trials.jsonl. A trailing partial line (a crash mid-append) is cut off
   * the file when `repair` (the search resuming); a reader watching a running search leaves it.
   */
  readTrials(o: { repair?: boolean } = { repair: true }): Rec[] {
    const p = join(this.dir, TRIALS_FILE);
    if (!existsSync(p)) return [];
    const text = readFileSync(p, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length && o.repair) truncateSync(p, Buffer.byteLength(text.slice(0, end)));
    const out: Rec[] = [];
    text
      .slice(0, end)
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        try {
          out.push(JSON.parse(line) as Rec);
        } catch (e) {
          throw badInput(`${p} line ${i + 1} is not valid JSON`, { cause: causeText(e), remedy: 'remove that line (the trial is then re-run) or choose another --out' });
        }
      });
    return out;
  }

  /** Appends one record as one line (a single write). */
  append(r: Rec): void {
    appendFileSync(join(this.dir, TRIALS_FILE), JSON.stringify(r) + '\n');
  }

  cachedFigures(arch: string): Fig | null {
    const p = join(this.measure, `${arch}.json`);
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Fig) : null;
  }

  saveFigures(arch: string, f: Fig): void {
    writeFileAtomic(join(this.measure, `${arch}.json`), JSON.stringify(f) + '\n');
  }

  measureDir(arch: string): string {
    return join(this.measure, arch);
  }

  trialDir(id: number): string {
    return join(this.dir, 'trials', String(id));
  }

  /** The trained model of a trial (its latest rung). */
  writeTrialModel(id: number, a: { tflite: Uint8Array; settings: ModelSettings; floatModel: unknown }): string {
    const d = this.trialDir(id);
    mkdirSync(d, { recursive: true });
    writeFileAtomic(join(d, 'model.tflite'), a.tflite);
    writeFileAtomic(join(d, 'settings.json'), JSON.stringify(a.settings, null, 2) + '\n');
    writeFileAtomic(join(d, 'float-model.json'), JSON.stringify(a.floatModel));
    return `trials/${id}`;
  }

  readTrialModel(id: number): { tflite: Uint8Array; settings: ModelSettings; floatModel: unknown } {
    const d = this.trialDir(id);
    const p = join(d, 'model.tflite');
    if (!existsSync(p)) throw badInput(`trial ${id} has no trained model in ${d}`, { remedy: 'pick a trial that finished training (status "done" in trials.jsonl)' });
    return {
      tflite: new Uint8Array(readFileSync(p)),
      settings: JSON.parse(readFileSync(join(d, 'settings.json'), 'utf8')) as ModelSettings,
      floatModel: JSON.parse(readFileSync(join(d, 'float-model.json'), 'utf8')),
    };
  }

  writeFile(name: string, contents: string): string {
    const p = join(this.dir, name);
    writeFileAtomic(p, contents);
    return p;
  }
}
