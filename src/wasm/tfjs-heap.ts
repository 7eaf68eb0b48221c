import * as tf from "@tensorflow/tfjs-core";

/**
 * The memory of the tfjs wasm backend, so that our own WebAssembly kernels can import it and work on
 * tensor data where it lies instead of copying it out (`dataSync`) and into their own memory. On a
 * 64 MiB tensor those two copies cost more than the kernel itself.
 *
 * This reaches into the backend's internals (the Emscripten module's `asm.memory`, `_malloc`/`_free`,
 * and the backend's `dataIdMap`), present in tfjs-backend-wasm 4.x. Each is checked, and callers fall
 * back to copying when any is missing, so a future tfjs changes speed, never results.
 */
export interface TfjsHeap {
  /** The backend's memory. It grows when tfjs allocates: take fresh views of `memory.buffer` after any tfjs call. */
  readonly memory: WebAssembly.Memory;
  /** Allocates `bytes` in the backend's heap (its own allocator, so tfjs never hands the block out). */
  malloc(bytes: number): number;
  free(ptr: number): void;
  /** Byte offset of a float32 tensor's data in `memory`, or null if the tensor is not held by this backend. */
  offsetOf(t: tf.Tensor | tf.TensorInfo): number | null;
  /** A new float32 tensor of `shape`, allocated but not initialised: the caller writes all of it at `ptr` before anyone reads it. */
  newTensor(shape: number[]): { tensor: tf.Tensor; ptr: number };
  /** As {@link newTensor}, for a kernel: the backend's output record, which the engine wraps as a tensor when the kernel returns it. */
  newOutput(shape: number[]): { info: tf.TensorInfo; ptr: number };
}

interface WasmBackendInternals {
  makeOutput?: (shape: number[], dtype: "float32") => tf.TensorInfo;
  wasm?: { asm?: { memory?: unknown }; _malloc?: (n: number) => number; _free?: (p: number) => void };
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
}

/** The active backend's heap when it is tfjs's wasm backend, else null. */
export function tfjsHeap(): TfjsHeap | null {
  if (tf.getBackend() !== "wasm") return null;
  const be = tf.backend() as unknown as WasmBackendInternals;
  const memory = be.wasm?.asm?.memory;
  const malloc = be.wasm?._malloc, free = be.wasm?._free, map = be.dataIdMap;
  if (!(memory instanceof WebAssembly.Memory) || typeof malloc !== "function" || typeof free !== "function" || typeof map?.get !== "function" || typeof be.makeOutput !== "function") return null;
  const offsetOf = (t: tf.Tensor | tf.TensorInfo): number | null => {
    if (t.dtype !== "float32" || (t instanceof tf.Tensor && t.isDisposed)) return null;
    const off = map.get(t.dataId)?.memoryOffset;
    return typeof off === "number" && off > 0 && off + tf.util.sizeFromShape(t.shape) * 4 <= memory.buffer.byteLength ? off : null;
  };
  const newOutput = (shape: number[]): { info: tf.TensorInfo; ptr: number } => {
    // What the backend's own kernels do: allocate an output in the heap.
    const info = be.makeOutput!(shape, "float32");
    const ptr = offsetOf(info);
    if (ptr === null) throw new Error("tfjs wasm heap: a new tensor has no memory offset");
    return { info, ptr };
  };
  return {
    memory,
    malloc: (bytes) => {
      const p = malloc(bytes);
      if (!p) throw new Error(`tfjs wasm heap: could not allocate ${bytes} bytes`);
      return p;
    },
    free: (p) => free(p),
    offsetOf,
    newTensor: (shape) => {
      const { info, ptr } = newOutput(shape);
      return { tensor: tf.engine().makeTensorFromTensorInfo(info), ptr };
    },
    newOutput,
  };
}
