export { writeFileAtomic } from "./atomic.js";
export { ArrowDataset, readArrowFile, unifyDictionaries, type CorruptPart, type ReadOptions } from "./arrow-dataset.js";
export { schemaOf, tableOf, checkSchema, SCHEMA_VERSION, QUANTSCOPE_VERSION, type TableName } from "./schemas.js";
export { ResultsStore, TABLES, type CheckpointRow } from "./results.js";
export { frame, where, pivot, summarizeBy, toArrow, fromArrow, filterRows, groupSummary, type Frame } from "./query.js";
export { tableToHTML, tableToText, show } from "./html.js";
