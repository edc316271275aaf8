import type { Command } from 'commander';

/** Registers this stage's commands. Owned by the stage's module; see README "Commands". */
export function registerDemoCommand(_program: Command): void {}
