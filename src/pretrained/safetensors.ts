/**
 * Reading `.safetensors` files (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON (`{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"? }`),
 * then the raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * The header is validated as a whole when the file is opened, so a damaged file is refused before any
 * weight is read, with an error naming the file and the tensor. Tensors are then read one at a time
 * straight from the file descriptor, so a loader never holds the whole file and its float32 copies at once.
 */
import { open, type FileHandle } from "node:fs/promises";
import { endianness } from "node:os";

/** Bytes per element of every dtype the format defines (only the float ones can be read as weights). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

/** The dtypes {@link SafetensorsFile.read} converts to float32. */
export const FLOAT_DTYPES: readonly string[] = ["F32", "F16", "BF16", "F64"];

/** One tensor's header entry; `begin`/`end` are absolute byte offsets in the file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** An open safetensors file: its validated header, and its tensors read on demand. */
export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly fd: FileHandle,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  /** Opens and validates `path`; throws naming the file (and tensor) for any damage. */
  static async open(path: string): Promise<SafetensorsFile> {
    const fd = await open(path, "r").catch((err: Error) => {
      throw new Error(`${path}: cannot open safetensors file: ${err.message}`);
    });
    try {
      const { tensors, metadata } = await readHeader(path, fd);
      return new SafetensorsFile(path, fd, tensors, metadata);
    } catch (err) {
      await fd.close();
      throw err;
    }
  }

  /** The tensor's values as float32 (F32 as is; F16, BF16 and F64 converted). */
  async read(name: string): Promise<Float32Array> {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`${this.path}: no tensor '${name}'`);
    if (!FLOAT_DTYPES.includes(info.dtype)) {
      throw new Error(`${this.path}: tensor '${name}' has dtype ${info.dtype}; weights must be one of ${FLOAT_DTYPES.join(", ")}`);
    }
    // A fresh buffer per tensor (not Buffer's shared pool): aligned for the typed-array views below,
    // and garbage once converted.
    const bytes = new Uint8Array(info.end - info.begin);
    const { bytesRead } = await this.fd.read(bytes, 0, bytes.length, info.begin);
    if (bytesRead !== bytes.length) throw new Error(`${this.path}: truncated while reading tensor '${name}' (${bytesRead} of ${bytes.length} bytes)`);
    return toFloat32(bytes, info.dtype);
  }

  async close(): Promise<void> {
    await this.fd.close();
  }
}

async function readHeader(path: string, fd: FileHandle): Promise<{ tensors: Map<string, TensorInfo>; metadata: Record<string, string> }> {
  const size = (await fd.stat()).size;
  if (size < 8) throw new Error(`${path}: truncated safetensors file: ${size} bytes, not even the 8-byte header length`);
  const lenBuf = Buffer.alloc(8);
  await fd.read(lenBuf, 0, 8, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > size - 8) throw new Error(`${path}: truncated safetensors file: header of ${headerLen} bytes announced but only ${size - 8} bytes follow`);
  if (headerLen > 100 * 2 ** 20) throw new Error(`${path}: safetensors header length ${headerLen} is implausible (over 100 MiB): not a safetensors file?`);
  const headerBuf = Buffer.alloc(headerLen);
  await fd.read(headerBuf, 0, headerLen, 8);
  let header: unknown;
  try {
    header = JSON.parse(headerBuf.toString("utf8"));
  } catch (err) {
    throw new Error(`${path}: bad safetensors header JSON: ${(err as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new Error(`${path}: bad safetensors header JSON: expected an object of tensors`);

  const dataStart = 8 + headerLen;
  const dataBytes = size - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `${path}: tensor '${name}'`;
    if (typeof e?.dtype !== "string" || !(e.dtype in DTYPE_BYTES)) throw new Error(`${where} has dtype ${JSON.stringify(e?.dtype)}; valid dtypes: ${Object.keys(DTYPE_BYTES).join(", ")}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where} has shape ${JSON.stringify(e.shape)}; expected a list of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[0] > off[1]) {
      throw new Error(`${where}: offsets out of range: data_offsets ${JSON.stringify(off)} must be two integers 0 ≤ begin ≤ end`);
    }
    const [begin, end] = off as [number, number];
    const need = (e.shape as number[]).reduce((a, d) => a * d, 1) * DTYPE_BYTES[e.dtype]!;
    if (end - begin !== need) throw new Error(`${where}: offsets out of range: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${e.dtype} ${JSON.stringify(e.shape)} needs ${need}`);
    tensors.set(name, { name, dtype: e.dtype, shape: e.shape as number[], begin: dataStart + begin, end: dataStart + end });
  }

  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!, cur = sorted[i]!;
    if (cur.begin < prev.end) throw new Error(`${path}: overlapping tensors '${prev.name}' [${prev.begin - dataStart}, ${prev.end - dataStart}) and '${cur.name}' [${cur.begin - dataStart}, ${cur.end - dataStart})`);
  }
  const beyond = sorted.filter((t) => t.end - dataStart > dataBytes);
  if (beyond.length) {
    // Writers lay tensors out back to back from offset 0; when they are, a short file lost its tail.
    // Otherwise the header points outside the data it came with.
    const contiguous = sorted.every((t, i) => t.begin === (i === 0 ? dataStart : sorted[i - 1]!.end));
    const last = sorted.at(-1)!;
    if (contiguous) throw new Error(`${path}: truncated safetensors file: the header describes ${last.end - dataStart} bytes of tensor data but the file holds ${dataBytes}; first tensor cut off: '${beyond[0]!.name}'`);
    const t = beyond[0]!;
    throw new Error(`${path}: tensor '${t.name}': offsets out of range: data_offsets [${t.begin - dataStart}, ${t.end - dataStart}] reach past the ${dataBytes} bytes of data`);
  }
  return { tensors, metadata };
}

/** float16 bit pattern → float32 value, for all 65,536 patterns (256 KiB, built on first use). */
let F16_TABLE: Float32Array | undefined;
function f16Table(): Float32Array {
  if (F16_TABLE) return F16_TABLE;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return (F16_TABLE = t);
}

/** Little-endian raw bytes of `dtype` → float32. */
export function toFloat32(bytes: Uint8Array, dtype: string): Float32Array {
  if (endianness() !== "LE") throw new Error("reading safetensors needs a little-endian machine");
  const n = bytes.length / DTYPE_BYTES[dtype]!;
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case "F32":
      return new Float32Array(buffer, byteOffset, n);
    case "F64":
      return Float32Array.from(new Float64Array(buffer, byteOffset, n));
    case "BF16": {
      // bfloat16 is the top half of a float32: shift it back into place.
      const src = new Uint16Array(buffer, byteOffset, n);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case "F16": {
      const src = new Uint16Array(buffer, byteOffset, n);
      const table = f16Table();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
      return out;
    }
    default:
      throw new Error(`cannot convert dtype ${dtype} to float32; convertible: ${FLOAT_DTYPES.join(", ")}`);
  }
}

/** A float32 tensor to write. */
export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The bytes of a safetensors file holding `tensors` as F32, back to back in the given order. */
export function safetensorsBytes(tensors: readonly TensorToWrite[], metadata: Record<string, string> = { format: "pt" }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (n !== t.data.length) throw new Error(`tensor '${t.name}': shape [${t.shape.join(", ")}] holds ${n} values, data has ${t.data.length}`);
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  // Padded with spaces to a multiple of 8, as the reference writer does, so the data stays aligned.
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
