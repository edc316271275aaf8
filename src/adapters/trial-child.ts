/**
 * Entry of a trial's own process (forked by trial-process.ts): receives one TuneJob over the IPC
 * channel, runs it (runTrialJob) and sends back the result or the typed error, then exits.
 */
import { TinyforgeError, causeText } from '../core/errors.js';
import { runTrialJob, type TuneJob } from '../service/tune.js';

process.once('message', (msg: { job: TuneJob; worker: string }) => {
  runTrialJob(msg.job, msg.worker).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (e: unknown) => {
      const err = e instanceof TinyforgeError ? e.toJSON() : { error: 'internal', message: causeText(e), exitCode: 1 };
      process.send!({ ok: false, error: err }, () => process.exit(0));
    },
  );
});
