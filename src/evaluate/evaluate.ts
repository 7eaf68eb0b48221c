import * as tf from "@tensorflow/tfjs-core";
import type { Batch } from "../data/batches.js";
import { ANSWER_LENGTH, ANSWER_OFFSET, arithmeticSet } from "../data/synthetic.js";
import type { CharTokenizer } from "../data/tokenizer.js";
import type { LinearImpl } from "../model/linear.js";
import type { LanguageModel } from "../model/language-model.js";

/** How well a model (float or quantized) does on held-out data. */
export interface Evaluation {
  /** Mean held-out cross-entropy, nats per token. */
  readonly loss: number;
  readonly perplexity: number;
  /** Share of held-out tokens whose argmax prediction is right. */
  readonly accuracy: number;
  /** Share of synthetic-task problems answered exactly, or null when no task set was given. */
  readonly taskAccuracy: number | null;
}

/** Fixed problems for the synthetic task, packed into model-sized windows. */
export interface TaskSet {
  readonly batch: Batch;
  /** For each problem: flat index of the position that predicts its first answer digit. */
  readonly answerPositions: Int32Array;
}

/**
 * Packs `problems` synthetic-task problems (`"07+35=42;"`, separated by spaces, as in the corpus)
 * into windows of the model's context; problems never straddle two windows.
 */
export function taskSet(tokenizer: CharTokenizer, context: number, problems = 256, seed = 77): TaskSet {
  const items = arithmeticSet(problems, seed);
  const width = items[0]!.length + 1;
  const perWindow = Math.floor((context + 1) / width);
  if (perWindow < 1) throw new Error(`context ${context} is too short for a synthetic-task problem`);
  const windows = Math.ceil(problems / perWindow);
  const x = new Int32Array(windows * context).fill(tokenizer.encode(" ")[0]!);
  const y = new Int32Array(windows * context).fill(tokenizer.encode(" ")[0]!);
  const positions: number[] = [];
  items.forEach((p, i) => {
    const w = Math.floor(i / perWindow), o = (i % perWindow) * width;
    const ids = tokenizer.encode(p + " ");
    for (let k = 0; k < ids.length; k++) {
      if (o + k < context) x[w * context + o + k] = ids[k]!;
      if (o + k - 1 >= 0 && o + k - 1 < context) y[w * context + o + k - 1] = ids[k]!;
    }
    positions.push(w * context + o + ANSWER_OFFSET - 1);
  });
  return { batch: { x, y, batch: windows, context }, answerPositions: Int32Array.from(positions) };
}

/**
 * Evaluates a model on fixed batches with an optional linear implementation (a quantization scheme),
 * so every scheme is scored on exactly the same tokens.
 */
export async function evaluate(model: LanguageModel, batches: readonly Batch[], opts: { linear?: LinearImpl; task?: TaskSet } = {}): Promise<Evaluation> {
  let nll = 0, correct = 0, tokens = 0;
  for (const batch of batches) {
    const [lossSum, right] = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(batch.x, [batch.batch, batch.context], "int32"), { linear: opts.linear });
      const y = tf.tensor1d(batch.y, "int32");
      const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(y, logits.shape[1])), -1);
      return [tf.neg(tf.sum(picked)), tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), "float32"))];
    });
    nll += (await lossSum.data())[0]!;
    correct += (await right.data())[0]!;
    lossSum.dispose();
    right.dispose();
    tokens += batch.y.length;
  }
  let taskAccuracy: number | null = null;
  if (opts.task) {
    const { batch, answerPositions } = opts.task;
    const predicted = tf.tidy(() => tf.argMax(model.forward(tf.tensor2d(batch.x, [batch.batch, batch.context], "int32"), { linear: opts.linear }), -1));
    const pred = (await predicted.data()) as Int32Array;
    predicted.dispose();
    let solved = 0;
    for (const p of answerPositions) {
      let ok = true;
      for (let k = 0; k < ANSWER_LENGTH; k++) if (pred[p + k] !== batch.y[p + k]) ok = false;
      if (ok) solved++;
    }
    taskAccuracy = solved / answerPositions.length;
  }
  const loss = nll / tokens;
  return { loss, perplexity: Math.exp(loss), accuracy: correct / tokens, taskAccuracy };
}

/**
 * Relative change of a metric under quantization, in percent, signed so that positive means worse:
 * `100·(q − f)/f` for loss and perplexity, `100·(f − q)/f` for accuracies (the paper's
 * `100·(acc_fp − acc_q)/acc_fp`).
 */
export function degradationPct(metric: keyof Evaluation, float: number, quantized: number): number {
  if (float === 0) return quantized === 0 ? 0 : Infinity;
  const higherIsWorse = metric === "loss" || metric === "perplexity";
  return (100 * (higherIsWorse ? quantized - float : float - quantized)) / Math.abs(float);
}
