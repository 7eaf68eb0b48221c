import type { MetricRow, QuantRow, RunRow, SweepResult } from "../evaluate/sweep.js";
import type { TransformerConfig } from "../model/config.js";
import type { Recipe } from "../train/recipe.js";
import type { TraceRow } from "../track/measure.js";
import type { ResultsStore } from "./results.js";

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

async function rows(store: ResultsStore, name: "runs" | "metrics" | "traces" | "quant"): Promise<Row[]> {
  return (await store.read(name)).toArray().map((r) => (r as { toJSON(): Row }).toJSON());
}

/**
 * Reads a results folder back into a sweep's rows. A run counts only once its `runs` row is
 * written (the store writes it last, so it marks a complete run): rows of other tables whose run
 * has no `runs` row (a run interrupted mid-append) are left out.
 */
export async function readSweep(store: ResultsStore): Promise<SweepResult> {
  const runs: RunRow[] = (await rows(store, "runs")).map((r) => {
    const c = (r.config as { toJSON(): Row }).toJSON(), p = (r.recipe as { toJSON(): Row }).toJSON();
    const config: TransformerConfig = { vocabSize: num(c.vocab_size), dModel: num(c.d_model), nLayers: num(c.n_layers), nHeads: num(c.n_heads), dMlp: num(c.d_mlp), context: num(c.context) };
    const recipe: Recipe = {
      steps: num(p.steps), batchSize: num(p.batch_size), lr: num(p.lr), warmupSteps: num(p.warmup_steps), decay: p.decay as Recipe["decay"],
      minLrFraction: num(p.min_lr_fraction), weightDecay: num(p.weight_decay), decoupled: Boolean(p.decoupled), decayNorms: Boolean(p.decay_norms),
      decayEmbeddings: Boolean(p.decay_embeddings), beta1: num(p.beta1), beta2: num(p.beta2), eps: num(p.eps),
      dropout: { embedding: num(p.dropout_embedding), attention: num(p.dropout_attention), residual: num(p.dropout_residual) },
      clipNorm: numOrNull(p.clip_norm), precision: p.precision as Recipe["precision"], seed: num(p.seed),
    };
    return {
      run: String(r.run), recipeLabel: String(r.recipe_label), seed: num(r.seed), config, recipe, status: r.status as RunRow["status"], steps: num(r.steps),
      divergedAt: numOrNull(r.diverged_at), startedAt: new Date(num(r.started_at)), finishedAt: new Date(num(r.finished_at)),
    };
  });
  const done = new Set(runs.map((r) => r.run));
  const metrics: MetricRow[] = (await rows(store, "metrics")).filter((r) => done.has(String(r.run))).map((r) => ({
    run: String(r.run), step: num(r.step), loss: num(r.loss), lr: num(r.lr), gradNorm: num(r.grad_norm), tokensPerSec: num(r.tokens_per_s),
  }));
  const traces: TraceRow[] = (await rows(store, "traces")).filter((r) => done.has(String(r.run))).map((r) => ({
    run: String(r.run), step: num(r.step), layer: num(r.layer), site: String(r.site), metric: String(r.metric), value: num(r.value),
  }));
  const quant: QuantRow[] = (await rows(store, "quant")).filter((r) => done.has(String(r.run))).map((r) => ({
    run: String(r.run), recipeLabel: String(r.recipe_label), scheme: String(r.scheme), weightBits: numOrNull(r.weight_bits), activationBits: numOrNull(r.activation_bits),
    granularity: String(r.granularity), metric: String(r.metric), layer: numOrNull(r.layer), site: strOrNull(r.site), value: num(r.value),
    floatValue: numOrNull(r.float_value), degradationPct: numOrNull(r.degradation_pct),
  }));
  return { runs, metrics, traces, quant };
}
