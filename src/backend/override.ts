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

/** Kernels tfjs does not have that we registered, as `backend/kernel`, to take away again. */
const added = new Set<string>();

/**
 * Registers a kernel under a name of our own (one that an op in `src/ops/` runs when the backend has
 * it, see `runKernelOr`), on `backendName` until {@link restoreKernels}.
 */
export function addKernel(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  const key = `${backendName}/${kernelName}`;
  if (added.has(key)) tf.unregisterKernel(kernelName, backendName);
  else if (tf.getKernel(kernelName, backendName)) throw new Error(`a '${kernelName}' kernel is already registered for backend '${backendName}'`);
  tf.registerKernel({ kernelName, backendName, kernelFunc });
  added.add(key);
}

/** Puts back tfjs's own kernels for `backendName`, and takes away those {@link addKernel} added. */
export function restoreKernels(backendName: string): void {
  for (const key of added) {
    const [backend, kernelName] = key.split("/") as [string, string];
    if (backend !== backendName) continue;
    tf.unregisterKernel(kernelName, backendName);
    added.delete(key);
  }
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
