#!/usr/bin/env node
/** The `quantscope` command: `demo`, `kernel ...`, `report ...`. */
const [command, ...args] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case "demo": {
      const { runDemo } = await import("./demo.js");
      return runDemo(args);
    }
    case "kernel": {
      const { runKernelCli } = await import("../../kernel/cli.js");
      return runKernelCli(args);
    }
    case undefined:
    case "-h":
    case "--help":
      console.log("usage: quantscope <demo | kernel | report> [options]");
      return command === undefined ? 1 : 0;
    default:
      console.error(`quantscope: unknown command '${command}' (try --help)`);
      return 2;
  }
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
