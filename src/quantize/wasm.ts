/**
 * A small WebAssembly SIMD module, assembled here byte by byte (no toolchain needed), with the hot
 * loops of the integer quantizer: block statistics, quantize (multiply by the reciprocal, clamp,
 * round half to even by the float32 magic-number add, add zero point, saturating narrow to 8 bits), int4
 * packing, unpacking and dequantization. Every step is the same IEEE float32 operation as the
 * scalar JS path in `int.ts`, so both produce identical codes (tests check it).
 *
 * All sizes passed in are byte counts or counts that the caller guarantees to be positive multiples
 * of 16 elements (32 for packing); pointers are byte offsets into the module's exported memory.
 */

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
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
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
// instructions
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const add = [0x6a], sub = [0x6b], mul32 = [0x6c], ltu = [0x49];
const loopStart = [0x03, 0x40], end = [0x0b];
const brIf = (d: number) => [0x0d, ...uleb(d)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const vload = (off = 0) => [...simd(0x00), 0, ...uleb(off)];
const vstore = (off = 0) => [...simd(0x0b), 0, ...uleb(off)];
const load8x8s = (off = 0) => [...simd(0x01), 0, ...uleb(off)];
const load8x8u = (off = 0) => [...simd(0x02), 0, ...uleb(off)];
const vconst = (bytes: number[]) => [...simd(0x0c), ...bytes];
const i16splatConst = (v: number) => vconst(Array.from({ length: 16 }, (_, i) => (i & 1 ? (v >> 8) & 0xff : v & 0xff)));
const i8splatConst = (v: number) => vconst(Array.from({ length: 16 }, () => v & 0xff));
const f32splat = simd(0x13);
const vand = simd(0x4e), vor = simd(0x50);
const fabs = simd(0xe0), fadd = simd(0xe4), fsub = simd(0xe5), fmul = simd(0xe6), fpmin = simd(0xea), fpmax = simd(0xeb);
const convertS = simd(0xfa);
const narrow8s = simd(0x65), narrow8u = simd(0x66), narrow16s = simd(0x85);
const ext32lo = simd(0xa7), ext32hi = simd(0xa8);
const i8shl = simd(0x6b), i8shrS = simd(0x6c), i8shrU = simd(0x6d), i16shrU = simd(0x8d);
const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];

/** `do { body } while (cond)` as loop … br_if 0 … end. */
const doWhile = (body: number[], cond: number[]) => [...loopStart, ...body, ...cond, ...brIf(0), ...end];

