import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapInterval, ranks, spearman, tCdf, tQuantile, welchInterval } from "../../src/evaluate/stats.js";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("t quantiles match published tables (97.5%) and the normal limit", () => {
  // Standard two-sided 95% critical values (any t table).
  for (const [df, t] of [[1, 12.7062], [2, 4.3027], [5, 2.5706], [10, 2.2281], [30, 2.0423], [1e7, 1.95996]] as const) close(tQuantile(0.975, df), t, 1e-4, `df ${df}`);
  close(tQuantile(0.025, 5), -2.5706, 1e-4, "lower tail");
  close(tCdf(0, 3), 0.5, 1e-12, "median");
});

test("t quantiles at fractional df match numerical integration of the t density", () => {
  // References: Simpson integration of the Student-t pdf in plain Python (independent of the
  // incomplete-beta continued fraction used here).
  close(tQuantile(0.975, 2.5), 3.57465, 2e-4, "df 2.5");
  close(tQuantile(0.975, 3.8), 2.83504, 2e-4, "df 3.8");
  close(tQuantile(0.975, 24.98852929), 2.05959, 2e-4, "df 24.99");
});

test("Welch interval: Welch–Satterthwaite df and the 95% interval of a textbook example", () => {
  // Wikipedia's Welch's t-test example 1; t = −2.455, df = 24.99 computed by hand in Python.
  const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
  const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
  const w = welchInterval(a, b);
  close(w.estimate, -2.1666667, 1e-6, "difference");
  close(w.se, 0.88242451, 1e-6, "standard error");
  close(w.df, 24.9885293, 1e-5, "df");
  close(w.lo, -3.98410, 5e-4, "lower");
  close(w.hi, -0.34924, 5e-4, "upper");
  assert.throws(() => welchInterval([1], [1, 2]), /at least 2 values per group/);
});

test("ranks average ties; Spearman is 1 for any monotone map and −1 reversed", () => {
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  const x = [0.3, 1.2, 5, 7, 9.5];
  close(spearman(x, x.map((v) => Math.exp(v))), 1, 1e-12, "monotone");
  close(spearman(x, x.map((v) => -v * v)), -1, 1e-12, "reversed");
  // Hand computation: ranks x = 1..5, y ranks [2,1,4,3,5]: Σd² = 4, ρ = 1 − 6·4/(5·24) = 0.8.
  close(spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]), 0.8, 1e-12, "hand");
  assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])), "constant input has no rank correlation");
});

test("bootstrap interval is seeded, covers the estimate, and narrows with more data", () => {
  const data = Array.from({ length: 40 }, (_, i) => Math.sin(i * 12.9898) * 10);
  const m = (idx: readonly number[]) => idx.reduce((s, i) => s + data[i]!, 0) / idx.length;
  const a = bootstrapInterval(data.length, m, { seed: 3 }), b = bootstrapInterval(data.length, m, { seed: 3 });
  assert.deepEqual(a, b);
  assert.ok(a.lo <= a.estimate && a.estimate <= a.hi);
  const small = bootstrapInterval(10, m, { seed: 3 });
  assert.ok(a.hi - a.lo < small.hi - small.lo);
});
