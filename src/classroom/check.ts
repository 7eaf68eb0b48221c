import { displaySymbol, escapeHtml, type MimeBundle } from "../display.js";

/** The outcome of one exercise check. */
export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  /** What was wrong and a hint, when it failed; what was confirmed, when it passed. */
  readonly message: string;
  [displaySymbol](): MimeBundle;
}

// By name: re-running a cell replaces that check's earlier outcome.
const results = new Map<string, CheckResult>();

function result(name: string, passed: boolean, message: string): CheckResult {
  const r: CheckResult = {
    name, passed, message,
    [displaySymbol]: () => ({
      "text/plain": `${passed ? "✓" : "✗"} ${name}: ${message}`,
      "text/html": `<div style="padding:4px 8px;border-left:4px solid ${passed ? "#2a2" : "#c22"}"><b>${passed ? "✓" : "✗"} ${escapeHtml(name)}</b> — ${escapeHtml(message)}</div>`,
    }),
  };
  results.set(name, r);
  return r;
}

/**
 * Checks a student's number against the expected one, within a relative tolerance, and explains a
 * miss with `hint`. Returns a displayable result rather than throwing, so a wrong answer teaches
 * instead of stopping the notebook.
 */
export function checkClose(name: string, actual: unknown, expected: number, hint: string, relTol = 1e-6): CheckResult {
  if (typeof actual !== "number" || Number.isNaN(actual)) return result(name, false, `expected a number, got ${actual === undefined ? "nothing yet (replace the TODO)" : String(actual)}. ${hint}`);
  const ok = Math.abs(actual - expected) <= relTol * Math.max(1, Math.abs(expected));
  return result(name, ok, ok ? `${actual} is right` : `${actual} is not ${expected}. ${hint}`);
}

/** Checks arrays element by element; a miss names the first wrong position. */
export function checkArray(name: string, actual: ArrayLike<number> | undefined, expected: ArrayLike<number>, hint: string, relTol = 1e-6): CheckResult {
  if (!actual || typeof actual.length !== "number") return result(name, false, `expected an array of ${expected.length} numbers, got nothing yet (replace the TODO). ${hint}`);
  if (actual.length !== expected.length) return result(name, false, `expected ${expected.length} values, got ${actual.length}. ${hint}`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= relTol * Math.max(1, Math.abs(expected[i]!)))) {
      return result(name, false, `position ${i} is ${actual[i]}, expected ${expected[i]}. ${hint}`);
    }
  }
  return result(name, true, `all ${expected.length} values are right`);
}

/** Checks a yes/no or multiple-choice answer. */
export function checkChoice<T>(name: string, actual: T | undefined, expected: T, why: string): CheckResult {
  if (actual === undefined) return result(name, false, `no answer yet (replace the TODO). ${why}`);
  return result(name, actual === expected, actual === expected ? `right: ${why}` : `not ${String(actual)}: ${why}`);
}

/** Every check run so far in this session, and how many passed. */
export function checkSummary(): { passed: number; total: number; failed: string[] } {
  const all = [...results.values()];
  const failed = all.filter((r) => !r.passed).map((r) => r.name);
  return { passed: all.length - failed.length, total: all.length, failed };
}
