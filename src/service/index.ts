/**
 * The service layer: one library function per pipeline step, called by the CLI commands, by
 * `run`/`demo` (runProject) and by any other client (the studio). Each takes plain options (the
 * project file's section merged with flags) and returns a plain, JSON-printable result.
 *
 * This layer composes the pure stages with the adapters (src/adapters/: files, processes, qemu,
 * serial; docs/architecture.md). It never touches the file system or a process itself, never exits
 * the process, never installs signal handlers and never prints: interruption arrives as an
 * AbortSignal or a promise, progress as callbacks.
 *
 *   data      prepareData                                  (data.ts)
 *   train     trainSettings, trainStage, trainedArrays     (train.ts)
 *   int8      quantizeStage, modelFiles, writeModelFiles   (quantize.ts)
 *   eval      evaluateModel, evalStage                     (quantize.ts)
 *   infer     inferStage                                   (infer.ts)
 *   firmware  firmwareSettings, firmwareStage              (firmware.ts)
 *   build     buildStage                                   (firmware.ts)
 *   flash     resolveFlashTarget, flashStage               (device.ts)
 *   verify    loadVerifyWindows, verifyStage, verifyOnBoard (device.ts)
 *   capture   captureStage; monitor: monitorStage          (stream.ts)
 *   edit      cropRecording, splitRecording, recordingSamples, recordingSpectrum (recordings.ts)
 *   all       runProject, selectStages                     (run.ts)
 */
export * from './data.js';
export * from './train.js';
export * from './quantize.js';
export * from './infer.js';
export * from './firmware.js';
export * from './device.js';
export * from './stream.js';
export * from './run.js';
export * from './recordings.js';