interface Fn {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

// ---- statistics ---------------------------------------------------------------------------------
// statsCols(x, rows, rowBytes, mx, mn): per column over rows: mx = pmax(mx, |x|) (sym) or mx = pmax(mx, x), mn = pmin(mn, x)
function statsCols(asym: boolean): Fn {
  const [x, rows, rb, mx, mn, c] = [0, 1, 2, 3, 4, 5];
  const v = 6;
  const body = doWhile(
    [
      ...i32c(0), ...set(c),
      ...doWhile(
        [
          ...get(x), ...get(c), ...add, ...vload(), ...set(v),
          ...get(mx), ...get(c), ...add,
          ...get(mx), ...get(c), ...add, ...vload(), ...get(v), ...(asym ? [] : fabs), ...fpmax,
          ...vstore(),
          ...(asym ? [...get(mn), ...get(c), ...add, ...get(mn), ...get(c), ...add, ...vload(), ...get(v), ...fpmin, ...vstore()] : []),
          ...get(c), ...i32c(16), ...add, ...set(c),
        ],
        [...get(c), ...get(rb), ...ltu],
      ),
      ...get(x), ...get(rb), ...add, ...set(x),
      ...get(rows), ...i32c(1), ...sub, ...set(rows),
    ],
    [...get(rows)],
  );
  return { name: asym ? "statsColsAsym" : "statsColsSym", params: [I32, I32, I32, I32, I32], results: [], locals: [I32, V128], body };
}

// statsFlat(x, nBytes, out): 4-lane running pmax(|x|) (sym) or pmax/pmin (asym) stored at out, out+16
function statsFlat(asym: boolean): Fn {
  const [x, nb, out, i, mx, mn, v] = [0, 1, 2, 3, 4, 5, 6];
  const body = [
    ...doWhile(
      [
        ...get(x), ...get(i), ...add, ...vload(), ...set(v),
        ...get(mx), ...get(v), ...(asym ? [] : fabs), ...fpmax, ...set(mx),
        ...(asym ? [...get(mn), ...get(v), ...fpmin, ...set(mn)] : []),
        ...get(i), ...i32c(16), ...add, ...set(i),
      ],
      [...get(i), ...get(nb), ...ltu],
    ),
    ...get(out), ...get(mx), ...vstore(0),
    ...get(out), ...get(mn), ...vstore(16),
  ];
  return { name: asym ? "statsFlatAsym" : "statsFlatSym", params: [I32, I32, I32], results: [], locals: [I32, V128, V128, V128], body };
}

// ---- quantize -----------------------------------------------------------------------------------
// One code vector. `(v + 1.5·2^23)` in float32 rounds v to an integer with ties to even (the FPU's own
// rounding; |v| ≤ 255 after the clamp) and leaves that integer in the low mantissa bits, so the i32 bit
// pattern is `0x4B400000 + rne(v)`; adding `zi = z − 0x4B400000` (per column or splatted) yields the
// code `rne(v) + z`. This replaces f32x4.nearest + i32x4.trunc_sat (slow on x86 without AVX-512).
const MAGIC_F32X4 = vconst([0, 0, 0x40, 0x4b, 0, 0, 0x40, 0x4b, 0, 0, 0x40, 0x4b, 0, 0, 0x40, 0x4b]);
const i32add = simd(0xae);
const codeVec = (xAddr: number[], par: (k: "r" | "lo" | "hi" | "z") => number[], off: number) => [
  ...xAddr, ...vload(off), ...par("r"), ...fmul, ...par("lo"), ...fpmax, ...par("hi"), ...fpmin, ...MAGIC_F32X4, ...fadd, ...par("z"), ...i32add,
];

// quantCols(x, out, rows, cols, r, lo, hi, zi): per-column params (float32 r, lo, hi; int32 zi = z − 0x4B400000); 16 elements per step.
// The "R" variant (symmetric codes) takes only r per column and lo, hi, zi as scalars, saving three loads per vector.
function quantCols(unsigned: boolean, onlyR: boolean): Fn {
  const [x, out, rows, cols, r, lo, hi, z, c, cf, vlo, vhi, vz] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const pars = { r, lo, hi, z } as const;
  const splats = { lo: vlo, hi: vhi, z: vz } as const;
  const par = (k: number) => (p: "r" | "lo" | "hi" | "z") =>
    onlyR && p !== "r" ? get(splats[p]) : [...get(pars[p]), ...get(cf), ...add, ...vload(16 * k)];
  const vecK = (k: number) => codeVec([...get(x), ...get(cf), ...add], par(k), 16 * k);
  const body = [
    ...(onlyR ? [...get(lo), ...f32splat, ...set(vlo), ...get(hi), ...f32splat, ...set(vhi), ...get(z), ...simd(0x11), ...set(vz)] : []),
    ...doWhile(
      [
        ...i32c(0), ...set(c),
        ...doWhile(
          [
            ...get(c), ...i32c(4), ...mul32, ...set(cf),
            ...get(out), ...get(c), ...add,
            ...vecK(0), ...vecK(1), ...narrow16s, ...vecK(2), ...vecK(3), ...narrow16s, ...(unsigned ? narrow8u : narrow8s),
            ...vstore(),
            ...get(c), ...i32c(16), ...add, ...set(c),
          ],
          [...get(c), ...get(cols), ...ltu],
        ),
        ...get(x), ...get(cols), ...i32c(4), ...mul32, ...add, ...set(x),
        ...get(out), ...get(cols), ...add, ...set(out),
        ...get(rows), ...i32c(1), ...sub, ...set(rows),
      ],
      [...get(rows)],
    ),
  ];
  const name = `quantCols${unsigned ? "U" : "S"}${onlyR ? "R" : ""}`;
  const params = onlyR ? [I32, I32, I32, I32, I32, F32, F32, I32] : [I32, I32, I32, I32, I32, I32, I32, I32];
  return { name, params, results: [], locals: onlyR ? [I32, I32, V128, V128, V128] : [I32, I32], body };
}

// quantFlat(x, out, n, r, lo, hi, zi): scalar params splatted (zi = z − 0x4B400000, i32); n elements, 16 per step
function quantFlat(unsigned: boolean): Fn {
  const [x, out, n, r, lo, hi, z, i, vr, vlo, vhi, vz] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const pars = { r: vr, lo: vlo, hi: vhi, z: vz } as const;
  const vecK = (k: number) => codeVec([...get(x)], (p) => get(pars[p]), 16 * k);
  const body = [
    ...get(r), ...f32splat, ...set(vr),
    ...get(lo), ...f32splat, ...set(vlo),
    ...get(hi), ...f32splat, ...set(vhi),
    ...get(z), ...simd(0x11), ...set(vz),
    ...doWhile(
      [
        ...get(out), ...get(i), ...add,
        ...vecK(0), ...vecK(1), ...narrow16s, ...vecK(2), ...vecK(3), ...narrow16s, ...(unsigned ? narrow8u : narrow8s),
        ...vstore(),
        ...get(x), ...i32c(64), ...add, ...set(x),
        ...get(i), ...i32c(16), ...add, ...set(i),
      ],
      [...get(i), ...get(n), ...ltu],
    ),
  ];
  return { name: unsigned ? "quantFlatU" : "quantFlatS", params: [I32, I32, I32, F32, F32, F32, I32], results: [], locals: [I32, V128, V128, V128, V128], body };
}

// pack(in, out, nOut): 32 codes -> 16 bytes: (c[2k] & 15) | (c[2k+1] & 15) << 4
function pack(): Fn {
  const [inp, out, nOut, o] = [0, 1, 2, 3];
  const nib = (off: number) => [...get(inp), ...get(o), ...get(o), ...add, ...add, ...vload(off), ...set(4),
    ...get(4), ...i16splatConst(0x000f), ...vand, ...get(4), ...i32c(4), ...i16shrU, ...i16splatConst(0x00f0), ...vand, ...vor];
  const body = doWhile(
    [...get(out), ...get(o), ...add, ...nib(0), ...nib(16), ...narrow8u, ...vstore(), ...get(o), ...i32c(16), ...add, ...set(o)],
    [...get(o), ...get(nOut), ...ltu],
  );
  return { name: "pack", params: [I32, I32, I32], results: [], locals: [I32, V128], body };
}

// unpack(in, out, nIn, signed): 16 bytes -> 32 codes (sign-extended nibbles when signed)
function unpack(signed: boolean): Fn {
  const [inp, out, nIn, i, b, lo, hi] = [0, 1, 2, 3, 4, 5, 6];
  const body = doWhile(
    [
      ...get(inp), ...get(i), ...add, ...vload(), ...set(b),
      ...(signed
        ? [...get(b), ...i32c(4), ...i8shl, ...i32c(4), ...i8shrS, ...set(lo), ...get(b), ...i32c(4), ...i8shrS, ...set(hi)]
        : [...get(b), ...i8splatConst(15), ...vand, ...set(lo), ...get(b), ...i32c(4), ...i8shrU, ...set(hi)]),
      ...get(out), ...get(i), ...get(i), ...add, ...add,
      ...get(lo), ...get(hi), ...shuffle([0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23]), ...vstore(0),
      ...get(out), ...get(i), ...get(i), ...add, ...add,
      ...get(lo), ...get(hi), ...shuffle([8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31]), ...vstore(16),
      ...get(i), ...i32c(16), ...add, ...set(i),
    ],
    [...get(i), ...get(nIn), ...ltu],
  );
  return { name: signed ? "unpackS" : "unpackU", params: [I32, I32, I32], results: [], locals: [I32, V128, V128, V128], body };
}

// ---- dequantize ---------------------------------------------------------------------------------
// deqCols(codes, out, rows, cols, s, z): out = (q − z)·s with per-column s, z; 8 codes per step
function deqCols(unsigned: boolean): Fn {
  const [codes, out, rows, cols, s, z, c, cf, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const half = (ext: number[], off: number) => [
    ...get(out), ...get(cf), ...add,
    ...get(h), ...ext, ...convertS, ...get(z), ...get(cf), ...add, ...vload(off), ...fsub, ...get(s), ...get(cf), ...add, ...vload(off), ...fmul,
    ...vstore(off),
  ];
  const body = doWhile(
    [
      ...i32c(0), ...set(c),
      ...doWhile(
        [
          ...get(c), ...i32c(4), ...mul32, ...set(cf),
          ...get(codes), ...get(c), ...add, ...(unsigned ? load8x8u() : load8x8s()), ...set(h),
          ...half(ext32lo, 0), ...half(ext32hi, 16),
          ...get(c), ...i32c(8), ...add, ...set(c),
        ],
        [...get(c), ...get(cols), ...ltu],
      ),
      ...get(codes), ...get(cols), ...add, ...set(codes),
      ...get(out), ...get(cols), ...i32c(4), ...mul32, ...add, ...set(out),
      ...get(rows), ...i32c(1), ...sub, ...set(rows),
    ],
    [...get(rows)],
  );
  return { name: unsigned ? "deqColsU" : "deqColsS", params: [I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, V128], body };
}

// deqFlat(codes, out, n, s, z): scalar params; 8 codes per step
function deqFlat(unsigned: boolean): Fn {
  const [codes, out, n, s, z, i, h, vs, vz] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const half = (ext: number[], off: number) => [...get(out), ...get(h), ...ext, ...convertS, ...get(vz), ...fsub, ...get(vs), ...fmul, ...vstore(off)];
  const body = [
    ...get(s), ...f32splat, ...set(vs),
    ...get(z), ...f32splat, ...set(vz),
    ...doWhile(
      [
        ...get(codes), ...get(i), ...add, ...(unsigned ? load8x8u() : load8x8s()), ...set(h),
        ...half(ext32lo, 0), ...half(ext32hi, 16),
        ...get(out), ...i32c(32), ...add, ...set(out),
        ...get(i), ...i32c(8), ...add, ...set(i),
      ],
      [...get(i), ...get(n), ...ltu],
    ),
  ];
  return { name: unsigned ? "deqFlatU" : "deqFlatS", params: [I32, I32, I32, F32, F32], results: [], locals: [I32, V128, V128, V128], body };
}

function assemble(fns: Fn[]): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const code = fns.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, ...end];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([...fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]), [...str("memory"), 0x02, 0x00]])),
    ...section(10, vec(code)),
  ];
  return new Uint8Array(bytes);
}

