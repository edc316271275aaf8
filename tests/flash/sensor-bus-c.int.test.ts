// The sensor bus's generated C header compiles and agrees with the TS view (one schema).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { SENSOR_RECORD, SENSOR_RECORD_BYTES } from '../../src/flash/sensor-bus.generated.js';

describe('sensor bus C header', () => {
  it('the C header compiles and agrees with the TS ids and sizes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-bus-'));
    writeFileSync(
      join(dir, 'main.c'),
      '#include <stdio.h>\n#include "tf_sensor_bus.h"\nint main(void){printf("%d %d %d %d %d %d\\n",TF_SENSOR_SYNC,TF_SENSOR_SAMPLE,TF_SENSOR_SAMPLE_BYTES,TF_SENSOR_CONFIG_BYTES,TF_SENSOR_CONFIG_LSB_PER_G_OFFSET,TF_SENSOR_SAMPLE_Z_OFFSET);return 0;}',
    );
    execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-I', join(REPO_ROOT, 'firmware/boards/qemu-mps2'), '-o', join(dir, 'a'), join(dir, 'main.c')]);
    // By hand: SAMPLE = sync + id + 3 × i16 = 8 bytes, z at 2 + 4; CONFIG = 2 + u32 + u16 = 8, lsbPerG at 2 + 4.
    expect(execFileSync(join(dir, 'a'), { encoding: 'utf8' }).trim()).toBe(`165 ${SENSOR_RECORD.SAMPLE} 8 8 6 6`);
    expect(SENSOR_RECORD_BYTES.SAMPLE).toBe(8);
  });
});
