import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { DataType, Dictionary, RecordBatch, Struct, Table, makeData, tableFromIPC, tableToIPC, vectorFromArray, type Data, type Vector } from "apache-arrow";
import { isTemporary, sweepTemporaries, writeFileAtomic } from "./atomic.js";
import { checkDecoded, checkIpcFile } from "./ipc-check.js";
import { contentHash, keyedPartName, partKey, partName, recordedHash } from "./part-name.js";

export { partKey };

const MAGIC = Buffer.from("ARROW1");

/** A part file that could not be read. */
export interface CorruptPart {
  readonly file: string;
  readonly error: string;
}

export interface AppendOptions {
  /**
   * Names the part after this key (letters, digits, `.`, `_`, `-`) instead of a unique name, and
   * removes the parts of the same key that were there before it was written, once the new one is in
   * place (the part written last is never removed): a retried or duplicated
   * job that appends under its deterministic id never leaves two copies of its rows counted (if two
   * writers race, the reader counts exactly one of the key's parts).
   */
  readonly key?: string;
}

export interface ReadOptions {
  /**
   * `"throw"` (default): a part that cannot be read (damaged, or not of this table) is an error
   * naming it. `"skip"`: read the rest, report each skipped part as a process warning
   * (`QUANTSCOPE_CORRUPT_PART`) and in `corrupt`.
   */
  readonly onCorrupt?: "throw" | "skip";
}

/**
 * Reads one Arrow IPC file in work bounded by its size, or throws an error naming it. In order: the
 * leading and trailing magic (so a truncated file is reported as such), the content hash its name
 * records (see part-name.ts; skipped for files without one, such as parts written before hashes),
 * the file's structure (ipc-check.ts: what apache-arrow would otherwise loop on), then the decoded
 * columns against their buffers.
 */
export async function readArrowFile(file: string): Promise<Table> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as Error).message}`);
  }
  if (bytes.length < 18 || !bytes.subarray(0, 6).equals(MAGIC) || !bytes.subarray(bytes.length - 6).equals(MAGIC)) {
    throw new Error(`${file}: not a complete Arrow IPC file (truncated or corrupt: magic bytes missing)`);
  }
  const recorded = recordedHash(basename(file));
  if (recorded !== null && contentHash(bytes) !== recorded) {
    throw new Error(`${file}: corrupt: content hash ${contentHash(bytes)} does not match the ${recorded} recorded in its name`);
  }
  try {
    checkIpcFile(bytes);
    const table = tableFromIPC(bytes);
    checkDecoded(table);
    return table;
  } catch (err) {
    throw new Error(`${file}: corrupt Arrow IPC file: ${(err as Error).message}`);
  }
}

/**
 * A folder of Arrow IPC files ("parts") that reads back as one table. Appending writes a new part
 * atomically under a name unique to the writing process (and recording a hash of its content), so
 * concurrent writers never touch each other's files and a crash never damages a part that was
 * already there. The first append or read sweeps the temporaries crashed writers left behind.
 */
export class ArrowDataset {
  #swept: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  /** Removes stale temporaries once per instance; best effort, as a read-only store must still read. */
  #sweep(): Promise<unknown> {
    return (this.#swept ??= sweepTemporaries(this.dir).catch(() => undefined));
  }

  /**
   * Writes `table` as a new part (or, with `key`, as the part of that key, replacing any earlier
   * one); returns its path. Empty tables write nothing.
   */
  async append(table: Table, opts: AppendOptions = {}): Promise<string | null> {
    if (table.numRows === 0) return null;
    await this.#sweep();
    const bytes = tableToIPC(table, "file");
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw Object.assign(new Error(`cannot create ${this.dir}: ${e.message}`, { cause: err }), { code: e.code });
    }
    const path = join(this.dir, opts.key === undefined ? partName(bytes) : keyedPartName(opts.key, bytes));
    // The key's parts listed before this one is written are the ones it replaces. Listed after, two
    // racing writers could each see and remove the other's part, leaving none: this way a writer only
    // removes parts that landed before its listing, so the part written last always stays.
    const key = opts.key;
    const older = key === undefined ? [] : (await this.parts()).filter((f) => f !== path && partKey(f) === key);
    await writeFileAtomic(path, bytes);
    await Promise.all(older.map((f) => rm(f, { force: true })));
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
   * All parts as one table (`null` when there are none), plus the parts skipped as corrupt. `check`
   * vets each part as read (e.g. that it holds the expected table) and returns it as it should be
   * concatenated; what it throws counts as a corrupt part, named like any other.
   */
  async read(opts: ReadOptions & { check?: (part: Table) => Table; keep?: (file: string) => boolean } = {}): Promise<{ table: Table | null; corrupt: CorruptPart[] }> {
    await this.#sweep();
    const tables: Table[] = [];
    const corrupt: CorruptPart[] = [];
    for (const file of onePerKey(await this.parts()).filter(opts.keep ?? (() => true))) {
      try {
        const part = await readArrowFile(file);
        try {
          tables.push(opts.check ? opts.check(part) : part);
        } catch (err) {
          throw new Error(`${file}: ${(err as Error).message}`);
        }
      } catch (err) {
        if (opts.onCorrupt !== "skip") throw err;
        corrupt.push({ file, error: (err as Error).message });
        process.emitWarning(`skipped a part that cannot be read: ${(err as Error).message}`, { code: "QUANTSCOPE_CORRUPT_PART" });
      }
    }
    if (tables.length === 0) return { table: null, corrupt };
    return { table: unifyDictionaries(tables[0]!.concat(...tables.slice(1))), corrupt };
  }
}

/**
 * The parts with at most one per key: writers racing on one key (a duplicated job) can both leave a
 * part before either removes the other's; the reader counts the first by name, the same one always.
 */
function onePerKey(files: readonly string[]): string[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    const key = partKey(f);
    if (key === null) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
