/**
 * The platform of this process: every port of src/service/ports.ts bound to its adapter. Built by
 * a composition root (src/cli/program.ts for the binary, the CLI's studio; a forked tune trial)
 * and passed down; nothing else constructs adapters for the service layer.
 */
import type { Platform } from '../service/ports.js';
import { nodeBoards } from './boards.js';
import { exists, isDirectory, loadVectors, makeDir, moveFile, readBytes, readManifest, readText, removePath, writeFileAtomic, writeProject, writeSplitDir } from './files.js';
import { runPlan, runSteps } from './processes.js';
import { loadTrainArtifacts, saveTrainArtifacts } from './train-dir.js';
import { fsImportIo } from './import-fs.js';
import { readFirmwareSources } from './firmware-sources.js';
import { loadSettings, loadSources } from './model-sources.js';

export function nodePlatform(): Platform {
  const processes = { runPlan, runSteps };
  return {
    files: { exists, isDirectory, readBytes, readText, makeDir, removePath, moveFile, writeFileAtomic, writeProject, writeSplitDir, readManifest, loadVectors },
    processes,
    boards: nodeBoards(processes),
    trainRuns: { loadWindows: loadTrainArtifacts, save: saveTrainArtifacts },
    importIo: (o) => fsImportIo(o),
    models: { loadSources, loadSettings },
    firmwareSources: () => readFirmwareSources(),
  };
}
