/**
 * quantscope: how training recipes create activation outliers, and how outliers break quantization.
 *
 * The library follows the data: {@link builtinDataset} → {@link Transformer} → {@link Trainer} →
 * {@link OutlierTracker} → quantization schemes ({@link schemeLinear}) → {@link evaluate} /
 * {@link runSweep} → results store → widgets.
 *
 * @packageDocumentation
 */
export { selectBackend, currentBackend, BACKEND_ORDER, type BackendName, type BackendChoice, type BackendAttempt } from "./backend/select.js";

export { CharTokenizer } from "./data/tokenizer.js";
export { generateCorpus, splitCorpus, type CorpusOptions, type CorpusSplit } from "./data/corpus.js";
export { arithmeticProblem, arithmeticSet, MODULUS } from "./data/synthetic.js";
export { BatchSampler, evalBatches, type Batch } from "./data/batches.js";
export { builtinDataset } from "./data/builtin.js";
export type { Dataset } from "./data/dataset.js";
export { Rng } from "./data/rng.js";

export { CONFIGS, parameterCount, validateConfig, type ConfigName, type TransformerConfig } from "./model/config.js";
export { Transformer, type ActivationSite, type CaptureFn, type Dropout, type ForwardOptions } from "./model/transformer.js";
export { MLP } from "./model/mlp.js";
export type { LanguageModel } from "./model/language-model.js";
export { floatLinear, BLOCK_SITES, type LinearCall, type LinearImpl, type LinearSite } from "./model/linear.js";
export { readParams, assignParams, paramKind, type Params, type ParamKind } from "./model/params.js";
export { roundBf16, roundFp16, roundTo, PRECISIONS, type Precision } from "./ops/precision.js";

export { DEFAULT_RECIPE, makeRecipe, type Recipe } from "./train/recipe.js";
export { Trainer, type StepInfo, type StepHook, type TrainOptions, type TrainResult, type RunStatus } from "./train/trainer.js";
export { DEFAULT_DIVERGENCE, DivergenceDetector, type DivergenceRule } from "./train/divergence.js";
export { decaysParameter } from "./train/weight-decay.js";
export { AdamW, type AdamWOptions } from "./train/adamw.js";
export { learningRate, type Schedule } from "./train/schedule.js";
export { saveCheckpoint, loadCheckpoint } from "./train/checkpoint.js";

export { measureOutliers, type MeasureOptions } from "./track/measure.js";
export { OutlierTracker, type TrackerOptions } from "./track/tracker.js";
export { kurtosis, rmsKurtosis, outlierDimensions, maxMedianRatio, spectralNorm, frobeniusNorm } from "./track/metrics.js";

export * from "./quantize/index.js";

export * from "./pretrained/index.js";

export { evaluate, degradationPct, taskSet, type Evaluation, type TaskSet } from "./evaluate/evaluate.js";
export { runSweep, runSweepCell, sweepInputs, quantizeAndEvaluate, type SweepSpec, type SweepResult, type SweepHooks, type SweepInputs } from "./evaluate/sweep.js";
export * from "./sweep/index.js";
export { EXPERIMENTS, PAPER_RECIPES, LAPTOP_MODEL, type ExperimentName } from "./evaluate/presets.js";
export { summarize, compareRecipes, formatStat, type RecipeSummary, type Stat } from "./evaluate/summary.js";
export { CLAIMS, assessClaims, claimTable, claimTableMarkdown, headline, verdictOf, PRIMARY_MEASURE, type Claim, type ClaimOutcome, type ClaimTableRow, type Arm, type Verdict } from "./evaluate/claims.js";
export { CLAIM_PLANS, claimArms, baselineRecipe, CLAIMS_MODEL, type ClaimPlanName } from "./evaluate/claims-presets.js";
export { runClaims, planSteps } from "./evaluate/run-claims.js";
export { claimsCells, CheckpointEvaluator, type ClaimsPlan } from "./evaluate/claims-cells.js";
export { CLIFF_FAMILIES, CLIFF_THRESHOLD_PCT, bitsToCliff, cliffSchemes, schemeKey, type CliffFamily } from "./evaluate/cliff.js";
export { cliffTable, checkpointTable, sizeTable, armsOf } from "./evaluate/claim-curves.js";
export { welchInterval, spearman, bootstrapInterval, tQuantile, type Interval } from "./evaluate/stats.js";
export { claimTableFromFolder } from "./evaluate/claims-folder.js";
export { readSweep } from "./store/read-sweep.js";

export * from "./widgets/index.js";
export { displaySymbol, isDisplayable, type Displayable, type MimeBundle } from "./display.js";
export { checkClose, checkArray, checkChoice, checkSummary, type CheckResult } from "./classroom/check.js";
export { TABLES, SCHEMA_VERSION, type TableName, type RunRow, type MetricRow, type TraceRow, type QuantRow, type CheckpointRow, type SensitivityRow } from "./tables/index.js";
export * from "./store/index.js";
export { display, updateDisplay, clearOutput, toMimeBundle, type DisplayOptions } from "./jupyter/output.js";
export { Widget, widgetState as widgetModelState, type WidgetSpec } from "./jupyter/widget.js";
export { commManager, type Comm, type CommTransport } from "./jupyter/comm.js";
