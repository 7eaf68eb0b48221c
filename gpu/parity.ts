import * as tf from "@tensorflow/tfjs-core";
import { selectBackend, type BackendName } from "../src/backend/select.js";
import { builtinDataset } from "../src/data/builtin.js";
import type { TransformerConfig } from "../src/model/config.js";
import { Transformer } from "../src/model/transformer.js";
import { Trainer } from "../src/train/trainer.js";
import { spyOnReads } from "./read-spy.js";
import type { Row } from "./results.js";

/**
 * Parity tolerances, relative to the reference loss. Two correct float32 implementations differ
 * only by rounding: summation order (GPU tiles vs wasm's SIMD loops) and transcendental precision
 * (Vulkan lets `exp` be off by 3 + 2|x| ulp). Measured here, the cpu and wasm backends agreed to
 * 5e-7 relative over 200 steps of `micro` training. Step 1 is a forward pass over identical weights
 * and batch, so it gets the forward tolerance the PyTorch reference test uses for the loss (1e-5);
 * later steps compound rounding through AdamW, so they get 100x that. For scale: training `micro`
 * with a learning rate 10% off moved the loss by 1.4e-3 relative at step 12 (still in warm-up),
 * 1% off by 8.5e-4 at step 40 (test/gpu/check.test.ts checks the first); a wrong kernel moves it
 * by far more.
 */
export const PARITY_TOLERANCE = { firstStep: 1e-5, trajectory: 1e-3 } as const;

export interface ParitySpec {
  readonly config: TransformerConfig;
  readonly batch: number;
  /** Steps compared with the reference. */
  readonly steps: number;
  /** Steps the backend under test trains for while memory and reads are watched (≥ steps). */
  readonly memorySteps: number;
  readonly seed: number;
  /** Learning rate; the same on both backends unless a test perturbs one. */
  readonly lr?: number;
}

/** One training run, step by step. */
export interface TrainTrace {
  readonly backend: BackendName;
  readonly losses: number[];
  readonly numTensors: number[];
  readonly numBytes: number[];
  readonly dataSync: number[];
  readonly backendSync: number[];
  readonly asyncReads: number[];
  readonly ms: number[];
}

/** Trains `steps` steps on `backend` from `spec`'s seed and records loss, memory and reads after each. */
export async function traceTraining(backend: BackendName, spec: ParitySpec, steps: number, lr = spec.lr): Promise<TrainTrace> {
  await selectBackend({ backend });
  const model = Transformer.create(spec.config, spec.seed);
  const trainer = new Trainer(model, builtinDataset(), { steps, batchSize: spec.batch, seed: spec.seed, ...(lr === undefined ? {} : { lr }) });
  const trace: TrainTrace = { backend, losses: [], numTensors: [], numBytes: [], dataSync: [], backendSync: [], asyncReads: [], ms: [] };
  try {
    for (let i = 0; i < steps; i++) {
      const spy = spyOnReads();
      const t0 = performance.now();
      let loss: number;
      try {
        loss = (await trainer.trainStep()).loss;
      } finally {
        spy.restore();
      }
      trace.ms.push(performance.now() - t0);
      const mem = tf.memory();
      trace.losses.push(loss);
      trace.numTensors.push(mem.numTensors);
      trace.numBytes.push(mem.numBytes);
      trace.dataSync.push(spy.counts.dataSync);
      trace.backendSync.push(spy.counts.backendSync);
      trace.asyncReads.push(spy.counts.async);
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return trace;
}

/** What the parity stage concludes, beside its per-step rows. */
export interface ParityVerdict {
  readonly firstStepRelDiff: number;
  readonly maxRelDiff: number;
  readonly maxRelDiffStep: number;
  /** tf.memory().numTensors from step 2 on: the same at every step when nothing leaks. */
  readonly tensorsAtStep2: number;
  readonly maxTensorGrowth: number;
  readonly bytesGrowth: number;
  readonly dataSyncTotal: number;
  readonly backendSyncTotal: number;
  readonly asyncReadsPerStep: number;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Compares a run with its reference over the reference's steps, and judges memory and reads over the whole run. */
export function judgeParity(run: TrainTrace, ref: TrainTrace): ParityVerdict {
  const n = ref.losses.length;
  if (run.losses.length < n) throw new Error(`the ${run.backend} run has ${run.losses.length} steps, fewer than the reference's ${n}`);
  const rel = ref.losses.map((r, i) => Math.abs(run.losses[i]! - r) / Math.abs(r));
  let maxRelDiff = 0, maxRelDiffStep = 1;
  rel.forEach((d, i) => {
    // NaN compares false: a NaN loss must fail, so it becomes an infinite difference.
    const x = Number.isNaN(d) ? Infinity : d;
    if (x > maxRelDiff) [maxRelDiff, maxRelDiffStep] = [x, i + 1];
  });
  // Step 1 creates the optimizer's moment slots; from step 2 on the count must not move.
  const later = run.numTensors.slice(1), laterBytes = run.numBytes.slice(1);
  return {
    firstStepRelDiff: Number.isNaN(rel[0]!) ? Infinity : rel[0]!,
    maxRelDiff,
    maxRelDiffStep,
    tensorsAtStep2: later[0]!,
    maxTensorGrowth: Math.max(...later) - later[0]!,
    bytesGrowth: Math.max(...laterBytes) - laterBytes[0]!,
    dataSyncTotal: sum(run.dataSync),
    backendSyncTotal: sum(run.backendSync),
    asyncReadsPerStep: sum(run.asyncReads) / run.asyncReads.length,
  };
}

/** The per-step rows of both runs, for parity.arrow. */
export function parityRows(run: TrainTrace, ref: TrainTrace): Row[] {
  const rows: Row[] = [];
  for (const [role, t] of [["under-test", run], ["reference", ref]] as const) {
    t.losses.forEach((loss, i) => {
      rows.push({
        role, backend: t.backend, step: i + 1, loss,
        reference_loss: role === "under-test" ? (ref.losses[i] ?? null) : null,
        num_tensors: t.numTensors[i]!, num_bytes: t.numBytes[i]!,
        data_sync: t.dataSync[i]!, backend_sync_reads: t.backendSync[i]!, async_reads: t.asyncReads[i]!, step_ms: t.ms[i]!,
      });
    });
  }
  return rows;
}
