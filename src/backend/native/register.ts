import * as tf from "@tensorflow/tfjs-core";
import { overrideKernel } from "../override.js";
import type { NativeAddon } from "./addon.js";
import { nativeBatchMatMul } from "./batch-matmul.js";
import { nativeFusedMatMul } from "./fused-matmul.js";
import { registerNativeGelu } from "./gelu.js";
import { registerSharedIdentity } from "./identity.js";
import { registerNativeLayerNorm } from "./layernorm.js";
import { registerNativeSoftmax } from "./softmax.js";
import { registerContiguousUnpack } from "./unpack.js";

/** The wasm backend's kernels that the native path replaces. */
export const NATIVE_KERNELS = [tf.BatchMatMul, tf._FusedMatMul, tf.Identity, tf.Cast, tf.Unpack] as const;

/**
 * Registers the native kernels over the wasm backend's (call after the backend's own registrations),
 * and our own LayerNorm, GELU and softmax kernels beside them. Identity, Cast and Unpack are not
 * native code but copy less than tfjs-wasm's; they are here so that plain wasm stays tfjs's own.
 */
export function registerNativeKernels(addon: NativeAddon): void {
  overrideKernel(tf.BatchMatMul, "wasm", nativeBatchMatMul(addon));
  overrideKernel(tf._FusedMatMul, "wasm", nativeFusedMatMul(addon));
  registerSharedIdentity();
  registerContiguousUnpack();
  registerNativeLayerNorm(addon);
  registerNativeGelu(addon);
  registerNativeSoftmax(addon);
}
