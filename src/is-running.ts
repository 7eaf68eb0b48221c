/**
 * Whether process `pid` of this machine is running: signal 0 checks without sending anything. EPERM
 * means it exists under another user, so it counts as running.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
