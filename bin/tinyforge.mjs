#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so there is no build step between a change and a run.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main();
