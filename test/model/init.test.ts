import { test } from "node:test";
import assert from "node:assert/strict";
import { CONFIGS } from "../../src/model/config.js";
import { MLP } from "../../src/model/mlp.js";
import { readParams } from "../../src/model/params.js";
import { Transformer } from "../../src/model/transformer.js";
import { testBackend } from "../helpers/backend.js";

test("initialisation is a function of the seed, seed 0 included", async () => {
  await testBackend();
  for (const seed of [0, 1]) {
    const [a, b] = [await readParams(Transformer.create(CONFIGS.micro, seed).params), await readParams(Transformer.create(CONFIGS.micro, seed).params)];
    for (const [name, v] of a) assert.deepEqual(b.get(name), v, `${name} with seed ${seed}`);
    const [m1, m2] = [await readParams(new MLP([4, 8, 2], seed).params), await readParams(new MLP([4, 8, 2], seed).params)];
    for (const [name, v] of m1) assert.deepEqual(m2.get(name), v, `MLP ${name} with seed ${seed}`);
  }
  const [s0, s1] = [await readParams(Transformer.create(CONFIGS.micro, 0).params), await readParams(Transformer.create(CONFIGS.micro, 1).params)];
  assert.notDeepEqual(s0.get("wte"), s1.get("wte"));
});
