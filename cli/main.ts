#!/usr/bin/env node
/** The `quantscope` command: `demo`, `claims`, `kernel ...`, `report ...`, `sweep ...`, `worker`. */
const [command, ...args] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case "demo": {
      const { runDemo } = await import("./demo.js");
      return runDemo(args);
    }
    case "claims": {
      const { parseArgs } = await import("node:util");
      const { values } = parseArgs({ args, options: { from: { type: "string" }, readme: { type: "string" } } });
      if (!values.from) {
        console.error("usage: quantscope claims --from RESULTS_DIR [--readme README.md]\n  prints the claim table computed from a results folder; --readme rewrites it between the README's claims-table markers");
        return 2;
      }
      const { claimTableFromFolder, writeReadmeTable } = await import("../src/evaluate/claims-folder.js");
      const { claimTableMarkdown } = await import("../src/evaluate/claims.js");
      const md = values.readme ? await writeReadmeTable(values.from, values.readme) : claimTableMarkdown(await claimTableFromFolder(values.from));
      console.log(md);
      if (values.readme) console.log(`\nwritten to ${values.readme}`);
      return 0;
    }
    case "report": {
      const { runReport } = await import("./report.js");
      return runReport(args);
    }
    case "sweep": {
      const { runSweepCommand } = await import("./sweep.js");
      return runSweepCommand(args);
    }
    case "worker": {
      const { runWorker } = await import("./worker.js");
      return runWorker(args);
    }
    case "kernel": {
      const { runKernel } = await import("./kernel.js");
      return runKernel(args);
    }
    case undefined:
    case "-h":
    case "--help":
      console.log("usage: quantscope <demo | claims | kernel | report | sweep | worker> [options]");
      return command === undefined ? 1 : 0;
    default:
      console.error(`quantscope: unknown command '${command}' (try --help)`);
      return 2;
  }
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  // The message is what a user needs; QUANTSCOPE_DEBUG=1 adds the stack for a bug report.
  console.error(err instanceof Error ? (process.env.QUANTSCOPE_DEBUG ? err.stack : err.message) : err);
  process.exitCode = 1;
});
