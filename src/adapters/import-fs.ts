/**
 * The file-system side of `importRecordings` (src/data/import/description.ts): lists files,
 * folders and globs, reads text, and streams large files in chunks so a 200 MB CSV is parsed in
 * bounded memory.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { badInput, causeText } from '../core/errors.js';
import { globRoot, globToRegExp, importRecordings, isGlob, type ImportedRecordings, type ImportIo } from '../data/import/description.js';
import type { ImportOptions } from '../data/import/index.js';

/** Bytes per chunk when streaming a file. */
export const CHUNK_BYTES = 4 << 20;

/**
 * What one file may cost by default: 1024 MiB (`data.import.maxFileMB`, `--max-file-mb`). A
 * streamed CSV keeps only its samples (float32), but a file this large is more often a mistake
 * (a disk image, a log) than a recording; JSON files are read whole, up to V8's string limit.
 */
export const DEFAULT_MAX_FILE_MB = 1024;

export interface FsImportOptions {
  /** Refuse files larger than this (MiB); default DEFAULT_MAX_FILE_MB. */
  maxFileMB?: number;
}

/** Paths in messages stay short (a deep link chain must not give a multi-KB message). */
const short = (p: string) => (p.length > 200 ? `${p.slice(0, 90)}…${p.slice(-90)}` : p);

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

const RECORDING_REMEDY = 'point at recording files (remove it from the data folder, or narrow the path or glob)';
const notRegular = (path: string, st: Stats, remedy = RECORDING_REMEDY) => badInput(`${short(path)} is ${kindOf(st)}, not a regular file: not read`, { remedy, details: { file: short(path) } });

/**
 * Opens a file for reading only if it is a regular file within the size limit, else a typed
 * error naming it. O_NONBLOCK: opening a FIFO must not wait for a writer (that hang is what
 * this refuses); fstat on the open descriptor checks the file actually opened.
 */
function openRegular(path: string, maxMB: number, remedy = RECORDING_REMEDY): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw badInput(`${short(path)} is a symbolic link loop`, { remedy: 'fix or remove the link', details: { file: short(path) } });
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    // A socket cannot even be opened (ENXIO): say what it is.
    if (st && !st.isFile()) throw notRegular(path, st, remedy);
    throw badInput(`cannot read ${short(path)}`, { cause: short(causeText(e)), remedy: 'check the path and permissions' });
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw notRegular(path, st, remedy);
  }
  if (st.size > maxMB * 1048576) {
    closeSync(fd);
    throw badInput(`${short(path)} is ${(st.size / 1048576).toFixed(0)} MiB, above the ${maxMB} MiB one file may take`, {
      remedy: `check it is a recording; to import it anyway raise the limit (--max-file-mb ${Math.ceil(st.size / 1048576)}, data.import.maxFileMB)`,
      details: { file: short(path), bytes: st.size, maxFileMB: maxMB },
    });
  }
  return { fd, size: st.size };
}

const posix = (p: string) => p.split(sep).join('/');

/**
 * Every file below `dir` (at most `depth` levels down), sorted, as '/'-separated paths relative to
 * it (hidden entries skipped). A folder link back to a folder being walked is a loop: refused,
 * naming the link (not the endlessly repeated path).
 */
function walk(dir: string, prefix = '', depth = Infinity, above: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  let names: string[];
  const here = join(dir, prefix);
  let real: string;
  try {
    real = realpathSync(here);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw badInput(`${short(here)} is a symbolic link loop`, { remedy: 'fix or remove the link' });
    throw badInput(`cannot read folder ${short(here)}`, { cause: short(causeText(e)), remedy: 'check the path and permissions' });
  }
  if (above.has(real)) throw badInput(`${short(here)} links back to ${short(real)}, a folder it is inside: a symbolic link loop`, { remedy: 'remove the link, or point at a folder without it', details: { file: short(here) } });
  const inside = new Set(above).add(real);
  try {
    names = readdirSync(here).sort();
  } catch (e) {
    throw badInput(`cannot read folder ${short(here)}`, { cause: short(causeText(e)), remedy: 'check the path and permissions' });
  }
  for (const n of names) {
    if (n.startsWith('.') || n === 'node_modules') continue;
    const rel = prefix ? `${prefix}/${n}` : n;
    let st;
    try {
      st = statSync(join(dir, rel));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw badInput(`${short(join(dir, rel))} is a symbolic link loop`, { remedy: 'fix or remove the link' });
      continue; // a dangling link
    }
    if (st.isDirectory()) {
      if (depth > 1) for (const f of walk(dir, rel, depth - 1, inside)) out.push(f);
    } else out.push(rel); // non-regular files are refused, naming them, when read (openRegular)
  }
  return out;
}

