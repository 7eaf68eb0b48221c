import * as tf from "@tensorflow/tfjs-core";
import { overrideKernel } from "../override.js";
import type { NativeAddon } from "./addon.js";
import { nativeBatchMatMul } from "./batch-matmul.js";
import { nativeFusedMatMul } from "./fused-matmul.js";

/** The wasm backend's kernels that the native path replaces. */
export const NATIVE_KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;

/** Registers the native kernels over the wasm backend's (call after the backend's own registrations). */
export function registerNativeKernels(addon: NativeAddon): void {
  overrideKernel(tf.BatchMatMul, "wasm", nativeBatchMatMul(addon));
  overrideKernel(tf._FusedMatMul, "wasm", nativeFusedMatMul(addon));
}
