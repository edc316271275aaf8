/**
 * Runs `tinyforge ARGS…` in this process (runCli from src/cli/main.ts): the same parsing, output and
 * exit codes as the binary, without a tsx start-up per case. stdout/stderr are captured while the
 * command runs; calls are serialised (one process-wide stdout). Keep a few spawn tests of the real
 * binary (bin/tinyforge.mjs) for what only a process shows: signals, pipes, the shebang.
 */
import { runCli } from '../../src/cli/main.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

let queue: Promise<unknown> = Promise.resolve();

export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const run = queue.then(() => runCaptured(args, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runCaptured(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const cwd = process.cwd();
  const savedEnv: Record<string, string | undefined> = {};
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    savedEnv[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  process.exitCode = undefined;
  let status: number;
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    await runCli(['node', 'tinyforge', ...args]);
    status = Number(process.exitCode ?? 0);
  } catch (e) {
    stderr += `uncaught: ${(e as Error)?.stack ?? String(e)}\n`;
    status = 1;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(cwd);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.exitCode = undefined;
  }
  return { status, stdout, stderr };
}
