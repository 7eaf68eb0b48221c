import { mkdir, readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { DataType, Dictionary, RecordBatch, Struct, Table, makeData, tableFromIPC, tableToIPC, vectorFromArray, type Data, type Vector } from "apache-arrow";
import { isTemporary, writeFileAtomic } from "./atomic.js";

const MAGIC = Buffer.from("ARROW1");

/** A part file that could not be read. */
export interface CorruptPart {
  readonly file: string;
  readonly error: string;
}

/** Part-name prefix of a keyed part: `cell-<key>.arrow`. */
const KEYED = "cell-";
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The key a part was appended under (`append(t, { key })`), or null for an ordinary part. */
export function partKey(file: string): string | null {
  const name = basename(file);
  return name.startsWith(KEYED) && name.endsWith(".arrow") ? name.slice(KEYED.length, -".arrow".length) : null;
}

export interface AppendOptions {
  /**
   * Names the part after this key (letters, digits, `.`, `_`, `-`) instead of a unique name, so a
   * second append under the same key replaces the first atomically: a retried or duplicated job
   * that appends under its deterministic id can never leave two copies of its rows.
   */
  readonly key?: string;
}

export interface ReadOptions {
  /** `"throw"` (default): a corrupt part is an error naming it. `"skip"`: read the rest and report it. */
  readonly onCorrupt?: "throw" | "skip";
}

/**
 * Reads one Arrow IPC file, checking the file format's leading and trailing magic so a truncated
 * file is reported as such (rather than as whatever a partial footer decodes to).
 */
export async function readArrowFile(file: string): Promise<Table> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as Error).message}`);
  }
  if (bytes.length < 12 || !bytes.subarray(0, 6).equals(MAGIC) || !bytes.subarray(bytes.length - 6).equals(MAGIC)) {
    throw new Error(`${file}: not a complete Arrow IPC file (truncated or corrupt: magic bytes missing)`);
  }
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw new Error(`${file}: corrupt Arrow IPC file: ${(err as Error).message}`);
  }
}

/**
 * A folder of Arrow IPC files ("parts") that reads back as one table. Appending writes a new part
 * atomically under a name unique to the writing process, so concurrent writers never touch each
 * other's files and a crash never damages a part that was already there.
 */
export class ArrowDataset {
  constructor(readonly dir: string) {}

  /**
   * Writes `table` as a new part (or, with `key`, as the part of that key, replacing any earlier
   * one); returns its path. Empty tables write nothing.
   */
  async append(table: Table, opts: AppendOptions = {}): Promise<string | null> {
    if (table.numRows === 0) return null;
    if (opts.key !== undefined && !KEY_PATTERN.test(opts.key)) throw new Error(`part key '${opts.key}' must be letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
    await mkdir(this.dir, { recursive: true });
    // Time first so parts sort in write order; pid and random bytes keep names unique across writers.
    const name = opts.key !== undefined ? `${KEYED}${opts.key}.arrow` : `part-${Date.now().toString().padStart(15, "0")}-${process.pid}-${randomBytes(4).toString("hex")}.arrow`;
    const path = join(this.dir, name);
    await writeFileAtomic(path, tableToIPC(table, "file"));
    return path;
  }

  /** Part files in write order (temporaries of unfinished writes are not parts). */
  async parts(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return [];
      throw err;
    }
    return names.filter((n) => n.endsWith(".arrow") && !isTemporary(n)).sort().map((n) => join(this.dir, n));
  }

  /**
   * All parts as one table (`null` when there are none), plus the parts skipped as corrupt.
   * `keep` filters the parts read (e.g. keyed parts of complete cells only).
   */
  async read(opts: ReadOptions = {}, keep: (file: string) => boolean = () => true): Promise<{ table: Table | null; corrupt: CorruptPart[] }> {
    const tables: Table[] = [];
    const corrupt: CorruptPart[] = [];
    for (const file of (await this.parts()).filter(keep)) {
      try {
        tables.push(await readArrowFile(file));
      } catch (err) {
        if (opts.onCorrupt !== "skip") throw err;
        corrupt.push({ file, error: (err as Error).message });
      }
    }
    if (tables.length === 0) return { table: null, corrupt };
    return { table: unifyDictionaries(tables[0]!.concat(...tables.slice(1))), corrupt };
  }
}

/**
 * Gives every batch of each dictionary column one shared dictionary. Each part carries its own
 * dictionary; concatenated as they are, the table cannot be written as an Arrow file again
 * (`tableToIPC(t, "file")` refuses replacement dictionaries) and arquero mislabels rows.
 */
export function unifyDictionaries(table: Table): Table {
  const fields = table.schema.fields;
  const cols = fields.flatMap((f, i) => (DataType.isDictionary(f.type) ? [i] : []));
  if (table.batches.length < 2 || cols.length === 0) return table;
  const unified = new Map<number, { dict: Vector; maps: Int32Array[] }>();
  for (const i of cols) {
    const values: unknown[] = [];
    const index = new Map<unknown, number>();
    const maps = table.batches.map((b) => {
      const dv = b.data.children[i]!.dictionary!;
      const m = new Int32Array(dv.length);
      for (let k = 0; k < dv.length; k++) {
        const v = dv.get(k);
        let j = index.get(v);
        if (j === undefined) index.set(v, (j = values.push(v) - 1));
        m[k] = j;
      }
      return m;
    });
    unified.set(i, { dict: vectorFromArray(values as never, (fields[i]!.type as Dictionary).dictionary), maps });
  }
  const batches = table.batches.map((b, bi) => {
    const children = b.data.children.map((d: Data, i) => {
      const u = unified.get(i);
      if (!u) return d;
      const map = u.maps[bi]!;
      const src = d.values as Int32Array;
      const out = new (src.constructor as Int32ArrayConstructor)(src.length);
      // Null slots may hold any index; anything out of range maps to 0 and stays masked by the bitmap.
      for (let k = 0; k < src.length; k++) out[k] = map[src[k]!] ?? 0;
      return makeData({ type: d.type, offset: d.offset, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, data: out, dictionary: u.dict } as never);
    });
    return new RecordBatch(table.schema, makeData({ type: new Struct(fields), length: b.numRows, nullCount: 0, children }));
  });
  return new Table(table.schema, batches);
}
