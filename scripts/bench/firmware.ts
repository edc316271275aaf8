/**
 * Firmware benchmark: for each shared converter-made model, the native-engine virtual-board
 * firmware is generated, built (arm-none-eabi-gcc -O2) and run in QEMU (-icount shift=0). Reports
 * flash and RAM from the ELF, the engine's arena, instructions per inference (the board's SysTick
 * counter, ±40) and whether the output matched TFLM's reference output for in-000.bin.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSection } from './types.js';
import { sharedDir } from '../../tests/support/shared.js';
import type { ModelSettings } from '../../src/core/dataset.js';
import { numElements } from '../../src/core/graph.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { elfFootprint } from '../../src/firmware/footprint.js';
import { loadNativeEngine } from '../../src/cli/commands/firmware.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { DeviceClient } from '../../src/device/client.js';

const MODELS = ['hello_world_int8', 'micro_speech_quantized', 'magic_wand', 'mlperf_tiny_kws', 'person_detect'];

/** Settings that only carry the model's I/O quantisation (the app's windowing is not exercised). */
function settingsFor(model: ReturnType<typeof readTflite>): ModelSettings {
  const g = model.graph;
  const i = g.tensors[g.inputs[0]];
  const o = g.tensors[g.outputs[0]];
  const classes = numElements(o.shape);
  return {
    task: 'classification',
    labels: Array.from({ length: classes }, (_, k) => `c${k}`),
    axes: ['x'],
    units: [''],
    sampleRateHz: 1,
    windowLength: 1,
    windowStride: 1,
    normalisation: { mean: [0], std: [1] },
    inputQuant: { scale: i.quant!.scale[0], zeroPoint: i.quant!.zeroPoint[0] },
    outputQuant: { scale: o.quant!.scale[0], zeroPoint: o.quant!.zeroPoint[0] },
  };
}

export async function bench(): Promise<BenchSection[]> {
  const shared = sharedDir();
  if (!shared) return [{ title: 'Firmware (virtual board)', markdown: '_Skipped: shared/vectors not found._' }];
  const nativeEngine = await loadNativeEngine();
  const sources = readFirmwareSources();
  const rows: string[] = [];
  const root = mkdtempSync(join(tmpdir(), 'tf-bench-fw-'));
  for (const name of MODELS) {
    const d = join(shared, 'vectors', name);
    const modelBytes = new Uint8Array(readFileSync(join(d, 'model.tflite')));
    const model = readTflite(modelBytes);
    try {
      const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model, modelBytes, settings: settingsFor(model), sources, nativeEngine });
      const dir = writeProject(join(root, name), project.files);
      await runPlan(buildPlan(dir, 'qemu-mps2-an386', { engine: 'native' }));
      const fp = elfFootprint(readFileSync(join(dir, 'build/firmware.elf')));
      const vb = await startVirtualBoard(join(dir, 'build/firmware.elf'));
      let client: DeviceClient | null = null;
      let arena: number | string = '–';
      try {
        client = await DeviceClient.connect(new SerialTransport(vb.path, { bytesPerSecond: 8000 }), { inferenceMs: 60000 });
        const info = await client.hello();
        arena = info.arenaUsed;
        const r = await client.infer(new Uint8Array(readFileSync(join(d, 'in-000.bin'))));
        const match = Buffer.from(r.output).equals(readFileSync(join(d, 'out-000.bin')));
        rows.push(`| ${name} | ${modelBytes.length} | ${fp.flash} | ${fp.ram} | ${info.arenaUsed} | ${r.counterDelta} | ${match ? 'yes' : '**NO**'} |`);
      } catch (e) {
        rows.push(`| ${name} | ${modelBytes.length} | ${fp.flash} | ${fp.ram} | ${arena} | – | not run: ${(e instanceof Error ? e.message : String(e)).replace(/\|/g, '/').slice(0, 80)} |`);
      } finally {
        await client?.close();
        await vb.stop();
      }
    } catch (e) {
      rows.push(`| ${name} | ${modelBytes.length} | – | – | – | – | ${(e instanceof Error ? e.message : String(e)).replace(/\|/g, '/').slice(0, 80)} |`);
    }
  }
  rmSync(root, { recursive: true, force: true });
  return [
    {
      title: 'Firmware on the virtual board (native engine, QEMU mps2-an386)',
      markdown: [
        'Each shared converter-made model is built into the full virtual-board firmware (native engine, protocol app,',
        '`arm-none-eabi-gcc -O2 -mcpu=cortex-m4 -mfloat-abi=hard`) and run in `qemu-system-arm -icount shift=0`.',
        'Flash = text + data, RAM = data + bss including the 32 KiB stack, both measured from the ELF. Instructions: the',
        "board's SysTick counter around one INFER of `in-000.bin` (1 instruction = 1 ns of virtual time; resolution 40).",
        '"TFLM match": the output equals `out-000.bin` (TFLM reference kernels) byte for byte.',
        '',
        '| model | .tflite bytes | flash bytes | RAM bytes | arena bytes | instructions / inference | TFLM match |',
        '|---|---:|---:|---:|---:|---:|---|',
        ...rows,
      ].join('\n'),
    },
  ];
}
