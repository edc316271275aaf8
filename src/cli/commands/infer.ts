import type { Command } from 'commander';

/** Registers this stage's commands. */
export function register(_program: Command): void {}
