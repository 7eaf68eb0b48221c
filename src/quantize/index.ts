/**
 * Quantization primitives and schemes: integer storage (`int.ts`), FP8 emulation (`fp8.ts`), tfjs fake
 * quantization (`fake.ts`), schemes as values and their lookups (`schemes.ts`), one registered
 * definition per scheme (`schemes/`, see `docs/adding-a-scheme.md`), schemes as the model's
 * `LinearImpl` (`linear.ts`), calibration, SmoothQuant, LLM.int8(), GPTQ, SQNR and byte accounting.
 */
export { roundHalfEven, roundHalfEvenTensor, codeRange, ROUND_MAGIC_F32, ROUND_MAGIC_F64, type CodeRange } from "./rounding.js";
export {
  quantizeTensor,
  dequantize,
  quantizedBytes,
  fakeQuantArray,
  packNibbles,
  unpackNibbles,
  codesOf,
  type QuantImpl,
  type QuantRun,
  type Granularity,
  type QuantizeOptions,
  type QuantizedTensor,
} from "./int.js";
export { FP8, fp8Round, toFp8, toFp8Tensor, fakeFp8, encodeFp8, decodeFp8, type Fp8Format, type Fp8Spec } from "./fp8.js";
export { fakeQuant, fakeQuantStatic, fakeQuantWithRange, type BlockRange } from "./fake.js";
export {
  PAPER_SCHEMES,
  label,
  schemeId,
  weightFormat,
  activationFormat,
  needsCalibration,
  skipsHead,
  calibrateOptionsFor,
  type Scheme,
  type SchemeName,
  type WeightFormat,
  type ActivationFormat,
  type CommonOptions,
  type WeightOptions,
  type ActivationOptions,
} from "./schemes.js";
export {
  registerScheme,
  unregisterScheme,
  getScheme,
  listSchemes,
  type SchemeDefinition,
  type SchemeConfig,
  type LinearRule,
  type LinearContext,
  type LinearOutput,
  type PreparedWeight,
  type CachedWeight,
  type CalibrationNeeds,
  type ActivationRange,
} from "./schemes/registry.js";
export { SMOOTHQUANT_DEFAULT_SITES } from "./schemes/smoothquant.js";
export { schemeLinear, type SchemeLinear, type SchemeLinearOptions } from "./linear.js";
export { calibrate, statsFor, percentileOfSorted, type Calibration, type CalibStats, type Calibrator, type CalibrateOptions } from "./calibrate.js";
export { smoothingFactors, smooth, smoothActivations, smoothWeights, smoothedAbsmax, rowAbsmax } from "./smoothquant.js";
export { outlierMask, decompose, llmInt8Activations, llmInt8Matmul } from "./llmint8.js";
export { gptqQuantize, type GptqOptions } from "./gptq.js";
export { sqnrDb, fromSums, SqnrRecorder, type SqnrRow, type QuantizedCall } from "./sqnr.js";
export { simdApplies } from "./simd.js";
export { quantizedModelBytes, isLinearWeight, type ModelBytes, type ShapedParams } from "./bytes.js";
