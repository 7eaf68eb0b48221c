import { Rng } from "./rng.js";

/** A batch of `batch` windows: inputs `x` and next-token targets `y`, both `[batch, context]` row-major. */
export interface Batch {
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly batch: number;
  readonly context: number;
}

function window(tokens: Int32Array, starts: readonly number[], context: number): Batch {
  const x = new Int32Array(starts.length * context);
  const y = new Int32Array(starts.length * context);
  starts.forEach((s, i) => {
    x.set(tokens.subarray(s, s + context), i * context);
    y.set(tokens.subarray(s + 1, s + 1 + context), i * context);
  });
  return { x, y, batch: starts.length, context };
}

function checkFits(tokens: Int32Array, context: number): void {
  if (!Number.isInteger(context) || context < 1) throw new Error(`context length must be a positive integer, got ${context}`);
  if (tokens.length < context + 1) throw new Error(`text of ${tokens.length} tokens is too short for context length ${context}`);
}

/**
 * Random training windows drawn from a seed: the same seed gives the same batches in the same
 * order, which is what makes a training run reproducible bit for bit.
 */
export class BatchSampler {
  private readonly rng: Rng;

  constructor(private readonly tokens: Int32Array, readonly batch: number, readonly context: number, seed: number) {
    checkFits(tokens, context);
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
    this.rng = new Rng(seed);
  }

  /** Sampler position, for checkpoints. */
  get state(): number {
    return this.rng.state;
  }

  restore(state: number): void {
    this.rng.restore(state);
  }

  next(): Batch {
    const span = this.tokens.length - this.context;
    return window(this.tokens, Array.from({ length: this.batch }, () => this.rng.int(span)), this.context);
  }
}

/**
 * Fixed evaluation batches: evenly spaced windows over the held-out text, so every scheme and
 * every model is scored on exactly the same tokens.
 */
export function evalBatches(tokens: Int32Array, batch: number, context: number, count: number): Batch[] {
  checkFits(tokens, context);
  const total = batch * count;
  const stride = Math.max(1, Math.floor((tokens.length - context - 1) / total));
  const starts = Array.from({ length: total }, (_, i) => Math.min(i * stride, tokens.length - context - 1));
  return Array.from({ length: count }, (_, b) => window(tokens, starts.slice(b * batch, (b + 1) * batch), context));
}
