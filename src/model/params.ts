import * as tf from "@tensorflow/tfjs-core";

/** A model's trainable tensors by stable name, in creation order (which is also checkpoint order). */
export type Params = Map<string, tf.Variable>;

/** Kinds of parameter, which the optimizer treats differently (weight decay on or off). */
export type ParamKind = "matrix" | "bias" | "norm" | "embedding";

/** What kind of parameter a name denotes, from the naming convention of the models here. */
export function paramKind(name: string): ParamKind {
  if (name === "wte" || name === "wpe") return "embedding";
  if (/\.(g|b)$/.test(name) && /(^|\.)ln/.test(name)) return "norm";
  if (name.endsWith(".b")) return "bias";
  return "matrix";
}

/** Copies every parameter's values out, for checkpoints and comparisons. */
export async function readParams(params: Params): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of params) out.set(name, (await v.data()) as Float32Array);
  return out;
}

/** Overwrites parameters from values (shapes must match), e.g. when loading a checkpoint or a reference's weights. */
export function assignParams(params: Params, values: Map<string, Float32Array> | Record<string, ArrayLike<number>>): void {
  const get = (n: string) => (values instanceof Map ? values.get(n) : values[n]);
  for (const [name, v] of params) {
    const data = get(name);
    if (!data) throw new Error(`no values for parameter '${name}'`);
    if (data.length !== v.size) throw new Error(`parameter '${name}' has ${v.size} elements but ${data.length} values were given`);
    v.assign(tf.tensor(Float32Array.from(data), v.shape));
  }
}
