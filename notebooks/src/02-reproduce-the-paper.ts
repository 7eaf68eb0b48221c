// %% [markdown]
// # Testing *Intriguing Properties of Quantization at Scale* on a laptop
//
// Ahmadian et al. (2023) trained the same 6B model with different **recipes** and found that the
// quantization cliff follows the recipe, not the scale: low weight decay, dropout, fp16 and no
// gradient clipping give large activation outliers and models that degrade under W8A8; weight decay
// 0.1, no dropout, bf16 and clipping at 1.0 give models that quantize almost freely.
//
// Here each of the paper's claims is an **experiment**: arms that change one factor of a shared
// baseline, several seeds each, and a statistic with a 95% interval. The verdict — *reproduced*,
// *opposite* or *inconclusive at n seeds* — is computed from the interval, never written by hand.
// W8A8 barely moves a 0.1M-parameter model, so the small-scale analogue of the paper's cliff is the
// bit width at which quality falls off: we quantize activations from 8 down to 4 bits (per tensor and
// per token) and weights from 8 down to 3 bits, and the claims compare degradation at W8A4 per tensor.
//
// **Presets.** `ci` (seconds; the numbers mean nothing, it is what the tests run), `demo` (about 10
// minutes on 2 cores: the one contrast visible beyond seed noise at that budget), `full` (every
// claim, 3 seeds, about 40 minutes). Set `QUANTSCOPE_NOTEBOOK_PRESET` before starting the kernel,
// or change the line below.

// %%
import { selectBackend, CLAIM_PLANS, CLAIMS, runClaims, planSteps, trainingMonitor, ResultsStore, type ClaimPlanName } from "quantscope";
const preset = (process.env.QUANTSCOPE_NOTEBOOK_PRESET ?? "demo") as ClaimPlanName;
const plan = CLAIM_PLANS[preset];
const backend = await selectBackend();
console.log(`preset ${preset}; backend ${backend.name}; arms ${plan.arms.map((a) => a.id).join(", ")}; seeds [${plan.seeds}]`);
for (const c of CLAIMS) console.log(`${c.id} ${c.title}: ${c.paper}`);

// %% [markdown]
// ## Train every arm
// Outliers are measured, and W8A4 per-tensor degradation evaluated, every `trackEvery` steps on fixed
// held-out windows. Each finished run goes to the Arrow store at once; re-running this cell resumes
// from the store and never retrains a finished run.

// %%
const store = new ResultsStore(`claims-results-${preset}`, backend.name);
const total = planSteps(plan);
const monitor = trainingMonitor({ total, title: "all runs" });
let done = 0;
const result = await runClaims(plan, { store, onStep: (_run, info) => { monitor.update({ step: ++done, loss: info.loss, lr: info.lr, total }); } });
monitor.done();
console.log(`${result.runs.length} runs in the store`);

// %% [markdown]
// ## The claim table
// Contrasts: difference of per-seed mean degradation (worse-by-the-paper arm minus better arm, in
// percentage points), 95% Welch interval; the same at matched held-out float loss; and bits to cliff
// (fewest per-tensor activation bits with degradation below 1%). C5 and C6: Spearman correlations
// over all runs with bootstrap intervals. C7: growth of log₂ max‖x‖∞ per doubling of d_model.

// %%
import { assessClaims, claimTable, headline } from "quantscope";
const outcomes = assessClaims(result);
for (const r of claimTable(outcomes)) console.log(`${r.claim} — ${r.verdict}\n  paper: ${r.paper}\n  ours:  ${r.ours}`);

// %% [markdown]
// ## One section per claim
// Each chart shows seed means with ±1 sd error bars, and draws lines only along an ordered axis:
// bits for the contrasts (one line per arm and quantization axis), training step for the
// checkpoint claims, d_model for the scaling claim.

// %% [markdown]
// ### C1–C4 and the combined recipes: degradation against bits

// %%
import { degradationCurve, cliffTable, armsOf } from "quantscope";
const allArms = plan.arms.map((a) => a.id);
const contrasts = outcomes.filter((o) => o.claim.test.kind === "contrast" && o.effect);
for (const o of contrasts) console.log(`${o.claim.id} ${o.claim.title}: ${claimTable([o])[0]!.verdict}`);
const firstContrast = contrasts[0] ?? outcomes[0]!;
degradationCurve(cliffTable(result, armsOf(firstContrast.claim, allArms)), { x: "bits", series: ["recipe_label", "family"], metric: "loss", title: `${firstContrast.claim.id}: held-out loss degradation (%) against bits` });

// %%
const combined = outcomes.find((o) => o.claim.id === "R-A")!;
degradationCurve(cliffTable(result, armsOf(combined.claim, allArms)), { x: "bits", series: ["recipe_label", "family"], metric: "loss", title: `R combined recipes: ${claimTable([combined])[0]!.verdict}` });

// %% [markdown]
// ### C5 and C6: what predicts degradation, and how early

// %%
import { checkpointTable, schemeKey, label, PRIMARY_MEASURE } from "quantscope";
for (const id of ["C5", "C6"]) { const o = outcomes.find((x) => x.claim.id === id)!; console.log(`${id} — ${claimTable([o])[0]!.verdict}: ${o.ours}`); }
const primary = PRIMARY_MEASURE.family.scheme(PRIMARY_MEASURE.bits);
degradationCurve(checkpointTable(result, allArms, schemeKey(primary)), { x: "step", series: "recipe_label", metric: "loss", title: `degradation under ${label(primary)} at checkpoints` });

// %% [markdown]
// ### C7: outlier magnitude against model size

// %%
import { sizeTable } from "quantscope";
const c7 = outcomes.find((o) => o.claim.id === "C7")!;
console.log(`C7 — ${claimTable([c7])[0]!.verdict}: ${c7.ours}`);
degradationCurve(sizeTable(result, armsOf(c7.claim, allArms)), { x: "d_model", series: "recipe_label", metric: "max_inf_norm", y: "value", yScale: "log", title: "final max ‖x‖∞ against d_model" });

// %% [markdown]
// ## What the data says
// The sentence below is computed from the outcomes: the decided claim with the clearest separation,
// or, when none separates from seed noise, the closest one with its interval. A claim that does not
// reproduce at this scale is a result too.

// %%
console.log(headline(outcomes));
