/**
 * Pretrained checkpoints (issue 17): Hugging Face GPT-2, GPT-NeoX/Pythia and OPT folders loaded as
 * {@link LanguageModel}s, their tokenizers, checkpoint series and per-layer sensitivity.
 */
export { loadPretrained, readPretrainedConfig, FAMILIES, type Pretrained, type LoadOptions } from "./load.js";
export { PretrainedModel } from "./model.js";
export { PretrainedTokenizer, textWindows } from "./tokenizer.js";
export { ACTIVATIONS, type PretrainedConfig, type ActivationName } from "./config.js";
export { Checkpoint, resolveModelDir } from "./checkpoint.js";
export { SafetensorsFile, safetensorsBytes, toFloat32, FLOAT_DTYPES, type TensorInfo, type TensorToWrite } from "./safetensors.js";
export { saveAsGpt2, byteLevelTokenizerJson, byteToUnicode } from "./export.js";
export { listRevisions, measureSeries, type Revision, type SeriesOptions } from "./series.js";
export { layerSensitivity, sensitivityTable, sensitivityChart, type SensitivityOptions } from "./sensitivity.js";
export type { Gpt2Config } from "./families/gpt2.js";
export type { GptNeoxConfig } from "./families/gpt-neox.js";
export type { OptConfig } from "./families/opt.js";
