import pkg from '../../package.json' with { type: 'json' };

/** tinyforge's version, from package.json (one source of truth). */
export const TINYFORGE_VERSION: string = pkg.version;

/** The provenance string written into generated files and .tflite descriptions. */
export const PROVENANCE = `tinyforge ${TINYFORGE_VERSION}`;
