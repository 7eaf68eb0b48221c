/*
 * The results tables, each defined once, in its own file, by its columns: the Arrow fields, the row
 * type producers build and the row → record mapping the store writes all derive from that definition
 * (see define.ts). Adding a column is one line there (and a SCHEMA_VERSION bump).
 *
 * | table | one row per |
 * |---|---|
 * | `runs` | training run |
 * | `metrics` | training step |
 * | `traces` | outlier measurement (long format) |
 * | `quant` | metric of a quantized model |
 * | `checkpoints` | saved checkpoint |
 * | `sensitivity` | linear layer quantized alone under one scheme |
 *
 * Repeated strings are dictionary-encoded; nulls mean "not applicable".
 */
// In table order: each `col.dict()` takes the next Arrow dictionary id as its file loads, and this
// order gives the ids the files carry (runs 0–3, metrics 4, traces 5–7, quant 8–14, …).
import { runs } from "./runs.js";
import { metrics } from "./metrics.js";
import { traces } from "./traces.js";
import { quant } from "./quant.js";
import { checkpoints } from "./checkpoints.js";
import { sensitivity } from "./sensitivity.js";

/**
 * Bumped on any column change, so a reader can tell which columns a file has.
 * 1: the first release. 2: `quant.scheme_id`, the scheme's stable id beside its label; the
 * `sensitivity` table.
 */
export const SCHEMA_VERSION = 2;

/** Every table's definition by name. */
export const TABLE_DEFS = { runs, metrics, traces, quant, checkpoints, sensitivity } as const;

export type TableName = keyof typeof TABLE_DEFS;

/** The table names, in the order the store writes them. */
export const TABLES = Object.keys(TABLE_DEFS) as readonly TableName[];

export type { RunRow } from "./runs.js";
export type { MetricRow } from "./metrics.js";
export type { TraceRow } from "./traces.js";
export type { QuantRow } from "./quant.js";
export type { CheckpointRow } from "./checkpoints.js";
export type { SensitivityRow } from "./sensitivity.js";
