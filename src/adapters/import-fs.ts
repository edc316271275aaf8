/**
 * The file-system side of `importRecordings` (src/data/import/description.ts): lists files,
 * folders and globs, reads text, and streams large files in chunks so a 200 MB CSV is parsed in
 * bounded memory.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { badInput, causeText } from '../core/errors.js';
import { globRoot, globToRegExp, importRecordings, isGlob, type ImportedRecordings, type ImportIo } from '../data/import/description.js';
import type { ImportOptions } from '../data/import/index.js';

/** Bytes per chunk when streaming a file. */
export const CHUNK_BYTES = 4 << 20;

const posix = (p: string) => p.split(sep).join('/');

/** Every file below `dir` (at most `depth` levels down), sorted, as '/'-separated paths relative to it (hidden entries skipped). */
function walk(dir: string, prefix = '', depth = Infinity): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(dir, prefix)).sort();
  } catch (e) {
    throw badInput(`cannot read folder ${join(dir, prefix)}`, { cause: causeText(e), remedy: 'check the path and permissions' });
  }
  for (const n of names) {
    if (n.startsWith('.') || n === 'node_modules') continue;
    const rel = prefix ? `${prefix}/${n}` : n;
    let st;
    try {
      st = statSync(join(dir, rel));
    } catch {
      continue; // a dangling link
    }
    if (st.isDirectory()) {
      if (depth > 1) for (const f of walk(dir, rel, depth - 1)) out.push(f);
    } else out.push(rel);
  }
  return out;
}

export function fsImportIo(): ImportIo {
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
        throw badInput(`no such file or folder: ${spec}`, { cause: causeText(e), remedy: 'check the path' });
      }
      if (!st.isDirectory()) return [{ path: spec, rel: basename(spec) }];
      return walk(spec).map((rel) => ({ path: join(spec, rel), rel }));
    },
    read(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        throw badInput(`cannot read ${path}`, { cause: causeText(e), remedy: 'check the path and permissions' });
      }
    },
    *chunks(path) {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        throw badInput(`cannot read ${path}`, { cause: causeText(e), remedy: 'check the path and permissions' });
      }
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
