import { generateCorpus, splitCorpus, type CorpusOptions } from "./corpus.js";
import type { Dataset } from "./dataset.js";
import { CharTokenizer } from "./tokenizer.js";

const cache = new Map<string, Dataset>();

/** The built-in generated corpus, tokenized and split; cached per options since generation takes a moment. */
export function builtinDataset(opts: CorpusOptions & { heldOutFraction?: number } = {}): Dataset {
  const key = JSON.stringify(opts);
  let ds = cache.get(key);
  if (!ds) {
    const tokenizer = new CharTokenizer();
    const { train, heldOut } = splitCorpus(generateCorpus(opts), opts.heldOutFraction ?? 0.1);
    ds = { tokenizer, train: tokenizer.encode(train), heldOut: tokenizer.encode(heldOut) };
    cache.set(key, ds);
  }
  return ds;
}