/** The kernels' JS signatures. Pointers and byte counts are offsets into `memory`. */
export interface QuantKernels {
  readonly memory: WebAssembly.Memory;
  statsColsSym(x: number, rows: number, rowBytes: number, mx: number, mn: number): void;
  statsColsAsym(x: number, rows: number, rowBytes: number, mx: number, mn: number): void;
  statsFlatSym(x: number, nBytes: number, out: number): void;
  statsFlatAsym(x: number, nBytes: number, out: number): void;
  quantColsS(x: number, out: number, rows: number, cols: number, r: number, lo: number, hi: number, z: number): void;
  quantColsU(x: number, out: number, rows: number, cols: number, r: number, lo: number, hi: number, z: number): void;
  /** Symmetric: per-column reciprocals at `r`, scalar bounds and `zi`. */
  quantColsSR(x: number, out: number, rows: number, cols: number, r: number, lo: number, hi: number, zi: number): void;
  quantFlatS(x: number, out: number, n: number, r: number, lo: number, hi: number, zi: number): void;
  quantFlatU(x: number, out: number, n: number, r: number, lo: number, hi: number, zi: number): void;
  pack(inp: number, out: number, nOut: number): void;
  unpackS(inp: number, out: number, nIn: number): void;
  unpackU(inp: number, out: number, nIn: number): void;
  deqColsS(codes: number, out: number, rows: number, cols: number, s: number, z: number): void;
  deqColsU(codes: number, out: number, rows: number, cols: number, s: number, z: number): void;
  deqFlatS(codes: number, out: number, n: number, s: number, z: number): void;
  deqFlatU(codes: number, out: number, n: number, s: number, z: number): void;
}

let cached: QuantKernels | null | undefined;

/** The SIMD kernels, or null where WebAssembly SIMD is unavailable (callers fall back to plain JS). */
export function quantKernels(): QuantKernels | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = assemble([
      statsCols(false), statsCols(true), statsFlat(false), statsFlat(true),
      quantCols(false, false), quantCols(true, false), quantCols(false, true), quantFlat(false), quantFlat(true),
      pack(), unpack(true), unpack(false),
      deqCols(false), deqCols(true), deqFlat(false), deqFlat(true),
    ]);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    cached = inst.exports as unknown as QuantKernels;
  } catch (e) {
    if ((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.QUANTSCOPE_DEBUG_WASM) console.error(e);
    cached = null;
  }
  return cached;
}
