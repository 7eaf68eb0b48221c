import type { CharTokenizer } from "./tokenizer.js";

/** A tokenized corpus with its training and held-out parts. */
export interface Dataset {
  readonly tokenizer: CharTokenizer;
  readonly train: Int32Array;
  readonly heldOut: Int32Array;
}
