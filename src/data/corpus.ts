import { Rng } from "./rng.js";
import { arithmeticLine } from "./synthetic.js";

/**
 * A generated English-like corpus. Nothing may be downloaded at run time, so the text comes
 * from a small seeded grammar: paragraphs keep a topic (a name and a place) across sentences,
 * verbs agree with their subjects, and clauses nest, which gives a character model both short-
 * and long-range structure to learn. Every `arithmeticEvery`-th line is a modular-addition fact
 * from the synthetic task, so one model can be scored on both.
 */
const NAMES = ["Ada", "Boris", "Chen", "Dara", "Emil", "Farah", "Gus", "Hana", "Ivo", "Juno", "Kofi", "Lena", "Mira", "Nils", "Omar", "Pia"];
const PLACES = ["the harbour", "the old mill", "the market", "the library", "the orchard", "the station", "the river", "the hill", "the school", "the bakery"];
const NOUNS = ["lamp", "letter", "boat", "garden", "clock", "bridge", "horse", "window", "song", "map", "kettle", "basket", "road", "candle", "story", "winter"];
const ADJECTIVES = ["quiet", "old", "bright", "small", "heavy", "green", "strange", "warm", "narrow", "patient", "early", "broken"];
const VERBS_3S = ["finds", "carries", "mends", "watches", "paints", "follows", "opens", "remembers", "counts", "sells"];
const VERBS_PL = ["find", "carry", "mend", "watch", "paint", "follow", "open", "remember", "count", "sell"];
const VERBS_PAST = ["found", "carried", "mended", "watched", "painted", "followed", "opened", "remembered", "counted", "sold"];
const ADVERBS = ["slowly", "again", "at dawn", "before supper", "in the rain", "without a word", "every morning", "once more"];
const CONNECTIVES = ["because", "although", "while", "until", "after"];

function nounPhrase(rng: Rng, plural = false): string {
  const adj = rng.next() < 0.5 ? rng.pick(ADJECTIVES) + " " : "";
  const noun = rng.pick(NOUNS);
  return `${plural ? "the" : rng.pick(["the", "a"])} ${adj}${plural ? noun + "s" : noun}`;
}

function clause(rng: Rng, name: string, place: string): string {
  const form = rng.int(4);
  if (form === 0) return `${name} ${rng.pick(VERBS_3S)} ${nounPhrase(rng)} ${rng.pick(ADVERBS)}`;
  if (form === 1) return `the children ${rng.pick(VERBS_PL)} ${nounPhrase(rng, true)} near ${place}`;
  if (form === 2) return `${name} ${rng.pick(VERBS_PAST)} ${nounPhrase(rng)} at ${place}`;
  const i = rng.int(VERBS_3S.length);
  return `${nounPhrase(rng)} that ${name} ${VERBS_PAST[i]} ${rng.pick(ADVERBS)}`;
}

function sentence(rng: Rng, name: string, place: string): string {
  let s = clause(rng, name, place);
  if (rng.next() < 0.35) s += `, ${rng.pick(CONNECTIVES)} ${clause(rng, name, place)}`;
  s = s[0]!.toUpperCase() + s.slice(1);
  return s + (rng.next() < 0.1 ? "?" : ".");
}

export interface CorpusOptions {
  /** Approximate length in characters. */
  readonly chars?: number;
  readonly seed?: number;
  /** One line in this many is a synthetic-task line; 0 disables them. */
  readonly arithmeticEvery?: number;
}

/** Generates the corpus text deterministically from its options. */
export function generateCorpus({ chars = 600_000, seed = 1234, arithmeticEvery = 4 }: CorpusOptions = {}): string {
  if (chars <= 0) throw new Error(`corpus length must be positive, got ${chars}`);
  const rng = new Rng(seed);
  const lines: string[] = [];
  let length = 0;
  while (length < chars) {
    const line =
      arithmeticEvery > 0 && lines.length % arithmeticEvery === arithmeticEvery - 1
        ? arithmeticLine(rng)
        : paragraph(rng);
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n") + "\n";
}

function paragraph(rng: Rng): string {
  const name = rng.pick(NAMES);
  const place = rng.pick(PLACES);
  const n = 2 + rng.int(3);
  return Array.from({ length: n }, () => sentence(rng, name, place)).join(" ");
}

/** A corpus split into training and held-out text at a line boundary. */
export interface CorpusSplit {
  readonly train: string;
  readonly heldOut: string;
}

/** Splits off the last `heldOutFraction` of the text (at a line boundary) as the held-out set. */
export function splitCorpus(text: string, heldOutFraction = 0.1): CorpusSplit {
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new Error(`heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
  let cut = Math.floor(text.length * (1 - heldOutFraction));
  const nl = text.indexOf("\n", cut);
  if (nl >= 0) cut = nl + 1;
  return { train: text.slice(0, cut), heldOut: text.slice(cut) };
}
