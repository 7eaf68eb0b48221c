/**
 * The kernel process, started by launch.ts with the connection file as its argument (from the
 * start-up snapshot when there is one). It ends when its launcher is gone.
 */
import { Kernel } from "./server.js";

// First thing: tells the launcher that node started this process (from the snapshot, if given one).
process.send?.("booted");
process.on("disconnect", () => process.exit(1));
process.channel?.unref();

const file = process.argv[2];
if (!file) {
  console.error("kernel-main: run by `quantscope kernel -f CONNECTION_FILE`");
  process.exit(2);
}
try {
  await Kernel.fromFile(file).start();
} catch (err) {
  // Exit now: zeromq's threads would otherwise keep a kernel that never started alive.
  console.error(`quantscope kernel: ${(err as Error).message}`);
  process.exit(1);
}
