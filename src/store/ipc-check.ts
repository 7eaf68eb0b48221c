import { DataType, type Data, type Table } from "apache-arrow";

/*
 * Structural checks that make reading a damaged Arrow IPC file end, in work bounded by its size.
 *
 * apache-arrow trusts every count and offset in a file: a record-batch block that points at a
 * dictionary message makes its file reader loop forever, and a flipped vector length in the footer
 * makes it decode billions of fields. FlatBuffers' JavaScript runtime has no verifier (only the C++
 * one does), so `checkIpcFile` walks the footer and every message apache-arrow will decode, with
 * every offset and length checked against the bytes it lies in, and a budget of tables visited, so
 * a cycle of offsets cannot keep it (or apache-arrow after it) busy. `checkDecoded` then checks that
 * every decoded column lies within its buffers, so nothing downstream iterates past its data.
 *
 * These checks make corruption end; they cannot tell damaged values from real ones. That is the
 * content hash's job (see part-name.ts), checked before any of this runs.
 */

/** FlatBuffers `Type` union tags (Schema.fbs) the checks need. */
const TYPE = { Int: 2, Timestamp: 10, Union: 14 } as const;
/** Types whose every row takes at least one bit of some buffer, so a length is bounded by the body's size. */
const ROW_BACKED = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 17, 18, 19, 20, 21, 23, 24, 25, 26]);
const HEADER = { DictionaryBatch: 2, RecordBatch: 3 } as const;
/** MetadataVersion.V4 (the enum counts from V1 = 0): older files lay out buffers differently; apache-arrow 21 writes V5. */
const MIN_METADATA_VERSION = 3;

class Corrupt extends Error {}

/** Bounds-checked reads of one flatbuffer lying in `[start, end)` of `view`. */
class Flat {
  #budget: number;

  constructor(readonly view: DataView, readonly start: number, readonly end: number) {
    // A table takes at least 4 bytes, so a well-formed buffer never has more tables than this.
    this.#budget = Math.ceil((end - start) / 4) + 1;
  }

  check(pos: number, bytes: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < this.start || bytes < 0 || pos + bytes > this.end) throw new Corrupt(`${what} lies outside its buffer`);
  }

  u32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getUint32(pos, true);
  }

  root(what: string): FlatTable {
    return this.table(this.start + this.u32(this.start, what), what);
  }

  table(pos: number, what: string): FlatTable {
    if (--this.#budget < 0) throw new Corrupt(`${what}: more tables than the buffer can hold (cyclic offsets)`);
    this.check(pos, 4, what);
    const vt = pos - this.view.getInt32(pos, true);
    this.check(vt, 4, `${what} vtable`);
    const vtSize = this.view.getUint16(vt, true);
    const tableSize = this.view.getUint16(vt + 2, true);
    if (vtSize < 4 || vtSize % 2) throw new Corrupt(`${what}: bad vtable size ${vtSize}`);
    this.check(vt, vtSize, `${what} vtable`);
    this.check(pos, tableSize, what);
    return new FlatTable(this, pos, vt, vtSize, tableSize, what);
  }
}

/** One flatbuffer table; slots are the schema's field numbers. */
class FlatTable {
  constructor(readonly fb: Flat, readonly pos: number, readonly vt: number, readonly vtSize: number, readonly size: number, readonly what: string) {}

  /** The absolute position of slot `slot`'s value (`bytes` wide), or -1 when absent. */
  field(slot: number, bytes: number): number {
    const at = 4 + 2 * slot;
    if (at + 2 > this.vtSize) return -1;
    const off = this.fb.view.getUint16(this.vt + at, true);
    if (off === 0) return -1;
    if (off + bytes > this.size) throw new Corrupt(`${this.what}: field ${slot} lies outside its table`);
    return this.pos + off;
  }

  u8(slot: number, dflt = 0): number {
    const p = this.field(slot, 1);
    return p < 0 ? dflt : this.fb.view.getUint8(p);
  }

  i16(slot: number, dflt = 0): number {
    const p = this.field(slot, 2);
    return p < 0 ? dflt : this.fb.view.getInt16(p, true);
  }

  i64(slot: number, what: string): number {
    const p = this.field(slot, 8);
    return p < 0 ? 0 : safe(this.fb.view.getBigInt64(p, true), `${this.what}.${what}`);
  }

  #ref(slot: number): number {
    const p = this.field(slot, 4);
    return p < 0 ? -1 : p + this.fb.u32(p, this.what);
  }

  child(slot: number, what: string): FlatTable | null {
    const p = this.#ref(slot);
    return p < 0 ? null : this.fb.table(p, `${this.what}.${what}`);
  }

  /** A vector's element positions are `pos + i * elem`; returns its start and length, bounds checked. */
  vector(slot: number, elem: number, what: string): { pos: number; length: number } {
    const p = this.#ref(slot);
    if (p < 0) return { pos: 0, length: 0 };
    const length = this.fb.u32(p, `${this.what}.${what}`);
    this.fb.check(p + 4, length * elem, `${this.what}.${what} (${length} elements)`);
    return { pos: p + 4, length };
  }

  tables(slot: number, what: string): FlatTable[] {
    const { pos, length } = this.vector(slot, 4, what);
    return Array.from({ length }, (_, i) => this.fb.table(pos + 4 * i + this.fb.u32(pos + 4 * i, what), `${this.what}.${what}[${i}]`));
  }

  string(slot: number, what: string): void {
    this.vector(slot, 1, what);
  }
}

