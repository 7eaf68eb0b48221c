import { createHash, randomBytes } from "node:crypto";

/*
 * A part's file name carries a hash of its whole content: `part-<ms>-<pid>-<random>.sha256-<hex>.arrow`.
 * In the name rather than in the schema metadata because the name covers every byte (footer and
 * metadata included) and can be checked before apache-arrow parses anything: a damaged part is
 * reported, never decoded into silently different values. Parts written before hashes existed
 * (`part-<ms>-<pid>-<random>.arrow`) still read, unchecked.
 */

const HASHED = /\.sha256-([0-9a-f]{32})\.arrow$/;

/** The first 128 bits of the SHA-256 of `bytes`, in hex: plenty to detect damage (not meant against forgery). */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

/** A new part's file name for `bytes`: time first so names sort in write order, pid and random bytes so concurrent writers never collide. */
export function partName(bytes: Uint8Array, now = Date.now()): string {
  return `part-${now.toString().padStart(15, "0")}-${process.pid}-${randomBytes(4).toString("hex")}.sha256-${contentHash(bytes)}.arrow`;
}

/** The content hash a part's name records, or `null` for a part written before hashes. */
export function recordedHash(name: string): string | null {
  return HASHED.exec(name)?.[1] ?? null;
}

/** Part-name prefix of a keyed part: `cell-<key>.sha256-<hex>.arrow`. */
const KEYED = "cell-";
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KEYED_NAME = /^cell-(.+?)(\.sha256-[0-9a-f]{32})?\.arrow$/;

/** A keyed part's file name: the key (checked) and the content hash. */
export function keyedPartName(key: string, bytes: Uint8Array): string {
  if (!KEY_PATTERN.test(key)) throw new Error(`part key '${key}' must be letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
  return `${KEYED}${key}.sha256-${contentHash(bytes)}.arrow`;
}

/** The key a part was appended under (`append(t, { key })`), or null for an ordinary part. */
export function partKey(file: string): string | null {
  const name = file.slice(file.lastIndexOf("/") + 1);
  return KEYED_NAME.exec(name)?.[1] ?? null;
}
