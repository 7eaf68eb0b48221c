import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { PACKAGE_JSON, packageRoot } from "../src/package-root.js";
import { typescriptPath, warmState } from "./snapshot.js";

/** Root of the quantscope package this kernel runs from (…/quantscope). */
const PACKAGE_ROOT = packageRoot();
const LIBRARY_ENTRY = join(PACKAGE_ROOT, PACKAGE_JSON.main);

const require = createRequire(import.meta.url);
type TS = typeof import("@tslab/typescript-for-tslab");
// As tslab's converter requires it: the instance a start-up snapshot warmed, when there is one.
const ts = require(typescriptPath()) as TS;
const { createConverter, isCompleteCode } = require("tslab/dist/converter.js") as typeof import("tslab/dist/converter.js");
const { createExecutor } = require("tslab/dist/executor.js") as typeof import("tslab/dist/executor.js");

/**
 * Module resolution for cells: first from the notebook's folder as tslab does; then `quantscope`
 * itself and any package of the kernel's own install. So `import … from "quantscope"` type-checks
 * and runs in any folder without a local install. tslab does the same for its own package by
 * forwarding `<cwd>/node_modules/tslab` paths in the compiler's file system; this forwards missing
 * `<cwd>/node_modules/…` paths to the kernel's install.
 */
function installResolutionFallback(cwd: string): (path: string) => string {
  const sys = ts.sys as typeof ts.sys & { quantscopeForwarding?: (path: string) => string };
  if (sys.quantscopeForwarding) return sys.quantscopeForwarding;
  const local = join(cwd, "node_modules") + sep;
  const fileExists = sys.fileExists.bind(sys);
  const directoryExists = sys.directoryExists.bind(sys);
  const forward = (path: string): string => {
    if (!path.startsWith(local) || fileExists(path) || directoryExists(path)) return path;
    const rest = path.slice(local.length);
    // quantscope's own dependencies resolve one level up, as `<cwd>/node_modules/<dep>`: types reached
    // through `quantscope/node_modules/…` cannot be named in the declarations tslab emits per cell.
    if (rest.startsWith(join("quantscope", "node_modules") + sep)) return path;
    if (rest === "quantscope" || rest.startsWith("quantscope" + sep)) return join(PACKAGE_ROOT, rest.slice("quantscope".length));
    return join(PACKAGE_ROOT, "node_modules", rest);
  };
  sys.quantscopeForwarding = forward;
  const readFile = sys.readFile.bind(sys);
  const realpath = sys.realpath?.bind(sys);
  sys.fileExists = (p) => fileExists(forward(p));
  sys.directoryExists = (p) => directoryExists(forward(p));
  sys.readFile = (p, enc) => readFile(forward(p), enc);
  if (realpath) sys.realpath = (p) => (forward(p) === p ? realpath(p) : p);
  const getDirectories = sys.getDirectories.bind(sys);
  const readDirectory = sys.readDirectory.bind(sys);
  // Every package under a type root becomes global declarations of every cell. The kernel's own
  // `@types` hold its tools' types too (jquery, lodash, react…): forwarded wholesale they would leak
  // globals into notebooks and triple the kernel's start-up (parsing them) and each cell's check.
  // A notebook folder without its own `@types` gets Node's only, as tslab gives it.
  const typeRoot = join(local, "@types");
  sys.getDirectories = (p) => {
    const f = forward(p);
    const dirs = getDirectories(f);
    return f !== p && p === typeRoot ? dirs.filter((d) => d === "node") : dirs;
  };
  // Entries come back under the forwarded folder; report them under the path that was asked for.
  sys.readDirectory = (p, ...rest) => {
    const f = forward(p);
    return readDirectory(f, ...rest).map((e) => (f === p ? e : join(p, e.slice(f.length))));
  };
  return forward;
}

type WarmFiles = NonNullable<import("tslab/dist/converter.js").ConverterOptions["sourceFiles"]>;

/**
 * The start-up snapshot's files as the converter asks for them: by the path the compiler uses,
 * which for the kernel's own packages is a path under the notebook folder (forwarded, see
 * installResolutionFallback), while the snapshot holds them by the file's real path.
 */
function warmFilesFor(forward: (path: string) => string): WarmFiles | undefined {
  const files = warmState()?.files;
  if (!files) return undefined;
  return {
    get: (name: string) => {
      const real = forward(name);
      const w = files.get(real);
      return w && { ...w, path: real };
    },
  } as WarmFiles;
}

