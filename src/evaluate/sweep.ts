import { evalBatches } from "../data/batches.js";
import type { Dataset } from "../data/dataset.js";
import { builtinDataset } from "../data/builtin.js";
import type { TransformerConfig } from "../model/config.js";
import type { LanguageModel } from "../model/language-model.js";
import { Transformer } from "../model/transformer.js";
import { calibrate } from "../quantize/calibrate.js";
import { schemeLinear } from "../quantize/linear.js";
import { activationFormat, calibrateOptionsFor, label, needsCalibration, schemeId, weightFormat, type Scheme } from "../quantize/schemes.js";
import { SqnrRecorder } from "../quantize/sqnr.js";
import type { MetricRow, QuantRow, RunRow, TraceRow } from "../tables/index.js";
import { OutlierTracker } from "../track/tracker.js";
import type { Recipe } from "../train/recipe.js";
import { Trainer, type StepHook, type StepInfo } from "../train/trainer.js";
import { degradationPct, evaluate, taskSet, type Evaluation } from "./evaluate.js";

/** A grid of training runs and the schemes each trained model is quantized with. */
export interface SweepSpec {
  readonly model: TransformerConfig;
  /** Recipes by label; each is trained once per seed. */
  readonly recipes: Readonly<Record<string, Partial<Recipe>>>;
  readonly seeds: readonly number[];
  readonly schemes: readonly Scheme[];
  /** Measure outliers every this many steps during training. */
  readonly trackEvery: number;
  /** Fixed held-out evaluation: `batches` windows of `batchSize`, and `taskProblems` synthetic problems. */
  readonly evaluation: { readonly batches: number; readonly batchSize: number; readonly taskProblems: number };
  /** Calibration batches for static schemes (from the training split, never the evaluation windows). */
  readonly calibrationBatches: number;
}

export interface SweepResult {
  readonly runs: RunRow[];
  readonly metrics: MetricRow[];
  readonly traces: TraceRow[];
  readonly quant: QuantRow[];
}

export interface SweepHooks {
  readonly onStep?: (run: string, info: StepInfo) => void | Promise<void>;
  readonly onTrace?: (rows: TraceRow[]) => void | Promise<void>;
  /** After each run is trained and evaluated, with just that run's rows (e.g. to append them to a store). */
  readonly onRun?: (rows: SweepResult) => void | Promise<void>;
  readonly signal?: AbortSignal;
  /** Runs (by id, `recipe/seedN`) to leave out, e.g. those a results store already holds when resuming. */
  readonly skipRun?: (run: string) => boolean;
  /** More measurements during training (e.g. quantization at checkpoints); their rows join the run's `traces`. */
  readonly stepHooks?: (run: string) => readonly (StepHook & { readonly rows: readonly TraceRow[] })[];
}

const EVAL_METRICS = ["loss", "perplexity", "accuracy", "taskAccuracy"] as const;

function granularityOf(s: Scheme): string {
  const w = weightFormat(s);
  const a = activationFormat(s);
  return [w ? `w:${w.granularity}${w.groupSize ? w.groupSize : ""}` : null, a ? "a:quantized" : null].filter(Boolean).join(" ") || "float";
}

/** The `run` id of a recipe × seed in the results tables. */
export function runName(recipeLabel: string, seed: number): string {
  return `${recipeLabel}/seed${seed}`;
}

/** What every cell of a sweep evaluates on: the same held-out windows, task set and calibration batches. */
export interface SweepInputs {
  readonly data: Dataset;
  readonly windows: Parameters<typeof evaluate>[1];
  readonly calibration: Parameters<typeof evaluate>[1];
  readonly task?: ReturnType<typeof taskSet>;
}

/** The evaluation inputs a sweep's cells share, drawn deterministically from `data`. */
export function sweepInputs(spec: SweepSpec, data: Dataset = builtinDataset()): SweepInputs {
  return {
    data,
    windows: evalBatches(data.heldOut, spec.evaluation.batchSize, spec.model.context, spec.evaluation.batches),
    task: spec.evaluation.taskProblems > 0 ? taskSet(data.tokenizer, spec.model.context, spec.evaluation.taskProblems) : undefined,
    calibration: evalBatches(data.train, spec.evaluation.batchSize, spec.model.context, spec.calibrationBatches),
  };
}

/**
 * Trains one recipe × seed of a sweep (one cell), tracking outliers while training, then evaluates
 * the model in float and under every scheme. The one code path for a sweep's runs, whether
 * {@link runSweep} loops over them or a queue worker runs a single one.
 */
