/** Shape of a decoder-only transformer. */
export interface TransformerConfig {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  /** Hidden width of the MLP. */
  readonly dMlp: number;
  /** Maximum sequence length (learned positions). */
  readonly context: number;
}

/**
 * Named reference configurations. `tiny` is the CPU reference of the paper comparison; `micro`
 * trains in seconds for tests and classrooms; `small` and `medium` are for a GPU backend.
 */
export const CONFIGS = {
  micro: { vocabSize: 96, dModel: 64, nLayers: 2, nHeads: 4, dMlp: 256, context: 64 },
  tiny: { vocabSize: 96, dModel: 128, nLayers: 4, nHeads: 4, dMlp: 512, context: 128 },
  small: { vocabSize: 96, dModel: 384, nLayers: 6, nHeads: 6, dMlp: 1536, context: 256 },
  medium: { vocabSize: 96, dModel: 768, nLayers: 12, nHeads: 12, dMlp: 3072, context: 256 },
} as const satisfies Record<string, TransformerConfig>;

export type ConfigName = keyof typeof CONFIGS;

/** Checks a config and returns it; the error names the offending field. */
export function validateConfig(c: TransformerConfig): TransformerConfig {
  for (const key of ["vocabSize", "dModel", "nLayers", "nHeads", "dMlp", "context"] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`model config ${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.dModel % c.nHeads !== 0) throw new Error(`model config dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads})`);
  return c;
}

/** Number of trainable parameters. */
export function parameterCount(c: TransformerConfig): number {
  const block = 2 * 2 * c.dModel + (c.dModel * 3 * c.dModel + 3 * c.dModel) + (c.dModel * c.dModel + c.dModel) + (c.dModel * c.dMlp + c.dMlp) + (c.dMlp * c.dModel + c.dModel);
  return c.vocabSize * c.dModel + c.context * c.dModel + c.nLayers * block + 2 * c.dModel + c.dModel * c.vocabSize;
}
