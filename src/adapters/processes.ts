/**
 * Adapter: child processes. Runs a build or flash plan's steps (src/firmware/build.ts,
 * src/flash/plan.ts make them as plain data) in order, streaming their output, with no shell. A
 * missing program is a tool error naming how to install it; the first failing step is a typed
 * error carrying its output's tail.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { badInput, toolError } from '../core/errors.js';
import { TOOLS, type BuildPlan, type BuildStep, type StepResult, type ToolRequirement } from '../firmware/build.js';
import { linkOverflow } from '../firmware/footprint.js';
/**
 * Runs the plan's steps in order, streaming their output to `onOutput`, and checks the
 * outputs exist. A missing program is a tool error naming how to install it.
 */
export async function runPlan(plan: BuildPlan, onOutput: (chunk: string) => void = () => {}): Promise<StepResult[]> {
  const results = await runSteps(plan.steps.map((s) => ({ ...s, cwd: isAbsolute(s.cwd) ? s.cwd : resolve(plan.projectDir, s.cwd) })), onOutput);
  for (const o of plan.outputs) {
    if (!existsSync(resolve(plan.projectDir, o))) {
      throw toolError(`the build finished but did not produce ${o}`, { remedy: `run the steps of "tinyforge build ${plan.projectDir} --dry-run" by hand` });
    }
  }
  return results;
}

/** Runs commands one after another; the first failure is a tool error with its output's tail. */
export async function runSteps(steps: (Omit<BuildStep, 'cwd'> & { cwd?: string })[], onOutput: (chunk: string) => void = () => {}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    const cwd = step.cwd ?? process.cwd();
    const r = await runStep(step, cwd, onOutput);
    results.push(r);
    if (r.exitCode !== 0) {
      const tail = r.output.trim().split('\n').slice(-15).join('\n');
      // make reports a missing compiler as its own failure: name the package that provides it.
      const missing = /(arm-none-eabi-[\w+-]+): (?:No such file or directory|not found|command not found)/.exec(r.output);
      if (missing) {
        throw toolError(`${missing[1]} not found`, { cause: tail, remedy: TOOLS.armGcc.install });
      }
      // The linker refusing an image too big for the board's memory is the model's fault, not the tool's.
      const overflow = linkOverflow(r.output);
      if (overflow) {
        throw badInput(`the firmware does not fit the board's memory: the linker reports ${overflow}`, {
          cause: tail,
          remedy: 'use a smaller model (fewer or narrower layers, a shorter window), or a board with more memory; nothing was flashed',
          details: { argv: step.argv, cwd, overflow },
        });
      }
      throw toolError(`${step.title} failed (${step.argv[0]} exit code ${r.exitCode})`, {
        cause: tail || undefined,
        remedy: `run "${step.argv.join(' ')}" in ${cwd} to see the full output; check the prerequisites with --dry-run`,
        details: { argv: step.argv, cwd },
      });
    }
  }
  return results;
}

function runStep(step: { argv: string[]; title: string; tool: ToolRequirement }, cwd: string, onOutput: (chunk: string) => void): Promise<StepResult> {
  return new Promise((res, rej) => {
    const child = spawn(step.argv[0], step.argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      const s = d.toString('utf8');
      output += s;
      onOutput(s);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (e: NodeJS.ErrnoException) => {
      rej(e.code === 'ENOENT'
        ? toolError(`${step.argv[0]} not found`, { cause: e, remedy: step.tool.install })
        : toolError(`could not run ${step.argv[0]}`, { cause: e, remedy: step.tool.install }));
    });
    child.once('close', (code) => res({ title: step.title, argv: step.argv, exitCode: code ?? 1, output }));
  });
}
