/**
 * Registers every built-in scheme (as tfjs-backend-wasm's `register_all_kernels.ts` does kernels) and
 * derives the `Scheme` value type from the same list. Adding a scheme: its file in this folder, and one
 * entry below (with its import).
 */
import { awq } from "./awq.js";
import { fp32 } from "./fp32.js";
import { fp4 } from "./fp4.js";
import { fp8 } from "./fp8.js";
import { gptq } from "./gptq.js";
import { llmInt8 } from "./llm-int8.js";
import { registerScheme, type ConfigOf } from "./registry.js";
import { smoothquant } from "./smoothquant.js";
import { w4Group } from "./w4-group.js";
import { w4 } from "./w4.js";
import { w8a8Tensor } from "./w8a8-tensor.js";
import { w8a8Vector } from "./w8a8-vector.js";
import { w8 } from "./w8.js";

/** The built-in scheme definitions, in registration order. */
export const BUILTIN_SCHEMES = [fp32, w8, w4, w4Group, w8a8Tensor, w8a8Vector, llmInt8, smoothquant, fp8, gptq, awq, fp4] as const;

for (const def of BUILTIN_SCHEMES) registerScheme(def);

/** A scheme value: one of the registered schemes' configurations, discriminated by `name`. */
export type Scheme = ConfigOf<(typeof BUILTIN_SCHEMES)[number]>;
