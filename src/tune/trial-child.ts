/**
 * Entry of a trial's own process (forked by tune.ts through adapters/trial-process.ts): one TuneJob
 * in, runTrialJob, the result (or the typed error) back, exit.
 */
import { serveOneJob } from '../adapters/trial-process.js';
import { runTrialJob, type TuneJob } from './tune.js';

serveOneJob(async (payload) => {
  const m = payload as { job: TuneJob; worker: string };
  return runTrialJob(m.job, m.worker);
});
