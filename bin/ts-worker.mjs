// A worker thread running a TypeScript module with tsx (as bin/tinyforge.mjs does for the CLI):
// new Worker('bin/ts-worker.mjs', { workerData: { module: 'file:///…/x.ts', … } }).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
await import(workerData.module);
