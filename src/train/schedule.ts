/** Learning-rate schedule: linear warmup, then constant or cosine decay to `minLrFraction · lr`. */
export interface Schedule {
  readonly lr: number;
  readonly warmupSteps: number;
  readonly decay: "constant" | "cosine";
  /** Total steps, over which cosine decay runs (after warmup). */
  readonly steps: number;
  readonly minLrFraction: number;
}

/** Learning rate at 1-based optimizer step `step`. */
export function learningRate(s: Schedule, step: number): number {
  if (s.warmupSteps > 0 && step <= s.warmupSteps) return (s.lr * step) / s.warmupSteps;
  if (s.decay === "constant") return s.lr;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.steps - s.warmupSteps));
  const min = s.lr * s.minLrFraction;
  return min + 0.5 * (s.lr - min) * (1 + Math.cos(Math.PI * progress));
}
