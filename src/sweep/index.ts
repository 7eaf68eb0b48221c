export { sweepCells, specHash, sizeLabel, type SweepCell } from "./cells.js";
export { experimentCells, experimentHash, type Experiment } from "./experiment.js";
export { CellRunner, type CellRun } from "./run-cell.js";
export { parseShard, shardCells, shardFromEnv, type Shard } from "./shard.js";
export { writeManifest, readManifests, completeness, storedCells, readInCellOrder, type SweepManifest, type SweepCompleteness } from "./collect.js";
export { submitSweep, startWorker, sweepStatus, queueStatus, watchQueue, DEFAULT_QUEUE, type CellJob, type SweepStatus, type SubmitSummary, type WorkerEvent } from "./queue.js";
export { watchSweep, SweepStatusView } from "./widget.js";
export { LocalRedis, redisMissing } from "./local-redis.js";
