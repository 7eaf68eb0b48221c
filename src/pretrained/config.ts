/**
 * `config.json` of a Hugging Face model, read into what our forward pass needs. Each family reads
 * its own keys (see `families/`); this module holds what they share: the common shape fields, the
 * activation names, and typed access to the raw JSON with errors that name the file and the key.
 */
import * as tf from "@tensorflow/tfjs-core";
import { gelu } from "../ops/gelu.js";
import { geluErf } from "../ops/gelu-erf.js";
import type { TransformerConfig } from "../model/config.js";

/** Activations by their Hugging Face `ACT2FN` names. */
export const ACTIVATIONS = {
  /** Exact (erf) GELU: Hugging Face's `gelu`. */
  gelu: geluErf,
  /** The tanh approximation, GPT-2's default. */
  gelu_new: gelu,
  gelu_pytorch_tanh: gelu,
  relu: <T extends tf.Tensor>(x: T): T => tf.relu(x),
} as const;
export type ActivationName = keyof typeof ACTIVATIONS;

/** What every family's config has beyond the {@link TransformerConfig} shape. */
export interface PretrainedConfig extends TransformerConfig {
  /** The family's name in `families/` (`gpt2`, `gpt-neox`, `opt`). */
  readonly family: string;
  /** The `architectures` entry (or `model_type`) the family was chosen by. */
  readonly architecture: string;
  readonly activation: ActivationName;
  readonly layerNormEps: number;
  /** The head reuses the token embedding (then the model holds it once, as `head.w`). */
  readonly tiedHead: boolean;
}

/** Typed reads of a raw config object; errors name the file and key. */
export class RawConfig {
  constructor(readonly file: string, readonly raw: Readonly<Record<string, unknown>>) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${this.file}: '${key}' must be a positive integer, got ${JSON.stringify(this.raw[key])}`);
    return v as number;
  }

  num(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${this.file}: '${key}' must be a finite number, got ${JSON.stringify(this.raw[key])}`);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== "boolean") throw new Error(`${this.file}: '${key}' must be true or false, got ${JSON.stringify(this.raw[key])}`);
    return v;
  }

  activation(key: string, fallback: ActivationName): ActivationName {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== "string" || !(v in ACTIVATIONS)) throw new Error(`${this.file}: activation '${key}' = ${JSON.stringify(v)} is not supported; supported: ${Object.keys(ACTIVATIONS).join(", ")}`);
    return v as ActivationName;
  }

  /** Refuses a key whose value would change the architecture in a way we do not implement. */
  refuse(key: string, unless: (v: unknown) => boolean, why: string): void {
    if (this.has(key) && !unless(this.raw[key])) throw new Error(`${this.file}: ${key} = ${JSON.stringify(this.raw[key])} is not supported: ${why}`);
  }
}
