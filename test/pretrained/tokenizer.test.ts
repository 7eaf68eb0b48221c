import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { byteLevelTokenizerJson, byteToUnicode } from "../../src/pretrained/export.js";
import { PretrainedTokenizer } from "../../src/pretrained/tokenizer.js";

/** A small GPT-2-style byte-level BPE: all 256 bytes plus a few merges, in either merges form. */
function tokenizerDir(form: "pairs" | "strings"): string {
  const vocab: Record<string, number> = Object.fromEntries(byteToUnicode().map((c, i) => [c, i]));
  const merges: [string, string][] = [["h", "e"], ["Ġ", "t"], ["Ġt", "he"], ["i", "n"], ["in", "g"], ["Ġ", "c"], ["a", "t"], ["Ġc", "at"]];
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const dir = mkdtempSync(join(tmpdir(), "qs-tok-"));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(byteLevelTokenizerJson(vocab, merges, form)));
  return dir;
}

for (const form of ["pairs", "strings"] as const) {
  test(`byte-level BPE tokenizer.json with merges as ${form === "pairs" ? '["a", "b"] pairs' : '"a b" strings'} round-trips text`, () => {
    const tok = PretrainedTokenizer.fromDir(tokenizerDir(form));
    const texts = ["the cat is singing", "naïve café — 日本語 ✓\n\ttabs and  spaces", "", "ĠĊ literal"];
    for (const text of texts) assert.equal(tok.decode(tok.encode(text)), text);
    // Merges applied: " the" and " cat" are single tokens, "singing" uses "ing".
    assert.deepEqual(tok.tokenize("the cat singing"), ["t", "he", "Ġcat", "Ġ", "s", "ing", "ing"]);
    assert.equal(tok.encode(" the").length, 1);
    assert.equal(tok.vocabSize, 256 + 8);
  });
}

test("both merges forms give the same ids", () => {
  const text = "the cat is singing in the attic";
  assert.deepEqual(Array.from(PretrainedTokenizer.fromDir(tokenizerDir("pairs")).encode(text)), Array.from(PretrainedTokenizer.fromDir(tokenizerDir("strings")).encode(text)));
});

test("a folder without tokenizer.json is refused by name", () => {
  const dir = mkdtempSync(join(tmpdir(), "qs-tok-"));
  assert.throws(() => PretrainedTokenizer.fromDir(dir), /no tokenizer\.json/);
});
