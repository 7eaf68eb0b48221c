/**
 * When a training run counts as diverged. A loss that is NaN or ±Inf always does; a finite loss
 * does once it has stayed above `factor` × the lowest loss seen so far for `patience` consecutive
 * steps. A spike that recovers within `patience` steps is not divergence; a run that blew up to a
 * large but finite loss (lr 10 on `tiny` climbs from 4.6 to ~20,000 and stays there) is.
 */
export interface DivergenceRule {
  /** How many times its running minimum the loss must exceed (> 1). */
  readonly factor: number;
  /** For how many consecutive steps (a positive integer). */
  readonly patience: number;
}

/** The rule a {@link Trainer} applies unless told otherwise. */
export const DEFAULT_DIVERGENCE: DivergenceRule = { factor: 3, patience: 10 };

/** Checks a rule, naming the bad field. */
export function validateDivergenceRule(rule: DivergenceRule): DivergenceRule {
  if (!(rule.factor > 1 && Number.isFinite(rule.factor))) throw new Error(`divergence.factor must be a finite number > 1, got ${rule.factor}`);
  if (!Number.isInteger(rule.patience) || rule.patience < 1) throw new Error(`divergence.patience must be a positive integer, got ${rule.patience}`);
  return rule;
}

/** Applies a {@link DivergenceRule} to a run's losses, one step at a time. */
export class DivergenceDetector {
  private min = Infinity;
  private above = 0;
  private firstAbove: number | null = null;

  constructor(private readonly rule: DivergenceRule | null = DEFAULT_DIVERGENCE) {
    if (rule) validateDivergenceRule(rule);
  }

  /**
   * Records one step's loss; returns the step at which the run diverged (the first step of the
   * streak above the bound, or this step for a non-finite loss), or null while it has not.
   */
  observe(step: number, loss: number): number | null {
    if (!Number.isFinite(loss)) return step;
    if (!this.rule) return null;
    if (loss > this.rule.factor * this.min) {
      this.firstAbove ??= step;
      if (++this.above >= this.rule.patience) return this.firstAbove;
    } else {
      this.above = 0;
      this.firstAbove = null;
    }
    this.min = Math.min(this.min, loss);
    return null;
  }
}
