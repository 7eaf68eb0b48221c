import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The folder of the quantscope package this code runs from: the nearest folder above this file
 * whose package.json is named `quantscope`. Found by walking up rather than by a fixed `../..`
 * so it holds for the TypeScript sources and the compiled `dist/` alike.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (nameAt(dir) === "quantscope") return (root = dir);
    if (dirname(dir) === dir) throw new Error(`no package.json named "quantscope" in ${start} or any folder above it`);
  }
}

function nameAt(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** The fields of quantscope's package.json that the code reads. */
export interface PackageManifest {
  readonly name: "quantscope";
  readonly version: string;
  /** Entry point of the library (what `import … from "quantscope"` loads), relative to the root. */
  readonly main: string;
  /** The `quantscope` command's script, relative to the root. */
  readonly bin: { readonly quantscope: string };
}

/** quantscope's package.json. */
export const PACKAGE_JSON: PackageManifest = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8"));

/** The package version: stamped on result tables, reported by the kernel and the widget bundle. */
export const QUANTSCOPE_VERSION: string = PACKAGE_JSON.version;
