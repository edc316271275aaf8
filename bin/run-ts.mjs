#!/usr/bin/env node
// node bin/run-ts.mjs script.ts [args…]: run a TypeScript script (benchmarks, generators) with tsx.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
register();
const [script, ...rest] = process.argv.slice(2);
if (!script) { console.error('usage: node bin/run-ts.mjs SCRIPT.ts [args…]'); process.exit(2); }
process.argv = [process.argv[0], resolve(script), ...rest];
await import(pathToFileURL(resolve(script)).href);
