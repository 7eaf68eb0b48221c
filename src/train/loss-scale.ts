/**
 * Dynamic loss scaling for emulated fp16 training: gradients are computed on `loss · scale` so
 * small values survive fp16 rounding; a step whose gradients overflow is skipped and the scale
 * halved, and after `growthInterval` clean steps the scale doubles (as `torch.cuda.amp.GradScaler`).
 */
export class DynamicLossScale {
  constructor(
    public scale = 2 ** 15,
    readonly growthInterval = 1000,
    public goodSteps = 0,
  ) {}

  /** Records whether the scaled gradients were finite; returns whether the step may be applied. */
  update(finite: boolean): boolean {
    if (!finite) {
      this.scale = Math.max(1, this.scale / 2);
      this.goodSteps = 0;
      return false;
    }
    if (++this.goodSteps >= this.growthInterval) {
      this.scale *= 2;
      this.goodSteps = 0;
    }
    return true;
  }
}
