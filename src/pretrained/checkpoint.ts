/**
 * A Hugging Face model folder on disk: a `git clone` of a model repository, a `save_pretrained`
 * output, or a Hub cache entry (`models--org--name`, whose files live under `snapshots/<revision>/`).
 * Its weights are one `model.safetensors` or shards listed in `model.safetensors.index.json`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SafetensorsFile, type TensorInfo } from "./safetensors.js";

/**
 * The folder holding `config.json`: `dir` itself, or for a Hub cache entry the snapshot that
 * `refs/main` names (or the only snapshot). Throws listing the snapshots when the choice is ambiguous.
 */
export function resolveModelDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such model folder`);
  if (existsSync(join(dir, "config.json"))) return dir;
  const snapshots = join(dir, "snapshots");
  if (existsSync(snapshots)) {
    const revs = readdirSync(snapshots).filter((r) => existsSync(join(snapshots, r, "config.json")));
    const ref = join(dir, "refs", "main");
    const main = existsSync(ref) ? readFileSync(ref, "utf8").trim() : undefined;
    if (main && revs.includes(main)) return join(snapshots, main);
    if (revs.length === 1) return join(snapshots, revs[0]!);
    if (revs.length === 0) throw new Error(`${dir}: Hugging Face cache folder has no snapshot with a config.json`);
    throw new Error(`${dir}: several snapshots (${revs.join(", ")}) and no refs/main naming one; pass ${join(snapshots, "<revision>")}`);
  }
  throw new Error(`${dir}: no config.json (expected a Hugging Face model folder or a cache folder models--org--name)`);
}

/** All tensors of a checkpoint folder, across shards, read one at a time as float32. */
export class Checkpoint {
  private constructor(
    readonly dir: string,
    private readonly files: readonly SafetensorsFile[],
    private readonly where: ReadonlyMap<string, SafetensorsFile>,
  ) {}

  /** Opens `model.safetensors`, or every shard named by `model.safetensors.index.json`. */
  static async open(dir: string): Promise<Checkpoint> {
    const index = join(dir, "model.safetensors.index.json");
    const single = join(dir, "model.safetensors");
    const where = new Map<string, SafetensorsFile>();
    const files: SafetensorsFile[] = [];
    try {
      if (existsSync(index)) {
        let weightMap: Record<string, string>;
        try {
          weightMap = (JSON.parse(readFileSync(index, "utf8")) as { weight_map: Record<string, string> }).weight_map;
          if (typeof weightMap !== "object" || weightMap === null) throw new Error("no weight_map object");
        } catch (err) {
          throw new Error(`${index}: bad index JSON: ${(err as Error).message}`);
        }
        const byShard = new Map<string, SafetensorsFile>();
        for (const [name, shard] of Object.entries(weightMap)) {
          let file = byShard.get(shard);
          if (!file) {
            file = await SafetensorsFile.open(join(dir, shard));
            byShard.set(shard, file);
            files.push(file);
          }
          if (!file.tensors.has(name)) throw new Error(`${index}: lists tensor '${name}' in ${shard}, which does not hold it`);
          where.set(name, file);
        }
      } else if (existsSync(single)) {
        const file = await SafetensorsFile.open(single);
        files.push(file);
        for (const name of file.tensors.keys()) where.set(name, file);
      } else {
        const bin = existsSync(join(dir, "pytorch_model.bin")) ? " (only pytorch_model.bin is there: convert it, or fetch the repository's safetensors revision)" : "";
        throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json${bin}`);
      }
    } catch (err) {
      await Promise.all(files.map((f) => f.close()));
      throw err;
    }
    return new Checkpoint(dir, files, where);
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  names(): string[] {
    return [...this.where.keys()];
  }

  info(name: string): TensorInfo | undefined {
    return this.where.get(name)?.tensors.get(name);
  }

  /** The tensor as float32, checked against `shape` when given; errors name the tensor and the file. */
  async read(name: string, shape?: readonly number[]): Promise<Float32Array> {
    const file = this.where.get(name);
    if (!file) throw new Error(`${this.dir}: checkpoint has no tensor '${name}'${shape ? ` (expected shape [${shape.join(", ")}])` : ""}`);
    const info = file.tensors.get(name)!;
    if (shape && (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i]))) {
      throw new Error(`${file.path}: tensor '${name}' has shape [${info.shape.join(", ")}], expected [${shape.join(", ")}]`);
    }
    return file.read(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}
