/**
 * `loadPretrained(dir)`: a Hugging Face model folder (a `git clone` of a model repository, a
 * `save_pretrained` output, or a Hub cache entry `models--org--name`) as a {@link PretrainedModel}
 * and its tokenizer. Nothing is downloaded.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Checkpoint, resolveModelDir } from "./checkpoint.js";
import { RawConfig, type PretrainedConfig } from "./config.js";
import { defineFamily, WeightLoader, type Family } from "./family.js";
import { gptNeox } from "./families/gpt-neox.js";
import { gpt2 } from "./families/gpt2.js";
import { opt } from "./families/opt.js";
import { PretrainedModel } from "./model.js";
import { PretrainedTokenizer } from "./tokenizer.js";

/** The families `loadPretrained` knows. */
export const FAMILIES: readonly Family<PretrainedConfig>[] = [defineFamily(gpt2), defineFamily(gptNeox), defineFamily(opt)];

export interface LoadOptions {
  /** Also load `tokenizer.json` (default true); a checkpoint series needs only the weights. */
  readonly tokenizer?: boolean;
}

export interface Pretrained {
  readonly model: PretrainedModel;
  /** Null when loaded with `{ tokenizer: false }`. */
  readonly tokenizer: PretrainedTokenizer | null;
  /** The folder the files were read from (a snapshot, for a cache folder). */
  readonly dir: string;
  /** Checkpoint tensors that were not used (known mask/rotary buffers excepted). */
  readonly unusedTensors: readonly string[];
}

/** The family and config of a model folder, from its `config.json`; errors list the supported architectures. */
export function readPretrainedConfig(dir: string): { family: Family<PretrainedConfig>; config: PretrainedConfig } {
  const file = join(dir, "config.json");
  if (!existsSync(file)) throw new Error(`${dir}: no config.json`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: bad JSON: ${(err as Error).message}`);
  }
  const supported = FAMILIES.flatMap((f) => f.architectures).join(", ");
  const archs = raw["architectures"];
  let family: Family<PretrainedConfig> | undefined;
  let architecture: string;
  if (Array.isArray(archs) && archs.length > 0) {
    architecture = String(archs[0]);
    family = FAMILIES.find((f) => f.architectures.includes(architecture));
    if (!family) throw new Error(`${file}: architectures ${JSON.stringify(archs)} is not supported; supported: ${supported}`);
  } else {
    architecture = String(raw["model_type"]);
    family = FAMILIES.find((f) => f.modelTypes.includes(architecture));
    if (!family) throw new Error(`${file}: no 'architectures' and model_type ${JSON.stringify(raw["model_type"])} is not supported; supported architectures: ${supported}`);
  }
  return { family, config: family.readConfig(new RawConfig(file, raw), architecture) };
}

/**
 * Loads a model folder: `config.json` picks the family, `model.safetensors` (or its shards) gives the
 * weights, `tokenizer.json` the tokenizer. F32, F16 and BF16 weights become float32; the model holds
 * one float32 copy of them. Errors name the file and tensor at fault.
 */
export async function loadPretrained(dir: string, opts: LoadOptions = {}): Promise<Pretrained> {
  const root = resolveModelDir(dir);
  const { family, config } = readPretrainedConfig(root);
  const tokenizer = opts.tokenizer === false ? null : PretrainedTokenizer.fromDir(root);
  const ckpt = await Checkpoint.open(root);
  let loader: WeightLoader | undefined;
  try {
    loader = new WeightLoader(ckpt, WeightLoader.prefixFor(ckpt, family.probe, family.prefixes));
    await family.loadWeights(loader, config);
  } catch (err) {
    for (const v of loader?.params.values() ?? []) v.dispose();
    throw err;
  } finally {
    await ckpt.close();
  }
  return { model: new PretrainedModel(config, loader.params, family), tokenizer, dir: root, unusedTensors: loader.unused() };
}
