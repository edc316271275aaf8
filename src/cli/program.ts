/**
 * The `tinyforge` command tree: each pipeline stage registers its commands from its own module
 * under ./commands. Built here (no side effects) so tests run the CLI in-process.
 */
import { Command } from 'commander';
import { TINYFORGE_VERSION } from '../core/version.js';
import { register as demoCmd } from './commands/demo.js';
import { register as runCmd } from './commands/run.js';
import { register as dataCmd } from './commands/data.js';
import { register as trainCmd } from './commands/train.js';
import { register as quantizeCmd } from './commands/quantize.js';
import { register as inspectCmd } from './commands/inspect.js';
import { register as inferCmd } from './commands/infer.js';
import { register as firmwareCmd } from './commands/firmware.js';
import { register as flashCmd } from './commands/flash.js';
import { register as deviceCmd } from './commands/device.js';
import { register as studioCmd } from './commands/studio.js';
import { register as tuneCmd } from './commands/tune.js';
import { manualStops, type StopControl } from '../adapters/signals.js';
import { nodePlatform } from '../adapters/platform.js';
import type { Platform } from '../service/ports.js';

/** `stops`: the one stop signal (Ctrl-C), passed to the commands that stop gracefully on it. */
export function buildProgram(stops: StopControl = manualStops(), io: Platform = nodePlatform()): Command {
  const program = new Command();
  program
    .name('tinyforge')
    .description('Labelled sensor data → int8 model → verified on a Cortex-M microcontroller.')
    .version(TINYFORGE_VERSION)
    .option('--json', 'machine-readable JSON output on stdout (no progress bars)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `\nExit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 unsupported, 5 verification mismatch,\n6 device/link failure, 7 external tool missing or failed, 130 interrupted.`,
  );
  runCmd(program, stops, io);
  demoCmd(program, stops, io);
  dataCmd(program, io);
  trainCmd(program, stops, io);
  quantizeCmd(program, io);
  inspectCmd(program);
  inferCmd(program);
  firmwareCmd(program, io);
  flashCmd(program, stops, io);
  deviceCmd(program, stops, io);
  studioCmd(program, stops, io);
  tuneCmd(program, stops);
  for (const c of program.commands) c.exitOverride();
  return program;
}
