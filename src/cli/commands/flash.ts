/**
 * `tinyforge flash`: put a built firmware on a board (arduino-cli / bossac for the Nano 33 BLE
 * family; for the virtual board, start QEMU and print its serial pty). --dry-run prints the plan.
 */
import type { Command } from 'commander';
import { deviceError, ExitCode } from '../../core/errors.js';
import { action, emit, globalOptions, info } from '../util.js';
import { whenAborted, type StopControl } from '../../adapters/signals.js';
import { formatFlashPlan } from '../../flash/plan.js';
import { IMU_SPEC_HELP, parseImuSpec } from '../../flash/imu-source.js';
import { flashStage, resolveFlashTarget } from '../../service/device.js';
import { flag } from '../flags.js';
import type { Platform } from '../../service/ports.js';

interface FlashFlags {
  board?: string;
  port?: string;
  dryRun?: boolean;
  imu?: string;
}

export function register(program: Command, stops: StopControl, io: Platform): void {
  program
    .command('flash')
    .description('flash a built firmware onto a board; for the virtual board, start QEMU and print the serial pty to talk to')
    .argument('<target>', 'project folder (after tinyforge build) or an image file (.elf for the virtual board, .bin for Arduino boards)')
    .addOption(flag('board', 'board (required for an image file)'))
    .addOption(flag('port', 'serial port of the board (default: the one Arduino board found)'))
    .option('--dry-run', 'print the exact flashing commands without running them')
    .option('--imu <spec>', `virtual board: its IMU, ${IMU_SPEC_HELP}`, 'none')
    .addHelpText('after', [
      '',
      'The virtual board keeps running until Ctrl-C; talk to it on the printed pty (tinyforge verify --port …).',
      'With --imu sim:walking[:SUBJECT] it has a simulated accelerometer (the built-in simulator, in real time),',
      'with --imu file:PATH one that plays a recording back at its rate: tinyforge capture and monitor then work on it.',
    ].join('\n'))
    .action(
      action(async (target: string, f: FlashFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const imu = parseImuSpec(f.imu ?? 'none'); // a bad flag value is a usage error (2), before any file is looked at
        const t = await resolveFlashTarget(io, target, f);
        const { board, artifact, plan } = t;
        if (f.dryRun) {
          emit(o, { dryRun: true, plan }, () => formatFlashPlan(plan));
          return;
        }
        if (!plan.steps.length) {
          // Nothing tinyforge can run (a debug probe): the plan says what to do.
          emit(o, { plan }, () => formatFlashPlan(plan));
          return;
        }
        // The graceful stretch covers the start: a Ctrl-C at any moment — even while the board starts,
        // even twice — stops what was started, and flash exits 130 only once it is gone (src/adapters/signals.ts).
        const release = stops.graceful();
        try {
          if (plan.port) info(o, `flashing ${board.spec.id} on ${plan.port}`);
          const started = await flashStage(io, t, { imu, signal: stops.signal, onOutput: (chunk) => info(o, chunk.replace(/\n$/, '')) });
          if (!started.exited) {
            emit(o, { board: board.spec.id, port: started.path, artifact, flashed: true }, `flashed ${artifact} to ${board.spec.id} on ${started.path}`);
            return;
          }
          // A board this process runs: it runs until Ctrl-C (stop it, exit 130) or until it stops by
          // itself (an error: the board is gone, so never keep claiming it runs).
          if (!stops.signal.aborted) {
            const imuText = started.imu ? `\nIMU: ${started.imu.describe()}` : '';
            emit(o, { board: board.spec.id, port: started.path, qemuArgs: started.hostArgs, imu: started.imu ? { rateHz: started.imu.rateHz, source: started.imu.describe() } : null }, `${board.name} running: serial port ${started.path}${imuText}\n(Ctrl-C stops it)`);
          }
          void whenAborted(stops.signal).then(() => started.stop());
          const why = await started.exited;
          if (!stops.signal.aborted) {
            throw deviceError(why, {
              remedy: `start it again with tinyforge flash; if it keeps stopping, check that the image was built for --board ${board.spec.id}`,
            });
          }
          await started.stop();
          process.exitCode = ExitCode.INTERRUPTED;
        } finally {
          release();
        }
      }),
    );
}
