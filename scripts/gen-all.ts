/**
 * `npm run gen`: regenerate every committed generated file from its one source of truth —
 * schemas/tflite.fbs → src/tflite/generated/ and schemas/protocol.json → the TS and C protocol
 * definitions, schemas/sensor-bus.json → the virtual board's IMU bus. Tests fail when a committed generated file differs from what these produce.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/core/shared.js';

for (const script of ['gen-tflite.ts', 'gen-protocol.ts', 'gen-sensor-bus.ts']) {
  process.stderr.write(`gen: ${script}\n`);
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'run-ts.mjs'), join(REPO_ROOT, 'scripts', script)], { stdio: 'inherit', cwd: REPO_ROOT });
}
