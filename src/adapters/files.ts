/**
 * Adapter: files. The one atomic write (`writeFileAtomic`: temp file + rename, so nobody ever sees
 * half a file) and everything built on it: generated project folders (renamed into place whole),
 * split folders, the project file, vectors folders, firmware manifests. The formats themselves are
 * pure code in their stages (data/split-files.ts, train/config.ts, firmware/build.ts); this module
 * only reads and writes them.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { GeneratedFile } from '../core/cemit.js';
import { TinyforgeError, badInput, causeText } from '../core/errors.js';
import { readRegularText } from './import-fs.js';
import { parseSplit, SPLIT_MANIFEST } from '../data/split-files.js';
import type { PreparedDataset } from '../data/prepare.js';
import type { LoadedVectors } from '../device/reference.js';
import { CONFIG_FILE, resolvePaths, validateConfig, type TinyforgeConfig } from '../train/config.js';
import { MANIFEST_FILE, type FirmwareManifest } from '../firmware/build.js';

/** Is there a file or folder at `path`? */
export function exists(path: string): boolean {
  return existsSync(path);
}

/** Is `path` an existing folder? */
export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Refuses a FIFO, a device or a folder before reading: reading one would block or never end. */
function refuseNonRegular(path: string): void {
  let regular = true;
  try {
    regular = statSync(path).isFile();
  } catch {
    return; // missing or unreadable: the read itself reports it as before
  }
  if (!regular) throw badInput(`${path} is not a regular file: not read`, { remedy: 'name a regular file (not a FIFO, device or folder)' });
}

/** A file's bytes (a regular file only). */
export function readBytes(path: string): Uint8Array {
  refuseNonRegular(path);
  return new Uint8Array(readFileSync(path));
}

/** A file's text (UTF-8; a regular file only). */
export function readText(path: string): string {
  refuseNonRegular(path);
  return readFileSync(path, 'utf8');
}

/** Creates a folder and its parents. */
export function makeDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Removes a file or a folder with everything in it; nothing when there is none. */
export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** A folder's entry names, sorted. */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

export interface WriteProjectOptions {
  /** Replace an existing folder (only a previous tinyforge project or an empty folder). */
  force?: boolean;
  /** File that marks a folder as ours (so --force never deletes someone else's folder). */
  marker?: string;
}

/**
 * Writes a generated project folder atomically: the files go to a temporary sibling folder first,
 * which is renamed into place only when complete, so a failure never leaves half a project.
 */
export function writeProject(outDir: string, files: GeneratedFile[], opts: WriteProjectOptions = {}): string {
  const out = resolve(outDir);
  const parent = dirname(out);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  let replacing = false;
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw badInput(`${outDir} exists and is not a folder`, { remedy: 'choose another --out' });
    const empty = readdirSync(out).length === 0;
    const ours = opts.marker ? existsSync(join(out, opts.marker)) : false;
    if (!empty && !(opts.force && ours)) {
      throw badInput(`${outDir} already exists and is not empty`, {
        remedy: ours ? 'pass --force to replace the previous project, or choose another --out' : 'choose another --out (tinyforge only replaces folders it generated)',
      });
    }
    replacing = true;
  }
  const tmp = join(parent, `.${basename(out)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const f of files) {
      const p = join(tmp, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.contents);
    }
    if (replacing) {
      const old = join(parent, `.${basename(out)}.old-${process.pid}`);
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, out);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw badInput(`cannot write ${outDir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, remedy: 'check that the folder is writable and the disk has space' });
  }
  return out;
}

/** Write a file via a temp file and rename, so readers never see half a file. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    const dir = dirname(path);
    const why = !existsSync(dir) ? `the folder ${dir} does not exist` : existsSync(path) && statSync(path).isDirectory() ? `${path} is a folder` : ((e as NodeJS.ErrnoException).code ?? 'write failed');
    throw badInput(`cannot write ${path}: ${why}`, { cause: e, remedy: !existsSync(dir) ? `Create it first (mkdir -p ${dir}) or choose another output path.` : 'Choose a writable file path.' });
  }
}

/** Writes a split folder (src/data/split-files.ts serialises it), every file atomically, the manifest last. */
export function writeSplitDir(dir: string, files: Record<string, string>): string[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw badInput(`cannot create ${dir}`, { cause: causeText(e), remedy: 'choose a writable --out folder' });
  }
  const written: string[] = [];
  // Data files first, the manifest last: a split folder with a manifest is complete.
  const names = Object.keys(files).sort((a, b) => Number(a === SPLIT_MANIFEST) - Number(b === SPLIT_MANIFEST));
  for (const name of names) {
    const path = join(dir, name);
    writeFileAtomic(path, files[name]);
    written.push(path);
  }
  return written;
}

