/**
 * A small seeded generator (mulberry32): batching and data generation must be reproducible
 * from a seed alone, which `Math.random` cannot give.
 */
export class Rng {
  private state_: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    this.state_ = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state_ = (this.state_ + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** The generator's position, to save in a checkpoint and resume from with {@link Rng.restore}. */
  get state(): number {
    return this.state_;
  }

  restore(state: number): void {
    this.state_ = state >>> 0;
  }

  /** A 31-bit seed for a tfjs random op, drawn from this stream. */
  seed(): number {
    // Never 0: tfjs treats a seed of 0 as "unseeded" and falls back to Math.random.
    return 1 + this.int(0x7ffffffe);
  }
}

/**
 * Checks a seed: a non-negative safe integer. (A NaN seed would silently give an unseeded, and so
 * unreproducible, run.)
 */
export function validateSeed(seed: number, what = "seed"): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${what} must be a non-negative integer, got ${seed}`);
  return seed;
}
