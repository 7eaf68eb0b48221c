/**
 * Polls `ready` until it holds, or fails with `what()` after `ms` (a bound, so a broken system fails
 * with a message rather than hanging; never an assertion on speed).
 */
export async function until(ready: () => boolean | Promise<boolean>, ms: number, what: () => string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms / 1000} s: ${what()}`);
    await new Promise((ok) => setTimeout(ok, everyMs));
  }
}
