import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";

/** The connection file Jupyter writes for a kernel. */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export const TRANSPORTS = ["tcp", "ipc"] as const;
export const SIGNATURE_SCHEMES = ["hmac-sha256"] as const;
export const PORT_FIELDS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;
export type PortField = (typeof PORT_FIELDS)[number];

/** A connection file that cannot be used; the message names the file and the field. */
export class ConnectionFileError extends Error {}

/** Addresses a tcp socket can bind here: the wildcards and this machine's interfaces. */
function localAddresses(): string[] {
  const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return ["0.0.0.0", "::", "*", "localhost", ...own];
}

/**
 * Reads and checks a connection file up front — fields, transport, ip, ports, key and signature
 * scheme — so a bad file is one clear error naming the file and the field, instead of a native
 * abort inside zeromq (an unknown transport) or a socket that never binds.
 */
export function readConnectionFile(path: string): ConnectionInfo {
  const fail = (what: string): never => {
    throw new ConnectionFileError(`connection file ${path}: ${what}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return fail(`cannot be read as JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return fail("is not a JSON object");
  const c = raw as Record<string, unknown>;

  const transport = c.transport ?? "tcp";
  if (!(TRANSPORTS as readonly unknown[]).includes(transport)) fail(`transport ${JSON.stringify(transport)} is not supported (use one of: ${TRANSPORTS.join(", ")})`);
  if (typeof c.ip !== "string" || c.ip === "") fail(`ip is ${c.ip === undefined ? "missing" : JSON.stringify(c.ip)} (give an address of this machine, e.g. "127.0.0.1")`);
  const ip = c.ip as string;
  if (transport === "tcp") {
    if (!isIP(ip) && ip !== "*" && ip !== "localhost") fail(`ip "${ip}" is not an IP address (e.g. "127.0.0.1")`);
    const local = localAddresses();
    if (!local.includes(ip)) fail(`ip "${ip}" is not an address of this machine (use one of: ${[...new Set(local)].join(", ")})`);
  }

  const ports = {} as Record<PortField, number>;
  for (const field of PORT_FIELDS) {
    const v = c[field];
    if (v === undefined) fail(`${field} is missing (every one of ${PORT_FIELDS.join(", ")} is needed)`);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || (transport === "tcp" && v > 65535)) fail(`${field} is ${JSON.stringify(v)}, not a port number (1–65535)`);
    const clash = PORT_FIELDS.find((f) => f !== field && ports[f] === v);
    if (clash) fail(`${field} and ${clash} are both ${String(v)}: each socket needs its own port`);
    ports[field] = v as number;
  }

  const key = c.key ?? "";
  if (typeof key !== "string") fail(`key must be a string, got ${JSON.stringify(key)}`);
  const scheme = c.signature_scheme ?? "hmac-sha256";
  if (!(SIGNATURE_SCHEMES as readonly unknown[]).includes(scheme)) fail(`signature_scheme ${JSON.stringify(scheme)} is not supported (use one of: ${SIGNATURE_SCHEMES.join(", ")})`);

  return { transport: transport as ConnectionInfo["transport"], ip, ...ports, key: key as string, signature_scheme: scheme as string };
}

/** The ZeroMQ address of one of the kernel's sockets. */
export function socketUrl(conn: ConnectionInfo, port: number): string {
  return `${conn.transport}://${conn.ip}${conn.transport === "ipc" ? "-" : ":"}${port}`;
}

/**
 * Binds a socket, turning zeromq's bare error ("Address already in use") into one that names the
 * socket, the address and the connection file.
 */
export async function bindSocket(socket: { bind(url: string): Promise<void> }, name: string, url: string, file: string): Promise<void> {
  try {
    await socket.bind(url);
  } catch (err) {
    throw new ConnectionFileError(`connection file ${file}: cannot bind the ${name} socket to ${url}: ${(err as Error).message}`);
  }
}
