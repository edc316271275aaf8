/**
 * `tinyforge studio`: the local web app (src/studio/). Prints its URL and runs until Ctrl-C.
 */
import type { Command } from 'commander';
import { action, emit, globalOptions, info } from '../util.js';
import { ExitCode } from '../../core/errors.js';
import { whenAborted, type StopControl } from '../../adapters/signals.js';
import { STUDIO_DEFAULT_HOST, STUDIO_DEFAULT_PORT, startStudio } from '../../studio/index.js';
import type { Platform } from '../../service/ports.js';

export function register(program: Command, stops: StopControl, io: Platform): void {
  program
    .command('studio')
    .description('Local web app: live signal and predictions, recording and labelling, model report and per-layer int8 diagnostics')
    .option('--listen <host:port>', 'address to serve on (loopback by default)', `${STUDIO_DEFAULT_HOST}:${STUDIO_DEFAULT_PORT}`)
    .option('-p, --port <path>', 'serial port of a board running tinyforge firmware')
    .option('--virtual <dir>', 'run the virtual board with the firmware of a tinyforge demo/run output folder (or a built firmware project)')
    .option('--model <dir>', 'a demo/run output folder for the Model page and the model hash check (default: the --virtual folder)')
    .option('--data <dir>', 'dataset folder recordings are written to', 'recordings')
    .option('--tune <dir>', 'a tinyforge tune search folder for the Tune page (live while the search runs)')
    .action(
      action(async (f: { listen: string; port?: string; virtual?: string; model?: string; data: string; tune?: string }, cmd: Command) => {
        const out = globalOptions(cmd);
        // The stretch begins before the studio (and its virtual board) starts: a Ctrl-C at any moment
        // closes both, then exits 130 (src/adapters/signals.ts).
        const release = stops.graceful();
        try {
          // --virtual DIR names the firmware whose board the studio starts (the composition root maps the flag).
          const { virtual: firmware, ...rest } = f;
          const studio = await startStudio({ ...rest, firmware }, io);
          try {
            if (!stops.signal.aborted) {
              emit(out, { url: studio.url }, `tinyforge studio: ${studio.url}`);
              if (!/^(127\.|localhost$|::1$)/.test(new URL(studio.url).hostname.replace(/^\[|\]$/g, ''))) {
                info(out, 'warning: the studio listens beyond this machine: anyone who can reach it can drive the board and your dataset folder');
              }
              info(out, 'Ctrl-C stops the studio (and the virtual board)');
            }
            await whenAborted(stops.signal);
          } finally {
            await studio.close();
          }
          process.exitCode = ExitCode.INTERRUPTED;
        } finally {
          release();
        }
      }),
    );
}
