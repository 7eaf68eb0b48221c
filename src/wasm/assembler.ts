/**
 * A tiny WebAssembly assembler: LEB128 encoders, the instructions our kernels use, and a module
 * writer. Kernels are assembled byte by byte at load time, so no toolchain is needed to build them.
 * Instruction helpers return byte arrays to splice into a function body.
 */

export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const str = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
// instructions
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const i32c = (n: number) => [0x41, ...sleb(n)];
export const add = [0x6a], sub = [0x6b], mul32 = [0x6c], ltu = [0x49];
export const loopStart = [0x03, 0x40], end = [0x0b];
export const brIf = (d: number) => [0x0d, ...uleb(d)];
export const simd = (op: number) => [0xfd, ...uleb(op)];
export const vload = (off = 0) => [...simd(0x00), 0, ...uleb(off)];
export const vstore = (off = 0) => [...simd(0x0b), 0, ...uleb(off)];
export const load8x8s = (off = 0) => [...simd(0x01), 0, ...uleb(off)];
export const load8x8u = (off = 0) => [...simd(0x02), 0, ...uleb(off)];
export const vconst = (bytes: number[]) => [...simd(0x0c), ...bytes];
export const i16splatConst = (v: number) => vconst(Array.from({ length: 16 }, (_, i) => (i & 1 ? (v >> 8) & 0xff : v & 0xff)));
export const i8splatConst = (v: number) => vconst(Array.from({ length: 16 }, () => v & 0xff));
export const f32splat = simd(0x13);
export const vand = simd(0x4e), vor = simd(0x50);
export const fabs = simd(0xe0), fadd = simd(0xe4), fsub = simd(0xe5), fmul = simd(0xe6), fpmin = simd(0xea), fpmax = simd(0xeb);
/** f32x4.min/max: unlike pmin/pmax, a NaN operand gives NaN (V8 lowers them to several instructions each). */
export const vfmin = simd(0xe8), vfmax = simd(0xe9);
/** f32x4.ne: all-ones lanes (a NaN pattern) where the operands differ, which for `x ≠ x` marks NaN lanes. */
export const fne = simd(0x42);
export const convertS = simd(0xfa);
export const narrow8s = simd(0x65), narrow8u = simd(0x66), narrow16s = simd(0x85);
export const ext32lo = simd(0xa7), ext32hi = simd(0xa8);
export const i8shl = simd(0x6b), i8shrS = simd(0x6c), i8shrU = simd(0x6d), i16shrU = simd(0x8d);
export const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];

/** `do { body } while (cond)` as loop … br_if 0 … end. */
export const doWhile = (body: number[], cond: number[]) => [...loopStart, ...body, ...cond, ...brIf(0), ...end];

/** One function of a module: signature, extra locals (after the params) and its body. */
export interface Fn {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

/**
 * A module of `fns`, each exported under its name, and an exported `memory`: its own (one page, grown by
 * callers), or with `importMemory` the `env.memory` it is instantiated with — another module's memory, so
 * the kernels work on that module's data in place.
 */
export function assemble(fns: Fn[], { importMemory = false } = {}): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const code = fns.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, ...end];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(importMemory ? section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, ...uleb(1)]])) : []),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...(importMemory ? [] : section(5, vec([[0x00, ...uleb(1)]]))),
    ...section(7, vec([...fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]), [...str("memory"), 0x02, 0x00]])),
    ...section(10, vec(code)),
  ];
  return new Uint8Array(bytes);
}

/**
 * Instantiates the kernels `fns` lazily, once per memory: `load()` with a memory of their own, `load(memory)`
 * in another module's memory (the tfjs wasm heap, see `tfjs-heap.ts`). Returns null where the module does
 * not compile (no WebAssembly SIMD), so callers fall back to tfjs or plain JS.
 */
export function kernelLoader<K>(fns: () => Fn[]): (memory?: WebAssembly.Memory) => K | null {
  const modules = new Map<boolean, WebAssembly.Module | null>();
  const instances = new WeakMap<WebAssembly.Memory, K>();
  let own: K | null | undefined;
  const compile = (importMemory: boolean): WebAssembly.Module | null => {
    if (!modules.has(importMemory)) {
      try {
        modules.set(importMemory, new WebAssembly.Module(assemble(fns(), { importMemory })));
      } catch (e) {
        if ((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.QUANTSCOPE_DEBUG_WASM) console.error(e);
        modules.set(importMemory, null);
      }
    }
    return modules.get(importMemory)!;
  };
  return (memory) => {
    if (!memory) {
      if (own === undefined) {
        const mod = compile(false);
        own = mod ? (new WebAssembly.Instance(mod, {}).exports as K) : null;
      }
      return own;
    }
    const known = instances.get(memory);
    if (known) return known;
    const mod = compile(true);
    if (!mod) return null;
    const k = new WebAssembly.Instance(mod, { env: { memory } }).exports as K;
    instances.set(memory, k);
    return k;
  };
}
