import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { FRAME_CASES } from './frame-cases.js';

// The C codec against the same table as the TS codec (tests/fixtures/frames.json, made by Python).
describe('frame codec (C) against tests/fixtures/frames.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-link-'));
  const exe = join(dir, 'link_test');
  execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', join(REPO_ROOT, 'firmware/core'), '-o', exe,
    join(REPO_ROOT, 'firmware/core/tf_link.c'), join(REPO_ROOT, 'tests/device/link_test_main.c')]);
  const script = FRAME_CASES.map((c) => `D w ${c.wire}\n`).join('') + FRAME_CASES.filter((c) => c.encode).map((c) => `E ${c.encode!.type} ${c.encode!.seq} ${c.encode!.payload}\n`).join('');
  const out = execFileSync(exe, { input: script, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
  const decoded: string[][] = [];
  let cur: string[] = [];
  let k = 0;
  for (; k < out.length && decoded.length < FRAME_CASES.length; k++) {
    if (out[k] === 'END') {
      decoded.push(cur);
      cur = [];
    } else cur.push(out[k]);
  }
  const encoded = out.slice(k);
  FRAME_CASES.forEach((c, i) => {
    it(`${c.name}`, () => {
      const want = c.events.map((e) => ('frame' in e ? `F ${e.frame.version} ${e.frame.type} ${e.frame.seq} ${e.frame.payload}` : `E ${e.error}`));
      expect(decoded[i]).toEqual(want);
    });
  });
  it('encodes the canonical frames byte for byte', () => {
    const want = FRAME_CASES.filter((c) => c.encode).map((c) => c.wire);
    expect(encoded.slice(0, want.length)).toEqual(want);
  });
});
