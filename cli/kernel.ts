import { parseArgs } from "node:util";
import type { InstallTarget } from "../kernel/install.js";

const USAGE = `usage:
  quantscope kernel install [--user | --prefix PREFIX | --sys-prefix] [--name NAME] [--display-name TEXT]
                            [--max-old-space-size MIB]   (the kernel's heap limit, written into kernel.json)
  quantscope kernel uninstall [--user | --prefix PREFIX | --sys-prefix] [--name NAME]
  quantscope kernel -f CONNECTION_FILE   (runs the kernel under a small supervisor that reports a death
                                         mid-cell, such as a full heap, to the notebook)`;

/** `quantscope kernel …`: install the kernelspec, or run the kernel on a connection file. */
export async function runKernel(args: string[]): Promise<number> {
  if (args[0] === "install" || args[0] === "uninstall") {
    const installing = args[0] === "install";
    const { installKernelSpec, installLabextension, uninstall } = await import("../kernel/install.js");
    const { values } = parseArgs({ args: args.slice(1), options: { user: { type: "boolean" }, prefix: { type: "string" }, "sys-prefix": { type: "boolean" }, name: { type: "string" }, ...(installing ? { "display-name": { type: "string" }, "max-old-space-size": { type: "string" } } : {}) } });
    const chosen = [values.user, values.prefix !== undefined, values["sys-prefix"]].filter(Boolean).length;
    if (chosen > 1) {
      console.error(`quantscope kernel ${args[0]}: choose one of --user, --prefix, --sys-prefix`);
      return 2;
    }
    const target: InstallTarget = values.prefix !== undefined ? { kind: "prefix", prefix: values.prefix } : values["sys-prefix"] ? { kind: "sys-prefix" } : { kind: "user" };
    const name = values.name as string | undefined;
    if (!installing) {
      const removed = uninstall(target, name);
      console.log(removed.length ? removed.map((d) => `removed ${d}`).join("\n") : `nothing to remove: no kernelspec '${name ?? "quantscope"}' there`);
      return 0;
    }
    const heap = values["max-old-space-size"] as string | undefined;
    if (heap !== undefined && !/^\d+$/.test(heap)) {
      console.error(`quantscope kernel install: --max-old-space-size takes a whole number of MiB, got '${heap}'`);
      return 2;
    }
    const dir = installKernelSpec(target, name, { displayName: values["display-name"] as string | undefined, maxOldSpaceSizeMb: heap === undefined ? undefined : Number(heap) });
    console.log(`installed kernelspec '${name ?? "quantscope"}' in ${dir}`);
    // The widgets' JupyterLab 4 extension goes in the same share/jupyter, so Lab renders them with no Python package.
    console.log(`installed JupyterLab extension in ${installLabextension(target)}`);
    return 0;
  }
  const { values } = parseArgs({ args, options: { f: { type: "string", short: "f" }, help: { type: "boolean", short: "h" } } });
  if (values.help || !values.f) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  // Only the supervisor runs in this process (node builtins only): the kernel is its child, started
  // from its start-up snapshot when there is one.
  const { superviseKernel } = await import("../kernel/supervisor.js");
  return superviseKernel(values.f);
}
