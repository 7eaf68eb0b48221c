import { Rng } from "./rng.js";

/**
 * The synthetic task with a known answer: two-digit modular addition written as text,
 * `"07+35=42;"`, where the answer is `(a + b) mod 100`. A model's accuracy is the share of
 * problems whose two answer digits it predicts exactly (greedy, which for two digits equals
 * teacher-forced argmax on both).
 */
export const MODULUS = 100;

const two = (n: number) => String(n).padStart(2, "0");

/** One problem with its answer, as the text the model sees. */
export function arithmeticProblem(a: number, b: number): string {
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= MODULUS || b >= MODULUS) {
    throw new Error(`operands must be integers in [0, ${MODULUS}), got ${a} and ${b}`);
  }
  return `${two(a)}+${two(b)}=${two((a + b) % MODULUS)};`;
}

/** A line of a few problems, as mixed into the corpus. */
export function arithmeticLine(rng: Rng, problems = 6): string {
  return Array.from({ length: problems }, () => arithmeticProblem(rng.int(MODULUS), rng.int(MODULUS))).join(" ");
}

/** Position of the first answer digit within a problem string. */
export const ANSWER_OFFSET = 6;
export const ANSWER_LENGTH = 2;

/** `n` problems drawn from a seed, for evaluation. */
export function arithmeticSet(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => arithmeticProblem(rng.int(MODULUS), rng.int(MODULUS)));
}
