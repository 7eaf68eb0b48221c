export { writeFileAtomic } from "./atomic.js";
export { ArrowDataset, partKey, readArrowFile, unifyDictionaries, type AppendOptions, type CorruptPart, type ReadOptions } from "./arrow-dataset.js";
export { schemaOf, tableOf, checkSchema, QUANTSCOPE_VERSION } from "./schemas.js";
export { ResultsStore, type ResultRows } from "./results.js";
export { frame, where, pivot, summarizeBy, toArrow, fromArrow, filterRows, groupSummary, type Frame } from "./query.js";
export { tableToHTML, tableToText, show } from "./html.js";
