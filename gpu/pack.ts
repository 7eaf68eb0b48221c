import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, relative, sep } from "node:path";
import { writeFileAtomic } from "../src/store/atomic.js";
import { numericTestFiles } from "./numeric.js";

/** Debian packages the GPU machine may lack for Vulkan (see run.sh). */
export const VULKAN_DEBS = ["libvulkan1", "libglvnd0"] as const;

/** What the device tool carries: at most this many bytes of working tree (tracked files and carried paths together)… */
export const CARRY_LIMIT_BYTES = 64 * 2 ** 20;
/** …in at most this many carried paths. The pack is one. */
export const CARRY_MAX_PATHS = 8;

export interface PackSpec {
  /** Repository root (where dist/ and node_modules/ are). */
  readonly repo: string;
  /** Output folder, inside the repository and ignored by git (`.device/pack`). */
  readonly dir: string;
  readonly xzLevel: number;
  readonly vulkanDebs: boolean;
  readonly log: (line: string) => void;
}

export interface PackedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
}

/** `.device/pack/manifest.json`: what the pack holds and why it fits. */
export interface PackManifest {
  readonly created_at: string;
  /** The Node binary packed as node.xz; `sha256` is the uncompressed binary's, to reuse node.xz while it is unchanged. */
  readonly node: { readonly version: string; readonly source: string; readonly sha256: string; readonly xz_level: number };
  readonly files: readonly PackedFile[];
  readonly packages: readonly PackedPackage[];
  /** Packages the carried ones declare as dependencies but that no traced code loads. */
  readonly declared_not_loaded: readonly string[];
  /** Packages select.ts can load that are not installed here (so not carried). */
  readonly not_installed: readonly string[];
  readonly vulkan_debs: readonly string[] | "skipped";
  readonly pack_bytes: number;
  readonly tracked_tree_bytes: number;
  readonly carry: readonly string[];
  readonly carry_limit_bytes: number;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): string {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (res.error) throw new Error(`${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

/**
 * The packages src/backend/select.ts loads by name at run time (`importOptional("…")`): a tracer
 * cannot follow an import of a variable, so they are read from the compiled file instead of listed.
 */
export function dynamicBackendPackages(repo: string): string[] {
  const source = readFileSync(join(repo, "dist/src/backend/select.js"), "utf8");
  const names = [...source.matchAll(/importOptional\("([^"]+)"\)/g)].map((m) => m[1]!);
  if (names.length === 0) throw new Error("found no importOptional(\"…\") calls in dist/src/backend/select.js: the pack cannot know which backends to carry");
  return [...new Set(names)];
}

/** The package folder a file in node_modules belongs to (…/node_modules/name or …/node_modules/@scope/name). */
function packageDirOf(file: string): string | null {
  const parts = file.split(sep);
  const i = parts.lastIndexOf("node_modules");
  if (i < 0) return null;
  const n = parts[i + 1]?.startsWith("@") ? 2 : 1;
  return parts.slice(0, i + 1 + n).join(sep);
}

const FOREIGN_PLATFORM = /(^|[-_/])(darwin|win32|windows|linux-arm64|arm64|aarch64)([-_/.]|$)/;

/** Files a package needs besides the JavaScript a tracer sees: native addons and wasm binaries loaded by path, and licences. */
async function assetsOf(pkgDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await readdir(pkgDir, { recursive: true })) {
    if (rel.split(sep).includes("node_modules")) continue;
    const ext = extname(rel);
    const isLicense = /^(licen[sc]e|notice|copying)/i.test(basename(rel)) && !rel.includes(sep);
    if ((ext === ".node" || ext === ".wasm") && !FOREIGN_PLATFORM.test(rel)) out.push(join(pkgDir, rel));
    else if (isLicense) out.push(join(pkgDir, rel));
  }
  return out;
}

/**
 * Which files under node_modules the GPU check loads: esbuild resolves, as Node does (main field,
 * `node`/`import`/`require` conditions), every static import and require from the numeric tests, the
 * check itself and the backends select.ts loads by name; each package reached then also keeps its
 * package.json, native addons and wasm binaries. The dry run from the unpacked pack
 * (test/gpu/check.test.ts) proves the closure complete for every path but WebGPU's adapter.
 */
export async function traceNodeModules(repo: string): Promise<{ files: string[]; packages: PackedPackage[]; declaredNotLoaded: string[]; notInstalled: string[] }> {
  const esbuild = await import("esbuild");
  const requireHere = createRequire(join(repo, "package.json"));
  const notInstalled: string[] = [];
  const installed: string[] = [];
  for (const name of dynamicBackendPackages(repo)) {
    try {
      requireHere.resolve(name);
      installed.push(name);
    } catch {
      notInstalled.push(name);
    }
  }
  // The backends enter as imports of their names, resolved like every other import (through a
  // node_modules link, if it is one, not to where it points).
  const rootsDir = await mkdtemp(join(tmpdir(), "qs-pack-"));
  const rootsFile = join(rootsDir, "roots.mjs");
  await writeFile(rootsFile, installed.map((n) => `import ${JSON.stringify(n)};`).join("\n"));
  const entryPoints = [...(await numericTestFiles(join(repo, "dist/test"))), join(repo, "dist/gpu/check.js"), rootsFile];
  const result = await esbuild.build({
    entryPoints, absWorkingDir: repo, nodePaths: [join(repo, "node_modules")], bundle: true, write: false, metafile: true, outdir: rootsDir,
    platform: "node", format: "esm", mainFields: ["main"], conditions: [], preserveSymlinks: true, logLevel: "silent",
    // The pack stage itself never runs on the GPU machine.
    external: ["esbuild"],
  }).finally(() => rm(rootsDir, { recursive: true, force: true }));
  const traced = Object.keys(result.metafile.inputs).map((f) => join(repo, f)).filter((f) => f.includes(`${sep}node_modules${sep}`));
  const outside = traced.filter((f) => !f.startsWith(join(repo, "node_modules") + sep));
  if (outside.length) throw new Error(`the trace left the repository's node_modules (${outside.slice(0, 3).join(", ")}): paths in the pack would not resolve there`);
  const byPackage = new Map<string, Set<string>>();
  for (const f of traced) {
    const dir = packageDirOf(f)!;
    if (!byPackage.has(dir)) byPackage.set(dir, new Set([join(dir, "package.json")]));
    byPackage.get(dir)!.add(f);
  }
  const packages: PackedPackage[] = [];
  const files: string[] = [];
  const carriedNames = new Set<string>();
  const declared = new Set<string>();
  for (const [dir, set] of [...byPackage].sort(([a], [b]) => a.localeCompare(b))) {
    for (const a of await assetsOf(dir)) set.add(a);
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name: string; version: string; dependencies?: Record<string, string> };
    carriedNames.add(pkg.name);
    for (const d of Object.keys(pkg.dependencies ?? {})) declared.add(d);
    let bytes = 0;
    for (const f of set) bytes += (await stat(f)).size;
    packages.push({ name: pkg.name, version: pkg.version, dir: relative(repo, dir), files: set.size, bytes });
    files.push(...set);
  }
  const declaredNotLoaded = [...declared].filter((d) => !carriedNames.has(d)).sort();
  return { files: files.map((f) => relative(repo, f)).sort(), packages, declaredNotLoaded, notInstalled };
}

