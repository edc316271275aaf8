// Shared helpers for tests/boards (not a test file).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOARDS } from '../../src/firmware/boards.js';
import { halFiles, makefile } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Writes a Makefile project: the board's HAL + the echo app + an engine stub. */
export function echoProject(boardId: 'qemu-mps2-an386' | 'cortex-m4'): string {
  const board = BOARDS[boardId];
  const sources = readFirmwareSources();
  const dir = mkdtempSync(join(tmpdir(), `tf-boot-${boardId}-`));
  mkdirSync(join(dir, 'src'));
  const files = [
    ...halFiles(board, sources),
    { path: 'tf_board.h', contents: sources['firmware/core/tf_board.h'] },
    { path: 'tf_engine.h', contents: sources['firmware/core/tf_engine.h'] },
    { path: 'tf_app.h', contents: sources['firmware/core/tf_app.h'] },
    { path: 'echo_app.c', contents: readFileSync(join(here, 'fixtures/echo_app.c'), 'utf8') },
    { path: 'echo_engine.c', contents: readFileSync(join(here, 'fixtures/echo_engine.c'), 'utf8') },
  ];
  for (const f of files) writeFileSync(join(dir, 'src', f.path), f.contents);
  writeFileSync(join(dir, 'Makefile'), makefile(board, 'native').contents);
  return dir;
}