function safe(v: bigint, what: string): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Corrupt(`${what} is ${v}`);
  return Number(v);
}

function keyValues(t: FlatTable, slot: number): void {
  for (const kv of t.tables(slot, "custom_metadata")) {
    kv.string(0, "key");
    kv.string(1, "value");
  }
}

/** The type tags of a record batch's field nodes, in order (one node per field, depth first; a dictionary-encoded field is its indices). */
interface Layout {
  readonly batch: number[];
  readonly dictionaries: Map<number, number[]>;
}

function checkField(f: FlatTable, layout: Layout, into: number[]): void {
  f.string(0, "name");
  const typeTag = f.u8(2);
  const type = f.child(3, "type");
  if (type && typeTag === TYPE.Union) type.vector(1, 4, "typeIds");
  if (type && typeTag === TYPE.Timestamp) type.string(1, "timezone");
  const dict = f.child(4, "dictionary");
  if (dict) dict.child(1, "indexType");
  keyValues(f, 6);
  const children = f.tables(5, "children");
  if (dict) {
    // The batch holds the indices; the values (and the children) come in the dictionary batch.
    into.push(TYPE.Int);
    const values = [typeTag];
    for (const c of children) checkField(c, layout, values);
    layout.dictionaries.set(dict.i64(0, "id"), values);
  } else {
    into.push(typeTag);
    for (const c of children) checkField(c, layout, into);
  }
}

function checkBatch(rb: FlatTable, bodyLength: number, types: readonly number[], what: string): void {
  const length = rb.i64(0, "length");
  const nodes = rb.vector(1, 16, "nodes");
  const buffers = rb.vector(2, 16, "buffers");
  rb.child(3, "compression");
  rb.vector(4, 8, "variadicBufferCounts");
  const { view } = rb.fb;
  if (nodes.length !== types.length) throw new Corrupt(`${what}: ${nodes.length} field nodes for ${types.length} fields`);
  for (let i = 0; i < nodes.length; i++) {
    const n = safe(view.getBigInt64(nodes.pos + 16 * i, true), `${what} node ${i} length`);
    const nulls = safe(view.getBigInt64(nodes.pos + 16 * i + 8, true), `${what} node ${i} null count`);
    if (nulls > n) throw new Corrupt(`${what} node ${i}: ${nulls} nulls in ${n} rows`);
    if (ROW_BACKED.has(types[i]!) && n > 8 * bodyLength) throw new Corrupt(`${what} node ${i}: ${n} rows in a ${bodyLength}-byte body`);
  }
  for (let i = 0; i < buffers.length; i++) {
    const off = safe(view.getBigInt64(buffers.pos + 16 * i, true), `${what} buffer ${i} offset`);
    const len = safe(view.getBigInt64(buffers.pos + 16 * i + 8, true), `${what} buffer ${i} length`);
    if (off + len > bodyLength) throw new Corrupt(`${what} buffer ${i} (${off}+${len}) lies outside the ${bodyLength}-byte body`);
  }
  // Top-level nodes all have the batch's length; a longer batch would be padded to it.
  const top = types.length === 0 ? 0 : Number(view.getBigInt64(nodes.pos, true));
  if (types.length > 0 && length !== top) throw new Corrupt(`${what}: ${length} rows but its first column has ${top}`);
}

/** Checks the message a footer block points at: in bounds, of the expected kind, its body inside the file. */
function checkBlock(view: DataView, blockPos: number, dataEnd: number, header: number, layout: Layout, what: string): void {
  const offset = safe(view.getBigInt64(blockPos, true), `${what} offset`);
  if (offset < 8 || offset + 8 > dataEnd) throw new Corrupt(`${what} offset ${offset} lies outside the file`);
  let metaStart = offset + 4;
  let metaLength = view.getInt32(offset, true);
  if (metaLength === -1) {
    metaLength = view.getInt32(offset + 4, true);
    metaStart = offset + 8;
  }
  if (metaLength <= 0 || metaStart + metaLength > dataEnd) throw new Corrupt(`${what}: metadata length ${metaLength} lies outside the file`);
  const fb = new Flat(view, metaStart, metaStart + metaLength);
  const message = fb.root(what);
  if (message.i16(0) < MIN_METADATA_VERSION) throw new Corrupt(`${what}: metadata version ${message.i16(0)} is older than V4`);
  const type = message.u8(1);
  if (type !== header) throw new Corrupt(`${what}: holds a message of type ${type}, expected ${header}`);
  const bodyLength = message.i64(3, "bodyLength");
  if (metaStart + metaLength + bodyLength > dataEnd) throw new Corrupt(`${what}: body of ${bodyLength} bytes runs past the data`);
  keyValues(message, 4);
  const body = message.child(2, "header");
  if (!body) throw new Corrupt(`${what}: message has no header`);
  if (header === HEADER.RecordBatch) return checkBatch(body, bodyLength, layout.batch, what);
  const data = body.child(1, "data");
  const types = layout.dictionaries.get(body.i64(0, "id"));
  if (!data || !types) throw new Corrupt(`${what}: dictionary ${body.i64(0, "id")} is not in the schema`);
  checkBatch(data, bodyLength, types, what);
}

