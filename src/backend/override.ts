import * as tf from "@tensorflow/tfjs-core";

/** The kernels tfjs registered before any override, to put back. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * Replaces the kernel registered for `kernelName` on `backendName` with `make(next)`, where `next` is
 * the kernel it replaces (tfjs's own, or an earlier override): the new kernel hands it the cases it does
 * not handle. tfjs looks kernels up on every op, so this changes every caller of the op, gradients
 * included, and nothing else.
 */
export function overrideKernel(kernelName: string, backendName: string, make: (next: tf.KernelFunc) => tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, backendName);
  if (!current) throw new Error(`no '${kernelName}' kernel is registered for backend '${backendName}' to override`);
  const key = `${backendName}/${kernelName}`;
  if (!originals.has(key)) originals.set(key, current);
  tf.unregisterKernel(kernelName, backendName);
  // setupFunc/disposeFunc stay tfjs's: its kernel, our fallback, needs them.
  tf.registerKernel({ ...current, kernelFunc: make(current.kernelFunc) });
}

/** Puts back tfjs's own kernels for `backendName`. */
export function restoreKernels(backendName: string): void {
  for (const [key, config] of originals) {
    if (config.backendName !== backendName) continue;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
    originals.delete(key);
  }
}

/** tfjs's own kernel for `kernelName` on `backendName`, whether or not it is overridden now. */
export function originalKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return originals.get(`${backendName}/${kernelName}`) ?? tf.getKernel(kernelName, backendName);
}