/**
 * A regular file's text (UTF-8, BOM dropped by the decoder), read whole: a FIFO, socket or device
 * is refused by name without blocking, a file above `maxMB` too. Also for the project file.
 */
export function readRegularText(path: string, maxMB: number, remedy?: string): string {
  const { fd, size } = openRegular(path, maxMB, remedy);
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    // Read what the file held when opened (a file growing meanwhile is read up to that size).
    for (let n = -1; got < size && n !== 0; got += n) n = readSync(fd, buf, got, size - got, null);
    return new TextDecoder('utf-8').decode(buf.subarray(0, got));
  } catch (e) {
    throw badInput(`cannot read ${short(path)}`, { cause: short(causeText(e)), remedy: 'check the file (a JSON file is read whole: split one larger than a few hundred MB)' });
  } finally {
    closeSync(fd);
  }
}

export function fsImportIo(opts: FsImportOptions = {}): ImportIo {
  const maxMB = opts.maxFileMB ?? DEFAULT_MAX_FILE_MB;
  return {
    list(spec) {
      if (isGlob(spec)) {
        const clean = posix(spec).replace(/^\.\//, '');
        const root = globRoot(clean);
        if (!existsSync(root)) throw badInput(`no folder ${root} for the pattern ${spec}`, { remedy: 'check the path of the glob' });
        const re = globToRegExp(clean);
        // Without `**` a glob reaches only as deep as its own parts below the root.
        const depth = clean.includes('**') ? Infinity : clean.split('/').length - (root === '.' ? 0 : root.split('/').length);
        const found = walk(root, '', depth)
          .map((rel) => ({ path: root === '.' ? rel : `${root.replace(/\/$/, '')}/${rel}`, rel }))
          .filter((e) => re.test(e.path));
        if (found.length === 0) throw badInput(`no files match ${spec}`, { remedy: 'check the pattern (*, **, ?, {a,b}) and the folder' });
        return found;
      }
      let st;
      try {
        st = statSync(spec);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw badInput(`${short(spec)} is a symbolic link loop`, { remedy: 'fix or remove the link' });
        throw badInput(`no such file or folder: ${short(spec)}`, { cause: short(causeText(e)), remedy: 'check the path' });
      }
      if (!st.isDirectory()) return [{ path: spec, rel: basename(spec) }];
      return walk(spec).map((rel) => ({ path: join(spec, rel), rel }));
    },
    read: (path) => readRegularText(path, maxMB),
    *chunks(path) {
      const { fd } = openRegular(path, maxMB);
      try {
        const buf = Buffer.allocUnsafe(CHUNK_BYTES);
        const dec = new TextDecoder('utf-8');
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) break;
          yield dec.decode(buf.subarray(0, n), { stream: true });
        }
        const tail = dec.decode();
        if (tail) yield tail;
      } finally {
        closeSync(fd);
      }
    },
    exists: (path) => existsSync(path),
  };
}

/**
 * Reads and imports recording files (or folders of them) with the per-file importer options of
 * `importText`, for callers that predate the import description (new code builds an
 * ImportDescription instead).
 */
export type LoadedFiles = ImportedRecordings;

/* `opts` apply to each file (label/group override per file). */
export function readRecordingFiles(paths: readonly string[], opts: Omit<ImportOptions, 'source' | 'sidecarText'> = {}): LoadedFiles {
  const { samplesPerGesture, label, group, labelColumn, groupColumn, ...rest } = opts;
  return importRecordings(
    {
      ...rest,
      files: [...paths],
      ...(samplesPerGesture !== undefined ? { rowsPerGesture: samplesPerGesture } : {}),
      ...(label !== undefined ? { label: { fixed: label } } : labelColumn !== undefined ? { label: { column: labelColumn } } : {}),
      ...(group !== undefined ? { group: { fixed: group } } : groupColumn !== undefined ? { group: { column: groupColumn } } : {}),
    },
    fsImportIo(),
  );
}
