import * as tf from "@tensorflow/tfjs-core";

/** How often tensor values were read back since the spy was installed. */
export interface ReadCounts {
  /** `dataSync`/`arraySync` calls: blocking reads asked for through the engine (quantscope's code or tfjs ops). */
  dataSync: number;
  /**
   * Every blocking read the backend served, the `dataSync` ones and those its own kernels make (the
   * wasm slice kernel reads its memory; WebGPU's forwarding of small ops to the CPU reads the GPU).
   * On a GPU each one waits for every queued kernel to finish.
   */
  backendSync: number;
  /** Asynchronous reads (`data()`); one per training step is the design (loss and gradient norm). */
  async: number;
}

type Methods<K extends string> = Record<K, (...args: unknown[]) => unknown>;

/** Replaces `obj[key]` by `wrap(original)` and returns how to put the original back. */
function patch<K extends string>(obj: Methods<K>, key: K, wrap: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown): () => void {
  const original = obj[key];
  const own = Object.hasOwn(obj, key);
  obj[key] = wrap(original);
  return () => {
    // Back to the prototype's method where the spy shadowed it, so nothing of the spy stays behind.
    if (own) obj[key] = original;
    else delete (obj as Partial<Methods<K>>)[key];
  };
}

/**
 * Counts reads of tensor values on the current backend until `restore()` is called. A `readSync`
 * made from inside `read` (the wasm backend implements `read` with it) counts as the asynchronous
 * read it serves.
 */
export function spyOnReads(): { counts: ReadCounts; restore(): void } {
  const engine = tf.engine() as unknown as Methods<"readSync">;
  const backend = tf.engine().backend as unknown as Methods<"read" | "readSync">;
  const counts: ReadCounts = { dataSync: 0, backendSync: 0, async: 0 };
  let insideRead = 0;
  const restores = [
    patch(engine, "readSync", (original) => function (this: unknown, ...args) {
      counts.dataSync++;
      return original.apply(this, args);
    }),
    patch(backend, "readSync", (original) => function (this: unknown, ...args) {
      if (insideRead === 0) counts.backendSync++;
      return original.apply(this, args);
    }),
    patch(backend, "read", (original) => function (this: unknown, ...args) {
      counts.async++;
      insideRead++;
      try {
        return original.apply(this, args);
      } finally {
        insideRead--;
      }
    }),
  ];
  return { counts, restore: () => restores.reverse().forEach((r) => r()) };
}

/** Backends whose tensors live on a GPU, where a blocking read stalls the device. */
export const GPU_BACKENDS: readonly string[] = ["webgpu", "tensorflow-gpu"];
