import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { claimTableFromFolder, README_BEGIN, README_END, replaceBetweenMarkers } from "../../src/evaluate/claims-folder.js";
import { claimTableMarkdown } from "../../src/evaluate/claims.js";
import { ROOT } from "../helpers/package.js";

const results = join(ROOT, "results/full");

test("README's claim table is exactly what the committed results/full tables produce", async (t) => {
  if (!existsSync(join(results, "runs"))) {
    t.skip("results/full is not committed yet: run `quantscope demo --preset full --out results/full`, then `quantscope claims --from results/full --readme README.md`");
    return;
  }
  const md = claimTableMarkdown(await claimTableFromFolder(results));
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes(`${README_BEGIN}\n${md}\n${README_END}`), "README.md's table differs from the one computed from results/full; regenerate it with `quantscope claims --from results/full --readme README.md`");
});

test("the README table is written between its markers and nowhere else", () => {
  const text = `intro\n${README_BEGIN}\nold\n${README_END}\noutro`;
  assert.equal(replaceBetweenMarkers(text, "| new |"), `intro\n${README_BEGIN}\n| new |\n${README_END}\noutro`);
  assert.throws(() => replaceBetweenMarkers("no markers", "x"), /no claims-table markers/);
});
