import type { Command } from 'commander';

/** Registers this stage's commands. Owned by the stage's module; see README "Commands". */
export function register(_program: Command): void {}
