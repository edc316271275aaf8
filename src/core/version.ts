import { readFileSync } from 'node:fs';

/** tinyforge's version, from package.json (one source of truth). */
export const TINYFORGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The provenance string written into generated files and .tflite descriptions. */
export const PROVENANCE = `tinyforge ${TINYFORGE_VERSION}`;
