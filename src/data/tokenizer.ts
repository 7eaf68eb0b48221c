/**
 * Character-level tokenizer over a fixed alphabet: newline plus printable ASCII (96 symbols).
 * A fixed alphabet, rather than one built from the text, keeps token ids stable across corpora
 * so a checkpoint trained on one corpus can be evaluated on another.
 */
export class CharTokenizer {
  readonly alphabet: string;
  private readonly ids = new Map<string, number>();

  constructor(alphabet = "\n" + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("")) {
    this.alphabet = alphabet;
    for (const [i, ch] of Array.from(alphabet).entries()) {
      if (this.ids.has(ch)) throw new Error(`tokenizer alphabet repeats ${JSON.stringify(ch)}`);
      this.ids.set(ch, i);
    }
  }

  get vocabSize(): number {
    return this.ids.size;
  }

  /** Token ids of `text`; a character outside the alphabet is an error naming it and its position. */
  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const id = this.ids.get(text[i]!);
      if (id === undefined) throw new Error(`character ${JSON.stringify(text[i])} at offset ${i} is not in the tokenizer's alphabet`);
      out[i] = id;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const ch = this.alphabet[ids[i]!];
      if (ch === undefined) throw new Error(`token id ${ids[i]} is outside the vocabulary (size ${this.vocabSize})`);
      s += ch;
    }
    return s;
  }
}
