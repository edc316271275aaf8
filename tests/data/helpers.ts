/**
 * Test helpers for the data stage: `thrown` (the TinyforgeError a call throws) and an in-memory
 * ImportIo.
 */
import { expect } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';

/** The error a call throws (fails the test when it does not throw a TinyforgeError). */
export function thrown(fn: () => unknown): TinyforgeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TinyforgeError);
    return e as TinyforgeError;
  }
  throw new Error('expected a TinyforgeError, nothing was thrown');
}

/**
 * An in-memory ImportIo for tests: file path → text. `chunkSize` streams files in pieces that
 * cut lines (and CRLF pairs) anywhere, as a disk read does.
 */
import { badInput } from '../../src/core/errors.js';
import { globRoot, globToRegExp, isGlob, type ImportIo } from '../../src/data/import/description.js';

export function memoryIo(files: Record<string, string>, chunkSize?: number): ImportIo {
  const paths = Object.keys(files).sort();
  return {
    list(spec) {
      if (isGlob(spec)) {
        const root = globRoot(spec);
        const re = globToRegExp(spec);
        const found = paths.filter((p) => re.test(p)).map((p) => ({ path: p, rel: root === '.' ? p : p.slice(root.length + 1) }));
        if (!found.length) throw badInput(`no files match ${spec}`, { remedy: 'check the pattern' });
        return found;
      }
      if (spec in files) return [{ path: spec, rel: spec.split('/').pop()! }];
      const below = paths.filter((p) => p.startsWith(`${spec}/`)).map((p) => ({ path: p, rel: p.slice(spec.length + 1) }));
      if (!below.length) throw badInput(`no such file or folder: ${spec}`, { remedy: 'check the path' });
      return below;
    },
    read(path) {
      if (!(path in files)) throw badInput(`cannot read ${path}`, { remedy: 'check the path' });
      return files[path];
    },
    ...(chunkSize
      ? {
          *chunks(path: string) {
            const t = files[path];
            if (t === undefined) throw badInput(`cannot read ${path}`, { remedy: 'check the path' });
            for (let i = 0; i < t.length; i += chunkSize) yield t.slice(i, i + chunkSize);
          },
        }
      : {}),
    exists: (path) => path in files,
  };
}
