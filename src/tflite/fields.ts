/**
 * The shapes of decoded builtin-option tables, apart from the reader (raw.ts) so the op modules
 * can name them without importing the reader, which imports the op registry.
 */

/** An operator's decoded options: field name → value. */
export type RawOptions = Record<string, number | boolean | number[]>;

export type FieldKind = 'i8' | 'u8' | 'bool' | 'i32' | 'f32' | 'i32[]';

/** One option-table field: its schema name, kind and schema default; its position is its field id. */
export type FieldSpec = [name: string, kind: FieldKind, dflt: number | boolean];