/** The same fallback for `require` at run time. */
function kernelRequire(notebookRequire: NodeJS.Require): NodeJS.Require {
  const own = createRequire(join(PACKAGE_ROOT, "package.json"));
  const req = ((id: string) => {
    if (id === "quantscope") return own(LIBRARY_ENTRY);
    try {
      return notebookRequire(id);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== "MODULE_NOT_FOUND" && code !== "ERR_MODULE_NOT_FOUND") throw err;
      return own(id);
    }
  }) as NodeJS.Require;
  return Object.assign(req, { resolve: notebookRequire.resolve, cache: notebookRequire.cache });
}

/** What running a cell produced. */
export type ExecuteOutcome =
  | { ok: true; hasValue: boolean; value?: unknown }
  | { ok: false; ename: string; evalue: string; traceback: string[] };

export interface CompletionResult {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
}

/**
 * tslab's TypeScript executor (transpile with type checks, cell-to-cell state, top-level await)
 * with its outcomes captured as values rather than printed: the last expression becomes an
 * `execute_result`, diagnostics and exceptions become `error` messages.
 */
export class CellExecutor {
  private readonly executor: import("tslab/dist/executor.js").Executor;
  private lastValue: { value: unknown } | null = null;
  private errors: unknown[][] = [];
  /** The declaration files the first program read and its compiler options: what a start-up snapshot should hold. */
  readonly startupFiles: { files: string[]; compilerOptions: Record<string, unknown> };

  constructor(rootDir = process.cwd()) {
    const forward = installResolutionFallback(rootDir);
    const sourceFiles = warmFilesFor(forward);
    const node = createConverter({ isJS: false, isBrowser: false, sourceFiles });
    const loaded = node.libraryFiles();
    this.startupFiles = { files: loaded.files.map(forward), compilerOptions: loaded.compilerOptions as Record<string, unknown> };
    // The browser converter (DOM types: seconds to parse) serves only `/** @browser */` cells:
    // made on first use, not at start-up.
    let browser: ReturnType<typeof createConverter> | undefined;
    const converters = {
      node,
      get browser() {
        return (browser ??= createConverter({ isJS: false, isBrowser: true, sourceFiles }));
      },
      close: () => {
        node.close();
        browser?.close();
      },
    };
    this.executor = createExecutor(rootDir, converters, {
      log: (value: unknown) => { this.lastValue = { value }; },
      error: (...args: unknown[]) => { this.errors.push(args); },
    });
    const g = globalThis as { __tslab__?: { require: NodeJS.Require } };
    if (g.__tslab__) g.__tslab__.require = kernelRequire(g.__tslab__.require);
  }

  async execute(code: string): Promise<ExecuteOutcome> {
    this.lastValue = null;
    this.errors = [];
    const ok = await this.executor.execute(code);
    // Set by the console callback during execute, which the compiler cannot see.
    const last = this.lastValue as { value: unknown } | null;
    if (ok) return last ? { ok: true, hasValue: true, value: last.value } : { ok: true, hasValue: false };
    return this.describeError();
  }

  private describeError(): ExecuteOutcome & { ok: false } {
    const diagnostics = this.errors.filter((a) => a[0] === "%s%d:%d - %s");
    if (diagnostics.length) {
      const lines = diagnostics.map(([, file, line, col, text]) => `${file ? `${String(file)} ` : ""}cell line ${line}, column ${col}: ${String(text)}`);
      return { ok: false, ename: "TypeScriptError", evalue: lines[0]!, traceback: lines };
    }
    const err = this.errors.map((a) => a[0]).find((e) => e !== undefined);
    if (err instanceof Error) {
      const interrupted = /Script execution (was )?interrupted|Interrupted asynchronously/.test(err.message);
      return { ok: false, ename: interrupted ? "KeyboardInterrupt" : err.name, evalue: err.message, traceback: (err.stack ?? `${err.name}: ${err.message}`).split("\n") };
    }
    const text = err === undefined ? "execution failed" : String(err);
    return { ok: false, ename: "Error", evalue: text, traceback: [text] };
  }

  /** Stops pending top-level awaits (synchronous loops are stopped by SIGINT itself). */
  interrupt(): void {
    this.executor.interrupt();
  }

  complete(code: string, cursor: number): CompletionResult {
    const info = this.executor.complete(code, cursor);
    return { matches: info.candidates, cursorStart: info.start, cursorEnd: info.end };
  }

  inspect(code: string, cursor: number): string | null {
    const info = this.executor.inspect(code, cursor);
    if (!info) return null;
    const sig = ts.displayPartsToString(info.displayParts);
    const doc = ts.displayPartsToString(info.documentation);
    return doc ? `${sig}\n\n${doc}` : sig;
  }

  isComplete(code: string): { status: "complete" | "incomplete"; indent: string } {
    const r = isCompleteCode(code);
    return r.completed ? { status: "complete", indent: "" } : { status: "incomplete", indent: r.indent ?? "" };
  }

  close(): void {
    this.executor.close();
  }
}
