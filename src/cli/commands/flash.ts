/**
 * `tinyforge flash`: put a built firmware on a board (arduino-cli / bossac for the Nano 33 BLE
 * family; for the virtual board, start QEMU and print its serial pty). --dry-run prints the plan.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { badInput, deviceError, ExitCode } from '../../core/errors.js';
import { action, emit, globalOptions, info } from '../util.js';
import { whenAborted, type StopControl } from '../../adapters/signals.js';
import { formatFlashPlan } from '../../flash/plan.js';
import { startVirtualBoard } from '../../adapters/qemu.js';
import { IMU_SPEC_HELP, parseImuSpec } from '../../flash/imu-source.js';
import { flashStage, resolveFlashTarget } from '../../service/device.js';
import { flag } from '../flags.js';

interface FlashFlags {
  board?: string;
  port?: string;
  dryRun?: boolean;
  imu?: string;
}

export function register(program: Command, stops: StopControl): void {
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
        const { board, artifact, plan } = await resolveFlashTarget(target, f);
        if (f.dryRun) {
          emit(o, { dryRun: true, plan }, () => formatFlashPlan(plan));
          return;
        }
        if (!existsSync(artifact)) throw badInput(`firmware image not found: ${artifact}`, { remedy: `build it first: tinyforge build ${target}` });
        if (board.virtual) {
          // The graceful stretch covers the start: a Ctrl-C at any moment — even while QEMU starts, even
          // twice — stops QEMU, and flash exits 130 only once it is gone (src/adapters/signals.ts).
          const release = stops.graceful();
          try {
            const vb = await startVirtualBoard(artifact, { imu, signal: stops.signal, machine: board.qemuMachine });
            if (!stops.signal.aborted) {
              const imuText = vb.imu ? `\nIMU: ${vb.imu.describe()}` : '';
              emit(o, { board: board.id, port: vb.path, qemuArgs: vb.qemuArgs, imu: vb.imu ? { rateHz: vb.imu.rateHz, source: vb.imu.describe() } : null }, `virtual board running: serial port ${vb.path}${imuText}\n(Ctrl-C stops it)`);
            }
            void whenAborted(stops.signal).then(() => vb.stop());
            // Run until Ctrl-C (stop QEMU, exit 130) or until QEMU exits by itself (an error: the
            // board is gone, so never keep claiming it runs).
            const how = await vb.exited;
            if (!stops.signal.aborted) {
              throw deviceError(`the virtual board stopped: QEMU exited (${how.signal ?? `exit code ${how.code}`})`, {
                remedy: 'start it again with tinyforge flash; if it keeps stopping, check that the ELF was built for --board qemu-mps2-an386',
              });
            }
            await vb.stop();
            process.exitCode = ExitCode.INTERRUPTED;
          } finally {
            release();
          }
          return;
        }
        if (!plan.steps.length) {
          emit(o, { plan }, () => formatFlashPlan(plan));
          return;
        }
        info(o, `flashing ${board.id} on ${plan.port}`);
        await flashStage({ board, artifact, plan }, { onOutput: (chunk) => info(o, chunk.replace(/\n$/, '')) });
        emit(o, { board: board.id, port: plan.port, artifact, flashed: true }, `flashed ${artifact} to ${board.id} on ${plan.port}`);
      }),
    );
}