/** tar + xz of repository-relative paths, written atomically. */
async function tarXz(repo: string, paths: readonly string[], out: string, level: number): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  // -h: node_modules may be a symlink to a shared install; store the files, not the link.
  const tar = spawnSync("sh", ["-c", `tar -C "$1" -chf - --owner=0 --group=0 --numeric-owner -T - | xz -T0 -${level} > "$2"`, "sh", repo, tmp], { input: paths.join("\n") + "\n", encoding: "utf8" });
  if (tar.status !== 0) throw new Error(`packing ${basename(out)} failed: ${tar.stderr.trim()}`);
  await rename(tmp, out);
}

async function walk(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Bytes of the tracked working tree: it travels with every `run`, beside the carried pack. */
function trackedTreeBytes(repo: string): number {
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo }).split("\0").filter(Boolean);
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += readFileSync(join(repo, f)).byteLength;
    } catch {
      // Deleted but still in the index: it will not travel.
    }
  }
  return bytes;
}

/**
 * Packs what a bare GPU machine needs into `spec.dir`: this machine's Node binary (xz), the traced
 * node_modules and dist/ (tar.xz), and the libvulkan1 debs. Asserts the pack, with the tracked
 * tree that travels beside it, fits the device tool's carry limit, and prints the sizes.
 */
