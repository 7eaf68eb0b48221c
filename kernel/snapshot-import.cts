/** `import()` for the kernel's start-up snapshot (snapshot-entry.cts), which cannot call it itself. */
module.exports = (url: string): Promise<unknown> => import(url);
