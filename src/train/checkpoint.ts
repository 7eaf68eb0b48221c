import * as tf from "@tensorflow/tfjs-core";
import { readFile } from "node:fs/promises";
import type { Dataset } from "../data/dataset.js";
import type { TransformerConfig } from "../model/config.js";
import { Transformer } from "../model/transformer.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { Recipe } from "./recipe.js";
import { Trainer } from "./trainer.js";

const MAGIC = "QSCKPT01";

interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  /** Offset in float32 elements into the data section. */
  readonly offset: number;
}

interface Header {
  readonly format: typeof MAGIC;
  readonly config: TransformerConfig;
  readonly recipe: Recipe;
  readonly step: number;
  readonly adamT: number;
  readonly status: string;
  readonly losses: number[];
  readonly samplerState: number;
  readonly dropoutState: number;
  readonly lossScale: { scale: number; goodSteps: number } | null;
  readonly tensors: TensorEntry[];
}

/**
 * Saves everything a run needs to continue exactly: parameters, AdamW moments and step count,
 * loss-scale state, and the positions of the batch and dropout generators. The file is an
 * 8-byte magic, a little-endian u32 header length, a JSON header, then raw float32 data; it is
 * written atomically, so a crash never leaves a half-written checkpoint in place of a good one.
 */
export async function saveCheckpoint(trainer: Trainer, path: string): Promise<void> {
  const groups: [string, Map<string, tf.Variable>][] = [
    ["param", trainer.model.params],
    ["adam.m", trainer.optimizer.m],
    ["adam.v", trainer.optimizer.v],
  ];
  const tensors: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [prefix, vars] of groups) {
    for (const [name, v] of vars) {
      tensors.push({ name: `${prefix}:${name}`, shape: v.shape, offset });
      chunks.push((await v.data()) as Float32Array);
      offset += v.size;
    }
  }
  const header: Header = {
    format: MAGIC,
    config: trainer.model.config,
    recipe: trainer.recipe,
    step: trainer.step,
    adamT: trainer.optimizer.t,
    status: trainer.status,
    losses: trainer.losses,
    samplerState: trainer.sampler.state,
    dropoutState: trainer.dropoutRng.state,
    lossScale: trainer.lossScale ? { scale: trainer.lossScale.scale, goodSteps: trainer.lossScale.goodSteps } : null,
    tensors,
  };
  const json = Buffer.from(JSON.stringify(header));
  // Pad so the float data starts 4-byte aligned and can be viewed without copying.
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(12 + json.length + pad, 0x20);
  prefix.write(MAGIC, 0, "ascii");
  prefix.writeUInt32LE(json.length + pad, 8);
  json.copy(prefix, 12);
  const data = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  await writeFileAtomic(path, Buffer.concat([prefix, data]));
}

/** Reads a checkpoint and rebuilds the model and a trainer positioned exactly where it was saved. */
export async function loadCheckpoint(path: string, data: Dataset): Promise<Trainer> {
  const buf = await readFile(path);
  if (buf.length < 12 || buf.toString("ascii", 0, 8) !== MAGIC) throw new Error(`${path} is not a quantscope checkpoint (bad magic)`);
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) throw new Error(`${path} is truncated: header runs past the end of the file`);
  let header: Header;
  try {
    header = JSON.parse(buf.toString("utf8", 12, 12 + headerLength)) as Header;
  } catch (err) {
    throw new Error(`${path} has a corrupt header: ${(err as Error).message}`);
  }
  const start = 12 + headerLength;
  const values = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  const model = Transformer.create(header.config, 0);
  const trainer = new Trainer(model, data, header.recipe);
  const targets: Record<string, Map<string, tf.Variable>> = { param: model.params, "adam.m": trainer.optimizer.m, "adam.v": trainer.optimizer.v };
  for (const t of header.tensors) {
    const [group, name] = [t.name.slice(0, t.name.indexOf(":")), t.name.slice(t.name.indexOf(":") + 1)];
    const v = targets[group]?.get(name);
    if (!v) throw new Error(`${path}: tensor '${t.name}' does not belong to this model`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset + size > values.length) throw new Error(`${path} is truncated: tensor '${t.name}' runs past the end of the file`);
    v.assign(tf.tensor(values.subarray(t.offset, t.offset + size), t.shape));
  }
  trainer.step = header.step;
  trainer.optimizer.t = header.adamT;
  trainer.losses.push(...header.losses);
  trainer.sampler.restore(header.samplerState);
  trainer.dropoutRng.restore(header.dropoutState);
  if (trainer.lossScale && header.lossScale) {
    trainer.lossScale.scale = header.lossScale.scale;
    trainer.lossScale.goodSteps = header.lossScale.goodSteps;
  }
  return trainer;
}

