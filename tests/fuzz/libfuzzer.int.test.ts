// libFuzzer + ASan/UBSan on the C link decoder (fuzz_link.c → firmware/core/tf_link.c) and the device
// app (fuzz_app.c → tf_app.c with the test engine), each for a bounded time (30 s; `npm run fuzz`:
// 5 min) from the committed seed corpus (tests/fuzz/corpus/, made by make-corpus.ts). The app runs
// twice: a raw-window model, and a spectral feature block in front of it (tf_features.c on INFER,
// FEATURES and the live path; seeds: the corpus plus raw windows of the block's size). New inputs go to
// a temporary folder, never into the repository. A crash, sanitizer report or property abort fails
// the test with the fuzzer's output, and the crashing input is kept in the temp folder it names.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { sha256Hex } from '../../src/device/verify.js';
import { RAW_FEATURES_HEADER } from '../support/host-board.js';
import { featuresHeader } from '../../src/features/cheader.js';
import { resolveBlock } from '../../src/features/registry.js';
import { encodeMessage } from '../../src/device/codec.js';
import type { ModelSettings } from '../../src/core/dataset.js';
import { INPUT_BYTES, MODEL_BYTES, OUTPUT_BYTES, SETTINGS } from '../device/targets.js';
import { LONG } from './fuzz-config.js';

const SECONDS = Number(process.env.TINYFORGE_FUZZ_SECONDS ?? (LONG ? 300 : 30));
const hasLibFuzzer = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-fuzz-probe-'));
  writeFileSync(join(dir, 'p.c'), 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n');
  return spawnSync('clang', ['-fsanitize=fuzzer,address,undefined', join(dir, 'p.c'), '-o', join(dir, 'p')], { stdio: 'ignore' }).status === 0;
})();

const FLAGS = ['-g', '-O1', '-std=c99', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all', '-Wall', '-Wextra', '-Werror'];

function build(name: string, sources: string[], include: string[], extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), `tf-fuzz-${name}-`));
  const exe = join(dir, name);
  const r = spawnSync('clang', [...FLAGS, ...include.flatMap((i) => ['-I', i]), ...extra, ...sources, '-o', exe, '-lm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang failed for ${name}:\n${r.stderr}`);
  return exe;
}

/** Runs the fuzzer for SECONDS; resolves with its exit code and output. */
function fuzz(exe: string, corpus: string): Promise<{ code: number | null; output: string; work: string }> {
  const work = mkdtempSync(join(tmpdir(), 'tf-fuzz-work-'));
  return new Promise((resolve) => {
    const child = spawn(exe, [`-max_total_time=${SECONDS}`, '-timeout=10', '-rss_limit_mb=1024', '-max_len=9000', `-artifact_prefix=${work}/`, work, corpus], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output, work }));
  });
}

describe.skipIf(!hasLibFuzzer)(`libFuzzer + ASan/UBSan, ${SECONDS} s each`, () => {
  it('the C link decoder and the device app survive every input; the app always answers a HELLO afterwards', async () => {
    const core = join(REPO_ROOT, 'firmware/core');
    const link = build('fuzz_link', [join(REPO_ROOT, 'tests/fuzz/fuzz_link.c'), join(core, 'tf_link.c')], [core]);
    const hdrDir = mkdtempSync(join(tmpdir(), 'tf-fuzz-hdr-'));
    writeFileSync(join(hdrDir, 'tf_model_settings.h'), settingsHeader({ settings: SETTINGS, inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES }).contents);
    writeFileSync(join(hdrDir, 'tf_features_config.h'), RAW_FEATURES_HEADER);
    const sha = Array.from(Buffer.from(sha256Hex(MODEL_BYTES), 'hex')).join(',');
    const app = build('fuzz_app', [join(REPO_ROOT, 'tests/fuzz/fuzz_app.c'), join(core, 'tf_app.c'), join(core, 'tf_model.c'), join(core, 'tf_resample.c'), join(core, 'tf_link.c'), join(REPO_ROOT, 'tests/device/test_engine.c'), join(REPO_ROOT, 'firmware/features/tf_features.c')], [hdrDir, core, join(REPO_ROOT, 'firmware/features')], [`-DTEST_MODEL_SHA=${sha}`]);
    // The same app with a spectral block (FFT 16 over the 20-sample window, a 2nd-order low-pass, |a|).
    const ctx = { windowLength: SETTINGS.windowLength, sampleRateHz: SETTINGS.sampleRateHz, axes: SETTINGS.axes, units: SETTINGS.units };
    const block = resolveBlock('spectral', { fftLength: 16, filterOrder: 2, filterCutoff: 20, magnitude: true, includeMean: true }, ctx);
    const fs: ModelSettings = { ...SETTINGS, features: { block: 'spectral', params: block.params, names: block.names, standardisation: { mean: block.names.map((_, i) => i * 7), std: block.names.map((_, i) => 1 + i) } } };
    const fDir = mkdtempSync(join(tmpdir(), 'tf-fuzz-fhdr-'));
    writeFileSync(join(fDir, 'tf_model_settings.h'), settingsHeader({ settings: fs, inputBytes: block.count, outputBytes: OUTPUT_BYTES }).contents);
    writeFileSync(join(fDir, 'tf_features_config.h'), featuresHeader(fs).contents);
    const appF = build('fuzz_app_features', [join(REPO_ROOT, 'tests/fuzz/fuzz_app.c'), join(core, 'tf_app.c'), join(core, 'tf_model.c'), join(core, 'tf_resample.c'), join(core, 'tf_link.c'), join(REPO_ROOT, 'tests/device/test_engine.c'), join(REPO_ROOT, 'firmware/features/tf_features.c')], [fDir, core, join(REPO_ROOT, 'firmware/features')], [`-DTEST_MODEL_SHA=${sha}`]);
    const fCorpus = mkdtempSync(join(tmpdir(), 'tf-fuzz-fcorpus-'));
    cpSync(join(REPO_ROOT, 'tests/fuzz/corpus/app'), fCorpus, { recursive: true });
    const window = new Uint8Array(new Int16Array(Array.from({ length: SETTINGS.windowLength * 3 }, (_, i) => ((i * 7919) % 65536) - 32768)).buffer);
    writeFileSync(join(fCorpus, 'infer-window'), encodeMessage('INFER', 21, { input: window }));
    writeFileSync(join(fCorpus, 'features-window'), encodeMessage('FEATURES', 22, { window }));
    const [l, a, f] = await Promise.all([fuzz(link, join(REPO_ROOT, 'tests/fuzz/corpus/link')), fuzz(app, join(REPO_ROOT, 'tests/fuzz/corpus/app')), fuzz(appF, fCorpus)]);
    for (const [name, r] of [['link decoder', l], ['device app', a], ['device app with a spectral block', f]] as const) {
      const report = `${name} (inputs in ${r.work}):\n${r.output.split('\n').filter((x) => !/^#\d+\s+(NEW|REDUCE|pulse)/.test(x)).slice(-60).join('\n')}`;
      expect(r.output, report).not.toMatch(/ERROR: (AddressSanitizer|libFuzzer)|runtime error:|SUMMARY:/);
      expect(r.code, report).toBe(0);
      // It really ran: libFuzzer reports how many inputs it executed.
      expect(Number(/Done (\d+) runs/.exec(r.output)?.[1] ?? 0), report).toBeGreaterThan(1000);
    }
    // Both fuzzers run side by side for SECONDS, plus the clang builds (npm run fuzz: 300 s each).
  }, (SECONDS + 180) * 1000);
});
