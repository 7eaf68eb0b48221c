import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchSampler, evalBatches } from "../../src/data/batches.js";
import { generateCorpus, splitCorpus } from "../../src/data/corpus.js";
import { arithmeticProblem, arithmeticSet } from "../../src/data/synthetic.js";
import { CharTokenizer } from "../../src/data/tokenizer.js";

test("the tokenizer round-trips text and names characters it cannot encode", () => {
  const tok = new CharTokenizer();
  assert.equal(tok.vocabSize, 96);
  const text = "Ada mends the lamp.\n07+35=42;";
  assert.equal(tok.decode(tok.encode(text)), text);
  assert.throws(() => tok.encode("naïve"), /"ï" at offset 2/);
});

test("the corpus is deterministic, under 2 MB, fully encodable, and split at a line", () => {
  const a = generateCorpus({ seed: 9, chars: 50_000 });
  assert.equal(a, generateCorpus({ seed: 9, chars: 50_000 }));
  assert.notEqual(a, generateCorpus({ seed: 10, chars: 50_000 }));
  assert.ok(generateCorpus().length < 2_000_000);
  new CharTokenizer().encode(a);
  const { train, heldOut } = splitCorpus(a, 0.1);
  assert.equal(train + heldOut, a);
  assert.ok(train.endsWith("\n"));
  assert.ok(Math.abs(heldOut.length / a.length - 0.1) < 0.01);
  assert.match(a, /\d\d\+\d\d=\d\d;/);
});

test("synthetic problems carry the right answer", () => {
  assert.equal(arithmeticProblem(7, 35), "07+35=42;");
  assert.equal(arithmeticProblem(99, 2), "99+02=01;");
  for (const p of arithmeticSet(50, 3)) {
    const [a, b, c] = [p.slice(0, 2), p.slice(3, 5), p.slice(6, 8)].map(Number);
    assert.equal((a! + b!) % 100, c);
  }
  assert.throws(() => arithmeticProblem(100, 1), /operands must be integers in \[0, 100\)/);
});

test("batches are seeded, targets are inputs shifted by one, eval batches are fixed", () => {
  const tokens = Int32Array.from({ length: 1000 }, (_, i) => i % 96);
  const a = new BatchSampler(tokens, 4, 16, 1), b = new BatchSampler(tokens, 4, 16, 1);
  const [ba, bb] = [a.next(), b.next()];
  assert.deepEqual(ba, bb);
  for (let i = 0; i < 15; i++) assert.equal(ba.y[i], ba.x[i + 1]);
  assert.deepEqual(evalBatches(tokens, 2, 16, 3), evalBatches(tokens, 2, 16, 3));
  assert.throws(() => new BatchSampler(tokens.subarray(0, 10), 1, 16, 0), /too short for context length 16/);
});