export async function runSweepCell(spec: SweepSpec, recipeLabel: string, seed: number, inputs: SweepInputs, hooks: SweepHooks = {}): Promise<SweepResult> {
  const recipe = spec.recipes[recipeLabel];
  if (!recipe) throw new Error(`unknown recipe '${recipeLabel}' (the sweep has ${Object.keys(spec.recipes).join(", ")})`);
  const run = runName(recipeLabel, seed);
  const startedAt = new Date();
  const model = Transformer.create(spec.model, seed);
  try {
    const trainer = new Trainer(model, inputs.data, { ...recipe, seed });
    try {
      const mine: SweepResult = { runs: [], metrics: [], traces: [], quant: [] };
      const tracker = new OutlierTracker(run, { every: spec.trackEvery, onRows: hooks.onTrace });
      await tracker.measureNow(trainer);
      const extra = hooks.stepHooks?.(run) ?? [];
      const result = await trainer.run({
        hooks: [tracker, ...extra],
        signal: hooks.signal,
        onStep: async (info) => {
          mine.metrics.push({ run, step: info.step, loss: info.loss, lr: info.lr, gradNorm: info.gradNorm, tokensPerSec: info.tokensPerSec });
          await hooks.onStep?.(run, info);
        },
      });
      if (result.steps % spec.trackEvery !== 0 && result.status !== "diverged") await tracker.run(trainer, result.steps);
      mine.traces.push(...tracker.rows, ...extra.flatMap((h) => h.rows));
      mine.runs.push({ run, recipeLabel, seed, config: spec.model, recipe: trainer.recipe, status: result.status, steps: result.steps, divergedAt: result.divergedAt, startedAt, finishedAt: new Date() });
      if (result.status !== "diverged") mine.quant.push(...(await quantizeAndEvaluate(model, run, recipeLabel, spec.schemes, inputs.windows, inputs.calibration, inputs.task)));
      return mine;
    } finally {
      trainer.dispose();
    }
  } finally {
    model.dispose();
  }
}

/**
 * Trains every recipe × seed, tracks outliers while training, then evaluates each model in float
 * and under every scheme on the same held-out windows, with per-layer SQNR. Rows come back in the
 * long formats of the results store's tables.
 */
export async function runSweep(spec: SweepSpec, hooks: SweepHooks = {}, data: Dataset = builtinDataset()): Promise<SweepResult> {
  const all: SweepResult = { runs: [], metrics: [], traces: [], quant: [] };
  const inputs = sweepInputs(spec, data);
  for (const recipeLabel of Object.keys(spec.recipes)) {
    for (const seed of spec.seeds) {
      if (hooks.signal?.aborted) return all;
      if (hooks.skipRun?.(runName(recipeLabel, seed))) continue;
      const mine = await runSweepCell(spec, recipeLabel, seed, inputs, hooks);
      for (const key of ["runs", "metrics", "traces", "quant"] as const) (all[key] as unknown[]).push(...mine[key]);
      await hooks.onRun?.(mine);
    }
  }
  return all;
}

/** Float evaluation, then each scheme's evaluation, degradation and per-layer SQNR for one model. */
export async function quantizeAndEvaluate(
  model: LanguageModel,
  run: string,
  recipeLabel: string,
  schemes: readonly Scheme[],
  windows: Parameters<typeof evaluate>[1],
  calibrationWindows: Parameters<typeof evaluate>[1],
  task?: ReturnType<typeof taskSet>,
): Promise<QuantRow[]> {
  const rows: QuantRow[] = [];
  const float = await evaluate(model, windows, { task });
  const calibrator = calibrate(calibrateOptionsFor(schemes));
  if (schemes.some(needsCalibration)) for (const b of calibrationWindows) model.loss(b, { linear: calibrator.linear }).dispose();
  const calib = await calibrator.finish();
  calibrator.dispose();
  for (const scheme of schemes) {
    const w = weightFormat(scheme);
    const a = activationFormat(scheme);
    const base = { run, recipeLabel, schemeId: schemeId(scheme), scheme: label(scheme), weightBits: w?.bits ?? null, activationBits: a?.bits ?? null, granularity: granularityOf(scheme) };
    const sqnr = new SqnrRecorder();
    const linear = schemeLinear(scheme, calib, { observe: sqnr.observe });
    const q: Evaluation = await evaluate(model, windows, { linear, task });
    linear.dispose();
    for (const metric of EVAL_METRICS) {
      const f = float[metric], v = q[metric];
      if (f === null || v === null) continue;
      rows.push({ ...base, metric, layer: null, site: null, value: v, floatValue: f, degradationPct: degradationPct(metric, f, v) });
    }
    for (const s of await sqnr.table()) {
      if (s.xSqnrDb !== null) rows.push({ ...base, metric: "sqnr_x_db", layer: s.layer, site: s.site, value: s.xSqnrDb, floatValue: null, degradationPct: null });
      if (s.wSqnrDb !== null) rows.push({ ...base, metric: "sqnr_w_db", layer: s.layer, site: s.site, value: s.wSqnrDb, floatValue: null, degradationPct: null });
    }
    sqnr.dispose();
  }
  return rows;
}

