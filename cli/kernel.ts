import { parseArgs } from "node:util";
import { installKernelSpec, type InstallTarget } from "../kernel/install.js";

const USAGE = `usage:
  quantscope kernel install [--user | --prefix PREFIX | --sys-prefix] [--name NAME] [--display-name TEXT]
                            [--max-old-space-size MIB]   (the kernel's heap limit, written into kernel.json)
  quantscope kernel -f CONNECTION_FILE`;

/** `quantscope kernel …`: install the kernelspec, or run the kernel on a connection file. */
export async function runKernel(args: string[]): Promise<number> {
  if (args[0] === "install") {
    const { values } = parseArgs({ args: args.slice(1), options: { user: { type: "boolean" }, prefix: { type: "string" }, "sys-prefix": { type: "boolean" }, name: { type: "string" }, "display-name": { type: "string" }, "max-old-space-size": { type: "string" } } });
    const chosen = [values.user, values.prefix !== undefined, values["sys-prefix"]].filter(Boolean).length;
    if (chosen > 1) {
      console.error("quantscope kernel install: choose one of --user, --prefix, --sys-prefix");
      return 2;
    }
    const target: InstallTarget = values.prefix !== undefined ? { kind: "prefix", prefix: values.prefix } : values["sys-prefix"] ? { kind: "sys-prefix" } : { kind: "user" };
    const heap = values["max-old-space-size"];
    if (heap !== undefined && !/^\d+$/.test(heap)) {
      console.error(`quantscope kernel install: --max-old-space-size takes a whole number of MiB, got '${heap}'`);
      return 2;
    }
    const dir = installKernelSpec(target, values.name, { displayName: values["display-name"], maxOldSpaceSizeMb: heap === undefined ? undefined : Number(heap) });
    console.log(`installed kernelspec '${values.name ?? "quantscope"}' in ${dir}`);
    return 0;
  }
  const { values } = parseArgs({ args, options: { f: { type: "string", short: "f" }, help: { type: "boolean", short: "h" } } });
  if (values.help || !values.f) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const { Kernel } = await import("../kernel/server.js");
  try {
    await Kernel.fromFile(values.f).start();
  } catch (err) {
    // Exit now: zeromq's threads would otherwise keep a kernel that never started alive.
    console.error(`quantscope kernel: ${(err as Error).message}`);
    process.exit(1);
  }
  // The kernel runs until a shutdown request (or a signal from the Jupyter server) ends the process.
  return new Promise<number>(() => undefined);
}
