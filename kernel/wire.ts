import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The frame that separates ZeroMQ routing identities from a Jupyter message. */
const DELIMITER = Buffer.from("<IDS|MSG>");

export type Json = Record<string, unknown>;

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A Jupyter message (protocol 5.3) with its routing identities and binary buffers. */
export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Json;
  content: Json;
  buffers: Buffer[];
}

/** A message that failed to parse or verify; the kernel logs it and moves on. */
export class WireError extends Error {}

/**
 * HMAC signing per the connection file. Per the wire protocol only header, parent header, metadata
 * and content are signed — never the binary buffers, which is what lets buffers travel as raw frames.
 */
export class Signer {
  constructor(private readonly key: string, private readonly scheme = "hmac-sha256") {
    if (key && scheme !== "hmac-sha256") throw new Error(`unsupported signature scheme '${scheme}' (only hmac-sha256)`);
  }

  sign(parts: readonly Buffer[]): string {
    if (!this.key) return "";
    const h = createHmac("sha256", this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  verify(signature: string, parts: readonly Buffer[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(parts));
    const got = Buffer.from(signature);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }
}

function parseJson(frame: Buffer, what: string): Json {
  try {
    const v = JSON.parse(frame.toString("utf8")) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
    return v as Json;
  } catch (err) {
    throw new WireError(`malformed ${what}: ${(err as Error).message}`);
  }
}

/** Splits, verifies and decodes the frames of one message. Throws {@link WireError} on anything wrong. */
export function parseMessage(frames: readonly Buffer[], signer: Signer): Message {
  const d = frames.findIndex((f) => f.equals(DELIMITER));
  if (d < 0 || frames.length < d + 6) throw new WireError(`not a Jupyter message (${frames.length} frames, delimiter ${d < 0 ? "missing" : "early"})`);
  const [signature, header, parent, metadata, content] = frames.slice(d + 1, d + 6) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (!signer.verify(signature.toString("ascii"), [header, parent, metadata, content])) throw new WireError("invalid or missing signature: message rejected");
  const h = parseJson(header, "header") as unknown as Header;
  if (typeof h.msg_type !== "string" || typeof h.msg_id !== "string") throw new WireError("header lacks msg_type or msg_id");
  return {
    identities: frames.slice(0, d) as Buffer[],
    header: h,
    parent_header: parseJson(parent, "parent_header") as Partial<Header>,
    metadata: parseJson(metadata, "metadata"),
    content: parseJson(content, "content"),
    buffers: frames.slice(d + 6) as Buffer[],
  };
}

/** A new message in reply to (or caused by) `parent`. */
export function makeMessage(msgType: string, content: Json, parent: Message | null, session: string, opts: { metadata?: Json; buffers?: readonly ArrayBufferView[]; identities?: Buffer[] } = {}): Message {
  return {
    identities: opts.identities ?? parent?.identities ?? [],
    header: { msg_id: randomUUID(), session, username: "kernel", date: new Date().toISOString(), msg_type: msgType, version: "5.3" },
    parent_header: parent ? parent.header : {},
    metadata: opts.metadata ?? {},
    content,
    buffers: (opts.buffers ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  };
}

/** Encodes and signs a message into frames; buffers follow as raw frames, unsigned. */
export function serializeMessage(msg: Message, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...msg.identities, DELIMITER, Buffer.from(signer.sign(parts)), ...parts, ...msg.buffers];
}