/**
 * Checks that apache-arrow can decode `bytes` (an Arrow IPC file, magic already checked) in work
 * bounded by its size: the footer, the schema and every message the footer points at lie inside
 * the file, are of the kind expected there, and count no more elements than their bytes can hold.
 * Throws an error describing the first problem.
 */
export function checkIpcFile(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const trailer = bytes.length - 10; // int32 footer length, then "ARROW1"
    const footerLength = view.getInt32(trailer, true);
    if (footerLength <= 0 || footerLength > trailer - 8) throw new Corrupt(`footer length ${footerLength} does not fit the file`);
    const footerStart = trailer - footerLength;
    const footer = new Flat(view, footerStart, trailer).root("footer");
    if (footer.i16(0) < MIN_METADATA_VERSION) throw new Corrupt(`footer: metadata version ${footer.i16(0)} is older than V4`);
    const schema = footer.child(1, "schema");
    if (!schema) throw new Corrupt("footer has no schema");
    const layout: Layout = { batch: [], dictionaries: new Map() };
    for (const f of schema.tables(1, "fields")) checkField(f, layout, layout.batch);
    keyValues(schema, 2);
    schema.vector(3, 8, "features");
    keyValues(footer, 4);
    const blocks = (slot: number, header: number, kind: string) => {
      const { pos, length } = footer.vector(slot, 24, kind);
      for (let i = 0; i < length; i++) checkBlock(view, pos + 24 * i, footerStart, header, layout, `${kind} block ${i}`);
    };
    blocks(2, HEADER.DictionaryBatch, "dictionary");
    blocks(3, HEADER.RecordBatch, "record batch");
  } catch (err) {
    if (err instanceof Corrupt || err instanceof RangeError) throw new Error(err.message);
    throw err;
  }
}

/**
 * Checks that every column of a decoded table lies within its buffers (values, offsets, validity
 * and dictionary), for the types the results tables use (ints, floats, bools, strings, timestamps,
 * dictionaries and structs of them). Throws naming the first column that does not.
 */
export function checkDecoded(table: Table): void {
  for (const batch of table.batches) {
    batch.schema.fields.forEach((f, i) => {
      const d = batch.data.children[i]!;
      if (d.length !== batch.numRows) throw new Error(`column '${f.name}' has ${d.length} rows in a batch of ${batch.numRows}`);
      checkData(d, f.name);
    });
  }
}

function checkData(d: Data, name: string): void {
  const end = d.offset + d.length;
  const fail = (what: string): never => { throw new Error(`column '${name}': ${what} too short for ${d.length} rows`); };
  if (d.nullCount > 0 && (d.nullBitmap?.length ?? 0) * 8 < end) fail("validity bitmap");
  const t = d.type as DataType;
  if (DataType.isDictionary(t)) {
    if ((d.values?.length ?? 0) < end) fail("indices");
    const dict = d.dictionary;
    if (!dict) return fail("dictionary");
    for (const c of dict.data) checkData(c, `${name} (dictionary)`);
    for (let k = d.offset; k < end; k++) {
      const j = d.values[k] as number;
      if ((j < 0 || j >= dict.length) && d.getValid(k - d.offset)) throw new Error(`column '${name}': row ${k - d.offset} indexes entry ${j} of a ${dict.length}-entry dictionary`);
    }
  } else if (DataType.isUtf8(t) || DataType.isBinary(t)) {
    const offs = d.valueOffsets as Int32Array | undefined;
    if (!offs || offs.length < end + 1) return fail("offsets");
    if (offs[d.offset]! < 0 || offs[end]! > (d.values?.length ?? 0) || offs[end]! < offs[d.offset]!) fail("values");
  } else if (DataType.isBool(t)) {
    if ((d.values?.length ?? 0) * 8 < end) fail("values");
  } else if (DataType.isStruct(t)) {
    d.children.forEach((c, i) => {
      if (c.length < end) throw new Error(`column '${name}.${t.children[i]!.name}' has ${c.length} rows in a struct of ${end}`);
      checkData(c, `${name}.${t.children[i]!.name}`);
    });
  } else if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isTimestamp(t) || DataType.isDate(t)) {
    if ((d.values?.length ?? 0) < end * d.stride) fail("values");
  }
}
