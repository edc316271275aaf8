/**
 * Chooses the TensorFlow.js backend training runs on: tfjs-node (native TensorFlow, optional
 * dependency) when it loads, else wasm (with this project's convolution gradient kernels, see
 * wasm-grads.ts), else the pure-JS cpu backend — and says which and why.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../core/errors.js';
import { registerConvGradients } from './wasm-grads.js';

export type BackendPreference = 'node' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendPreference[] = ['node', 'wasm', 'cpu'];

export interface BackendChoice {
  /** The active tfjs backend name: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  backend: string;
  /** Why this one, in words (what was tried and what failed). */
  reason: string;
}

const require = createRequire(import.meta.url);

async function tryNode(): Promise<string | null> {
  try {
    // A variable specifier keeps TypeScript from requiring the optional package's types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    if (await tf.setBackend('tensorflow')) return null;
    return 'tfjs-node loaded but its backend did not initialise';
  } catch (e) {
    return `tfjs-node is not installed (${firstLine(e)})`;
  }
}

let wasmPathsSet = false;
async function tryWasm(): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      // In Node the backend cannot locate its .wasm binaries by itself: point it at the package's dist/.
      const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
      wasm.setWasmPaths(process.platform === 'win32' ? pathToFileURL(dist).href : dist);
      wasmPathsSet = true;
    }
    registerConvGradients('wasm');
    if (await tf.setBackend('wasm')) return null;
    return 'the wasm backend did not initialise';
  } catch (e) {
    return `the wasm backend failed to load (${firstLine(e)})`;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 160);
}

/**
 * Activates a backend. With a preference, that one is tried first; `cpu` always works.
 * An explicit preference that fails falls back (with the reason) rather than aborting, except
 * an unknown name, which is a usage error.
 */
export async function selectBackend(preference?: BackendPreference): Promise<BackendChoice> {
  if (preference !== undefined && !BACKENDS.includes(preference)) {
    throw badInput(`unknown backend "${String(preference)}"`, { remedy: `Use one of: ${BACKENDS.join(', ')}.` });
  }
  const notes: string[] = [];
  const order: BackendPreference[] = preference === 'cpu' ? ['cpu'] : preference === 'wasm' ? ['wasm', 'cpu'] : ['node', 'wasm', 'cpu'];
  for (const b of order) {
    if (b === 'node') {
      const why = await tryNode();
      if (why === null) return { backend: tf.getBackend(), reason: 'tfjs-node (native TensorFlow) is installed: fastest' };
      notes.push(why);
    } else if (b === 'wasm') {
      const why = await tryWasm();
      if (why === null) {
        const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
        return { backend: 'wasm', reason: [...notes, `using wasm (${simd}; convolution gradients supplied by tinyforge)`].join('; ') };
      }
      notes.push(why);
    } else {
      await tf.setBackend('cpu');
      const why = preference === 'cpu' ? 'cpu requested' : 'using the pure-JavaScript cpu backend (slow for convolutions)';
      return { backend: 'cpu', reason: [...notes, why].join('; ') };
    }
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}
