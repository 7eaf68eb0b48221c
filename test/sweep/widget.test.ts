import { after, test } from "node:test";
import assert from "node:assert/strict";
import { Queue } from "bullmq";
import { commManager, type CommTransport } from "../../src/jupyter/comm.js";
import { sweepCells } from "../../src/sweep/cells.js";
import { submitSweep } from "../../src/sweep/queue.js";
import { watchSweep } from "../../src/sweep/widget.js";
import { redisMissing, LocalRedis } from "../../src/sweep/local-redis.js";
import { tinySpec } from "../helpers/sweep.js";
import { until } from "../helpers/wait.js";

const missing = redisMissing();
if (missing && process.env.CI) throw new Error(`CI must have redis-server: ${missing}`);
let redis: LocalRedis | undefined;
after(async () => {
  commManager.transport = null;
  await redis?.dispose();
});

test("the notebook view shows the queue's counts and updates that one output in place on queue events", { skip: missing ?? false }, async () => {
  redis = await LocalRedis.start();
  const outputs: { kind: "display" | "update"; id: unknown; text: string; html: string }[] = [];
  const t: CommTransport = {
    send: () => undefined,
    display: (data, _m, transient) => outputs.push({ kind: "display", id: transient?.display_id, text: String(data["text/plain"]), html: String(data["text/html"]) }),
    updateDisplay: (data, _m, transient) => outputs.push({ kind: "update", id: transient.display_id, text: String(data["text/plain"]), html: String(data["text/html"]) }),
  };
  commManager.transport = t;
  const stop = await watchSweep({ redis: redis.url, queue: "widget" });
  const last = () => outputs.at(-1)?.text ?? "(nothing shown)";
  await until(() => outputs.length > 0, 20_000, () => "no initial display");
  assert.match(outputs[0]!.text, /queued 0 {2}running 0 {2}done 0 {2}failed 0/);

  const spec = tinySpec([0]);
  await submitSweep({ kind: "sweep", spec }, { redis: redis.url, queue: "widget" });
  await until(() => /queued 2 /.test(last()), 20_000, () => `the view never showed 2 queued cells; last: ${last()}`);
  const queue = new Queue("widget", { connection: { url: redis.url } });
  await queue.remove(sweepCells(spec)[0]!.id);
  await until(() => /queued 1 /.test(last()), 20_000, () => `the view did not follow the removal; last: ${last()}`);
  await queue.close();
  await stop();

  assert.equal(outputs.filter((o) => o.kind === "display").length, 1, "one output, then updates of it");
  assert.ok(outputs.slice(1).every((o) => o.kind === "update" && o.id === outputs[0]!.id));
  assert.match(outputs.at(-1)!.html, /<th>queued<\/th>.*<td>1<\/td>/s);
});