export async function pack(spec: PackSpec): Promise<PackManifest> {
  const { repo, dir, log } = spec;
  if (!existsSync(join(repo, "dist/gpu/check.js"))) throw new Error("dist/ is not built: run `npm run build` first");
  if (process.platform !== "linux" || process.arch !== "x64") throw new Error(`the GPU machine is linux-x64; this Node is ${process.platform}-${process.arch}, whose binary and addons would not run there`);
  await mkdir(dir, { recursive: true });
  const manifestPath = join(dir, "manifest.json");
  const previous = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, "utf8")) as PackManifest) : null;

  // Node: xz of the running binary; reused while the binary and level are unchanged (it takes a minute).
  const nodeSource = realpathSync(process.execPath);
  const nodeSha = await sha256(nodeSource);
  const nodeOut = join(dir, "node.xz");
  if (previous?.node.sha256 === nodeSha && previous.node.xz_level === spec.xzLevel && existsSync(nodeOut)) log(`  node.xz: reused (${process.version})`);
  else {
    log(`  node.xz: compressing ${nodeSource} (${process.version}) …`);
    const tmp = `${nodeOut}.${process.pid}.tmp`;
    const res = spawnSync("sh", ["-c", `xz -T0 -${spec.xzLevel} -c "$1" > "$2"`, "sh", nodeSource, tmp], { encoding: "utf8" });
    if (res.status !== 0) throw new Error(`xz of the node binary failed: ${res.stderr.trim()}`);
    await rename(tmp, nodeOut);
  }

  log("  node_modules: tracing what the check loads …");
  const traced = await traceNodeModules(repo);
  await tarXz(repo, traced.files, join(dir, "node_modules.tar.xz"), spec.xzLevel);
  const distFiles = (await walk(join(repo, "dist"))).map((f) => relative(repo, f)).filter((f) => !f.startsWith(`dist${sep}kernel${sep}`));
  await tarXz(repo, distFiles, join(dir, "dist.tar.xz"), spec.xzLevel);

  let debs: string[] | "skipped" = "skipped";
  const debDir = join(dir, "debs");
  await rm(debDir, { recursive: true, force: true });
  if (spec.vulkanDebs) {
    await mkdir(debDir, { recursive: true });
    // The Vulkan loader (libvulkan1 depends on libc6 alone), and libglvnd0's libGLdispatch.so.0, which
    // NVIDIA's Vulkan ICD library (libGLX_nvidia.so.0) links against; run.sh uses them only where the
    // machine lacks them.
    run("apt-get", ["download", ...VULKAN_DEBS], { cwd: debDir });
    debs = (await readdir(debDir)).filter((f) => f.endsWith(".deb"));
    if (debs.length !== VULKAN_DEBS.length) throw new Error(`apt-get download ${VULKAN_DEBS.join(" ")} wrote ${debs.join(", ") || "no .deb"}`);
  }

  const files: PackedFile[] = [];
  for (const f of (await walk(dir)).sort()) {
    const rel = relative(dir, f);
    if (rel === "manifest.json" || rel.endsWith(".tmp")) continue;
    files.push({ path: rel, bytes: (await stat(f)).size, sha256: await sha256(f) });
  }
  const packBytes = files.reduce((a, f) => a + f.bytes, 0);
  const treeBytes = trackedTreeBytes(repo);
  const carry = [relative(repo, dir)];
  const manifest: PackManifest = {
    created_at: new Date().toISOString(),
    node: { version: process.version, source: nodeSource, sha256: nodeSha, xz_level: spec.xzLevel },
    files,
    packages: traced.packages,
    declared_not_loaded: traced.declaredNotLoaded,
    not_installed: traced.notInstalled,
    vulkan_debs: debs,
    pack_bytes: packBytes,
    tracked_tree_bytes: treeBytes,
    carry,
    carry_limit_bytes: CARRY_LIMIT_BYTES,
  };
  await writeFileAtomic(manifestPath, new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n"));
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  for (const f of files) log(`  ${f.path.padEnd(40)} ${mib(f.bytes).padStart(11)}`);
  log(`  ${traced.packages.length} packages, ${traced.files.length} files from node_modules (${mib(traced.packages.reduce((a, p) => a + p.bytes, 0))} before xz)`);
  log(`  pack ${mib(packBytes)} + tracked tree ${mib(treeBytes)} = ${mib(packBytes + treeBytes)} of ${mib(CARRY_LIMIT_BYTES)}; carry: ${JSON.stringify(carry)}`);
  if (packBytes + treeBytes >= CARRY_LIMIT_BYTES) throw new Error(`the pack (${mib(packBytes)}) and the tracked tree (${mib(treeBytes)}) exceed the ${mib(CARRY_LIMIT_BYTES)} the device tool carries`);
  if (carry.length > CARRY_MAX_PATHS) throw new Error(`the pack needs ${carry.length} carried paths; the device tool takes ${CARRY_MAX_PATHS}`);
  return manifest;
}
