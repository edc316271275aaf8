// The file port's plain reads (readText/readBytes, used by the service layer and the studio) refuse
// what is not a regular file before reading: a FIFO named like a recording would otherwise block the
// studio or the CLI for ever (brief: never a hang).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBytes, readText } from '../../src/adapters/files.js';

describe('file port: plain reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-files-'));
  it('reads a regular file', () => {
    writeFileSync(join(dir, 'a.csv'), 'x,y\n1,2\n');
    expect(readText(join(dir, 'a.csv'))).toBe('x,y\n1,2\n');
    expect(Array.from(readBytes(join(dir, 'a.csv')).subarray(0, 3))).toEqual([120, 44, 121]);
  });
  it('refuses a FIFO and a folder by name instead of blocking, with a remedy', () => {
    execFileSync('mkfifo', [join(dir, 'pipe.csv')]);
    for (const read of [readText, readBytes]) {
      expect(() => read(join(dir, 'pipe.csv'))).toThrow(/pipe\.csv is not a regular file: not read/);
      expect(() => read(dir)).toThrow(/is not a regular file/);
    }
  });
  it('a missing file still fails as a missing file', () => {
    expect(() => readText(join(dir, 'none.csv'))).toThrow(/ENOENT/);
  });
});
