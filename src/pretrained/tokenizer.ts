/**
 * A checkpoint's `tokenizer.json` through Hugging Face's own JS implementation
 * (`@huggingface/tokenizers`), which reads byte-level BPE with merges written either as `"a b"`
 * strings (older files) or `["a", "b"]` pairs (newer ones).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { evalBatches, type Batch } from "../data/batches.js";

export class PretrainedTokenizer {
  private constructor(private readonly tokenizer: Tokenizer, readonly file: string) {}

  /** Reads `tokenizer.json` (and `tokenizer_config.json` when present) from a model folder. */
  static fromDir(dir: string): PretrainedTokenizer {
    const file = join(dir, "tokenizer.json");
    if (!existsSync(file)) throw new Error(`${dir}: no tokenizer.json (a model folder needs it to turn text into token ids)`);
    const json = parseJson(file);
    const configFile = join(dir, "tokenizer_config.json");
    const config = existsSync(configFile) ? parseJson(configFile) : {};
    try {
      return new PretrainedTokenizer(new Tokenizer(json, config), file);
    } catch (err) {
      throw new Error(`${file}: cannot build the tokenizer: ${(err as Error).message}`);
    }
  }

  /** Vocabulary size including added tokens. */
  get vocabSize(): number {
    return this.tokenizer.get_vocab(true).size;
  }

  /** Token ids of `text`, without special tokens (text is scored as a stream of windows). */
  encode(text: string): Int32Array {
    return Int32Array.from(this.tokenizer.encode(text, { add_special_tokens: false }).ids);
  }

  decode(ids: ArrayLike<number>): string {
    // The library refuses an empty list; nothing decodes to the empty text.
    if (ids.length === 0) return "";
    return this.tokenizer.decode(Array.from(ids), { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** The token strings of `text` (e.g. `["Hello", "Ġworld"]`). */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text, { add_special_tokens: false });
  }
}

function parseJson(file: string): object {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as object;
  } catch (err) {
    throw new Error(`${file}: bad JSON: ${(err as Error).message}`);
  }
}

/**
 * Evaluation windows over a text for perplexity: `count` batches of `batch` windows of `context`
 * tokens, evenly spaced (see {@link evalBatches}), so every scheme is scored on the same tokens.
 */
export function textWindows(tokenizer: PretrainedTokenizer, text: string, opts: { context: number; batch: number; count: number }): Batch[] {
  return evalBatches(tokenizer.encode(text), opts.batch, opts.context, opts.count);
}