/** Reads a split folder back (parsed by src/data/split-files.ts). */
export function readSplitDir(dir: string): PreparedDataset & { units: string[] } {
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch (e) {
      throw badInput(`cannot read ${join(dir, f)}`, { cause: causeText(e), remedy: 'point at a folder written by tinyforge data split' });
    }
  };
  return parseSplit(read(SPLIT_MANIFEST), read);
}

/** in-NNN.bin (and out-NNN.bin when present) from a vectors folder, in order. */
export function loadVectors(dir: string): LoadedVectors {
  if (!existsSync(dir)) throw badInput(`vectors folder not found: ${dir}`, { remedy: 'pass a folder holding in-000.bin, out-000.bin, …' });
  const ins = readdirSync(dir).filter((f) => /^in-\d+\.bin$/.test(f)).sort();
  if (!ins.length) throw badInput(`no in-NNN.bin files in ${dir}`, { remedy: 'pass a folder holding in-000.bin, out-000.bin, … (raw input tensor bytes)' });
  return {
    inputs: ins.map((f) => new Uint8Array(readFileSync(join(dir, f)))),
    outputs: ins.map((f) => {
      const o = join(dir, f.replace(/^in-/, 'out-'));
      return existsSync(o) ? new Uint8Array(readFileSync(o)) : null;
    }),
  };
}

/** Reads and validates a project file; relative paths become absolute (relative to its folder). */
export function loadConfig(path: string): TinyforgeConfig {
  const file = resolve(path);
  let text: string;
  try {
    // Never blocks on a FIFO or reads a device: a project file is a regular file of at most 16 MiB.
    text = readRegularText(file, 16, 'Check the --config path: it must name the project file (tinyforge.config.json).');
  } catch (e) {
    if (e instanceof TinyforgeError && /not a regular file|MiB/.test(e.message)) throw e;
    throw badInput(`cannot read the project file ${file}`, { cause: causeText(e instanceof TinyforgeError && e.cause ? e.cause : e), remedy: 'Check the --config path.' });
  }
  let value: unknown;
  try {
    // A UTF-8 byte-order mark (as Windows editors save) is not JSON syntax, but not an error either.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw badInput(`${file} is not valid JSON`, { cause: causeText(e), remedy: 'Fix the JSON syntax (a trailing comma or a missing quote is typical).' });
  }
  return resolvePaths(validateConfig(value, file), dirname(file));
}

/** The explicit --config file, else ./tinyforge.config.json when it exists, else an empty config. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): { config: TinyforgeConfig; path: string | null } {
  if (explicit) return { config: loadConfig(explicit), path: resolve(explicit) };
  const p = join(cwd, CONFIG_FILE);
  return existsSync(p) ? { config: loadConfig(p), path: p } : { config: {}, path: null };
}

/** Reads a firmware project's DIR/tinyforge.json. */
export function readManifest(projectDir: string): FirmwareManifest {
  const p = join(projectDir, MANIFEST_FILE);
  if (!existsSync(p)) {
    throw badInput(`${projectDir} is not a tinyforge firmware project (no ${MANIFEST_FILE})`, {
      remedy: 'generate one with: tinyforge firmware --board B --model model.tflite --settings settings.json --out DIR',
    });
  }
  let m: FirmwareManifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as FirmwareManifest;
  } catch (e) {
    throw badInput(`${p} is not valid JSON`, { cause: e, remedy: 'regenerate the project with tinyforge firmware' });
  }
  if (typeof m.board !== 'string' || (m.engine !== 'native' && m.engine !== 'tflm')) {
    throw badInput(`${p} lacks a board or engine`, { remedy: 'regenerate the project with tinyforge firmware' });
  }
  return m;
}

/** Appends text to a file (a recording growing under its `.partial` name). */
export function appendText(path: string, text: string): void {
  appendFileSync(path, text);
}

/** Renames a file into place (atomic on one file system). */
export function moveFile(from: string, to: string): void {
  renameSync(from, to);
}

/** Removes a file (no error when it is already gone). */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** A fresh folder under the system's temporary folder, named `prefix` + random characters. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a folder and everything in it (no error when it is already gone). */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
