import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { C_OUT, TS_OUT, checkSchema, generateC, generateTs, loadSchema, type ProtocolSchema } from '../../scripts/gen-protocol.js';
import { MSG } from '../../src/device/protocol.generated.js';

describe('protocol schema → generated TS and C', () => {
  const schema = loadSchema(REPO_ROOT);
  it('committed generated files are up to date with schemas/protocol.json', () => {
    expect(readFileSync(join(REPO_ROOT, TS_OUT), 'utf8')).toBe(generateTs(schema));
    expect(readFileSync(join(REPO_ROOT, C_OUT), 'utf8')).toBe(generateC(schema));
  });
  it('C header compiles and agrees with the TS ids (one schema)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-proto-'));
    writeFileSync(join(dir, 'main.c'), `#include <stdio.h>\n#include "tf_protocol.h"\nint main(void){printf("%d %d %d %d %d\\n",TF_MSG_HELLO,TF_MSG_PREDICTION,TF_MSG_RESET,TF_PROTO_MAX_PAYLOAD,TF_RESULT_FIXED_BYTES);return 0;}`);
    execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-I', join(REPO_ROOT, 'firmware/core'), '-o', join(dir, 'a'), join(dir, 'main.c')]);
    // RESULT = counterDelta:u32 + micros:u32 → 8 fixed bytes (hand count from the schema).
    expect(execFileSync(join(dir, 'a'), { encoding: 'utf8' }).trim()).toBe(`${MSG.HELLO} ${MSG.PREDICTION} ${MSG.RESET} 4096 8`);
  });
  it('rejects a schema with duplicate ids or a trailing array not last', () => {
    const dup = structuredClone(schema) as ProtocolSchema;
    dup.messages[1].id = dup.messages[0].id;
    expect(() => checkSchema(dup)).toThrow(/duplicate/);
    const bad = structuredClone(schema) as ProtocolSchema;
    bad.messages[2].fields.push({ name: 'x', type: 'u8' });
    expect(() => checkSchema(bad)).toThrow(/last/);
  });
});
