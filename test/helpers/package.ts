import { join } from "node:path";
import { PACKAGE_JSON, packageRoot } from "../../src/package-root.js";

/** The package root: tests run from dist/test, while scripts, notebooks and pages stay in the source tree. */
export const ROOT = packageRoot();

/** The `quantscope` command as npm installs it (package.json `bin`), for tests that spawn it. */
export const CLI = join(ROOT, PACKAGE_JSON.bin.quantscope);
