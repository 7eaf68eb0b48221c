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

import { I32, F32, V128, get, set, i32c, add, sub, mul32, ltu, simd, vload, vstore, load8x8s, load8x8u, vconst, i16splatConst, i8splatConst, f32splat, vand, vor, fabs, fadd, fsub, fmul, fpmin, fpmax, vfmin, vfmax, fne, convertS, narrow8s, narrow8u, narrow16s, ext32lo, ext32hi, i8shl, i8shrS, i8shrU, i16shrU, shuffle, doWhile, type Fn, kernelLoader } from "../wasm/assembler.js";

// ---- statistics ---------------------------------------------------------------------------------
// A running statistic that remembers NaN cheaply: `pmax(acc, v)` ignores a NaN v, so the NaN lanes of v
// (`v ≠ v`, all-ones) are OR-ed in, making that lane of acc NaN; acc stays the first operand of every
// pmax/pmin, which keeps a NaN acc. Two single instructions, where NaN-propagating f32x4.max costs
// several (it made per-token quantization 1.8x slower). A non-finite input so leaves a non-finite
// statistic, and the call falls back to the scalar path (int.ts's rule).
const nanMark = (v: number) => [...get(v), ...get(v), ...fne, ...vor];

// statsCols(x, steps, rowBytes, mx, mn): per column over `steps·rowsPerStep` rows: mx = pmax(mx, |x|) (sym) or
// mx = pmax(mx, x), mn = pmin(mn, x), each with NaN marked (nanMark). With several rows per step each column
// vector of mx/mn is loaded and stored once per step instead of once per row.
function statsCols(asym: boolean, rowsPerStep: number): Fn {
  const [x, steps, rb, mx, mn, c, row, hi, lo, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const at = (base: number) => [...get(base), ...get(c), ...add];
  const fold = (j: number) => [
    ...get(row), ...get(c), ...add, ...vload(), ...set(v),
    ...get(hi), ...get(v), ...(asym ? [] : fabs), ...fpmax, ...nanMark(v), ...set(hi),
    ...(asym ? [...get(lo), ...get(v), ...fpmin, ...nanMark(v), ...set(lo)] : []),
    ...(j + 1 < rowsPerStep ? [...get(row), ...get(rb), ...add, ...set(row)] : []),
  ];
  const body = doWhile(
    [
      ...i32c(0), ...set(c),
      ...doWhile(
        [
          ...get(x), ...set(row),
          ...at(mx), ...vload(), ...set(hi),
          ...(asym ? [...at(mn), ...vload(), ...set(lo)] : []),
          ...Array.from({ length: rowsPerStep }, (_, j) => fold(j)).flat(),
          ...at(mx), ...get(hi), ...vstore(),
          ...(asym ? [...at(mn), ...get(lo), ...vstore()] : []),
          ...get(c), ...i32c(16), ...add, ...set(c),
        ],
        [...get(c), ...get(rb), ...ltu],
      ),
      ...get(x), ...get(rb), ...i32c(rowsPerStep), ...mul32, ...add, ...set(x),
      ...get(steps), ...i32c(1), ...sub, ...set(steps),
    ],
    [...get(steps)],
  );
  const name = `statsCols${asym ? "Asym" : "Sym"}${rowsPerStep > 1 ? rowsPerStep : ""}`;
  return { name, params: [I32, I32, I32, I32, I32], results: [], locals: [I32, I32, V128, V128, V128], body };
}

// statsFlat(x, nBytes, out): 4-lane running pmax(|x|) (sym) or pmax/pmin (asym) with NaN marked, combined with the
// NaN-propagating max/min (once per call), stored at out, out+16
function statsFlat(asym: boolean): Fn {
  // Four independent accumulators (n is a multiple of 16 elements = 4 vectors): one running max
  // is a dependency chain that ran at half the speed of the quantize pass.
  const [x, nb, out, i] = [0, 1, 2, 3];
  const mx = (u: number) => 4 + u, mn = (u: number) => 8 + u;
  const v = 12;
  const lane = (u: number) => [
    ...get(x), ...get(i), ...add, ...vload(16 * u), ...set(v),
    ...get(mx(u)), ...get(v), ...(asym ? [] : fabs), ...fpmax, ...nanMark(v), ...set(mx(u)),
    ...(asym ? [...get(mn(u)), ...get(v), ...fpmin, ...nanMark(v), ...set(mn(u))] : []),
  ];
  const combine = (acc: (u: number) => number, op: number[]) => [...get(acc(0)), ...get(acc(1)), ...op, ...get(acc(2)), ...get(acc(3)), ...op, ...op];
  const body = [
    ...doWhile(
      [...lane(0), ...lane(1), ...lane(2), ...lane(3), ...get(i), ...i32c(64), ...add, ...set(i)],
      [...get(i), ...get(nb), ...ltu],
    ),
    ...get(out), ...combine(mx, vfmax), ...vstore(0),
    ...get(out), ...combine(mn, vfmin), ...vstore(16),
  ];
  return { name: asym ? "statsFlatAsym" : "statsFlatSym", params: [I32, I32, I32], results: [], locals: [I32, ...new Array(9).fill(V128)], body };
}

// ---- quantize -----------------------------------------------------------------------------------
// One code vector. `(v + 1.5·2^23)` in float32 rounds v to an integer with ties to even (the FPU's own
// rounding) and leaves that integer in the low mantissa bits, so the i32 bit pattern is
// `0x4B400000 + rne(v)`; adding `zi = z − 0x4B400000` yields the code `rne(v) + z`. This replaces
// f32x4.nearest + i32x4.trunc_sat (slow on x86 without AVX-512).
//
// No clamp before rounding: these kernels only run with block ranges taken from the same data
// (`v = x·r` with `x` inside the block's range), so `|v| ≤ qmax·(1 + 2^-22)`, far inside the trick's
// `2^22` limit, and `rne(v)` stays within the code range except that an asymmetric code can reach
// `qmax + 1` at the top (z rounded down). The saturating narrow to u8 (8-bit) or an `i8x16.min_u` with
// qmax (fewer bits) clamps that, which equals the scalar path's clamp-then-round (integer bounds).
const MAGIC_F32X4 = vconst([0, 0, 0x40, 0x4b, 0, 0, 0x40, 0x4b, 0, 0, 0x40, 0x4b, 0, 0, 0x40, 0x4b]);
const NEG_MAGIC_I32X4 = vconst([0, 0, 0xc0, 0xb4, 0, 0, 0xc0, 0xb4, 0, 0, 0xc0, 0xb4, 0, 0, 0xc0, 0xb4]);
const i32add = simd(0xae);
const i8minU = simd(0x77);
const codeVec = (xAddr: number[], r: number[], zi: number[], off: number) => [...xAddr, ...vload(off), ...r, ...fmul, ...MAGIC_F32X4, ...fadd, ...zi, ...i32add];
/** Four code vectors (16 elements) narrowed to one i8x16, clamped to qmax (from local `qmaxV`) when unsigned. */
const codes16 = (vec: (k: number) => number[], unsigned: boolean, qmaxV: number) => [
  ...vec(0), ...vec(1), ...narrow16s, ...vec(2), ...vec(3), ...narrow16s, ...(unsigned ? [...narrow8u, ...get(qmaxV), ...i8minU] : narrow8s),
];

// quantCols(x, out, steps, cols, r, zi, qmax) over `steps·rowsPerStep` rows: "U" (asymmetric, unsigned codes) takes
// per-column reciprocals r (f32) and zi = z − 0x4B400000 (i32); "SR" (symmetric, z = 0, signed codes) only r.
// 16 columns per step: their r (and zi) are loaded once and applied to every row of the step.
function quantCols(asym: boolean, rowsPerStep: number): Fn {
  // Asymmetric codes are unsigned and need zero points; symmetric codes are signed with z = 0 (reciprocals only).
  const [unsigned, onlyR] = [asym, !asym];
  const [x, out, steps, cols, r, zi, qmax] = [0, 1, 2, 3, 4, 5, 6];
  const [c, cf, xr, orow, rb, qv] = [7, 8, 9, 10, 11, 12];
  const rv = (k: number) => 13 + k, zv = (k: number) => 17 + k;
  const vecK = (k: number) => codeVec(get(xr), get(rv(k)), onlyR ? NEG_MAGIC_I32X4 : get(zv(k)), 16 * k);
  const row = (j: number) => [
    ...get(orow), ...codes16(vecK, unsigned, qv), ...vstore(),
    ...(j + 1 < rowsPerStep ? [...get(xr), ...get(rb), ...add, ...set(xr), ...get(orow), ...get(cols), ...add, ...set(orow)] : []),
  ];
  const body = [
    ...get(cols), ...i32c(4), ...mul32, ...set(rb),
    ...get(qmax), ...simd(0x0f), ...set(qv),
    ...doWhile(
      [
        ...i32c(0), ...set(c),
        ...doWhile(
          [
            ...get(c), ...i32c(4), ...mul32, ...set(cf),
            ...[0, 1, 2, 3].flatMap((k) => [
              ...get(r), ...get(cf), ...add, ...vload(16 * k), ...set(rv(k)),
              ...(onlyR ? [] : [...get(zi), ...get(cf), ...add, ...vload(16 * k), ...set(zv(k))]),
            ]),
            ...get(x), ...get(cf), ...add, ...set(xr),
            ...get(out), ...get(c), ...add, ...set(orow),
            ...Array.from({ length: rowsPerStep }, (_, j) => row(j)).flat(),
            ...get(c), ...i32c(16), ...add, ...set(c),
          ],
          [...get(c), ...get(cols), ...ltu],
        ),
        ...get(x), ...get(rb), ...i32c(rowsPerStep), ...mul32, ...add, ...set(x),
        ...get(out), ...get(cols), ...i32c(rowsPerStep), ...mul32, ...add, ...set(out),
        ...get(steps), ...i32c(1), ...sub, ...set(steps),
      ],
      [...get(steps)],
    ),
  ];
  const name = `quantCols${asym ? "U" : "SR"}${rowsPerStep > 1 ? rowsPerStep : ""}`;
  return { name, params: [I32, I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, I32, ...new Array(9).fill(V128)], body };
}

// quantFlat(x, out, n, r, zi, qmax): one block, scalar r (f32) and zi (i32); n elements, 16 per step
function quantFlat(unsigned: boolean): Fn {
  const [x, out, n, r, zi, qmax, i, vr, vz, qv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const vecK = (k: number) => codeVec([...get(x)], get(vr), get(vz), 16 * k);
  const body = [
    ...get(r), ...f32splat, ...set(vr),
    ...get(zi), ...simd(0x11), ...set(vz),
    ...get(qmax), ...simd(0x0f), ...set(qv),
    ...doWhile(
      [
        ...get(out), ...get(i), ...add,
        ...codes16(vecK, unsigned, qv),
        ...vstore(),
        ...get(x), ...i32c(64), ...add, ...set(x),
        ...get(i), ...i32c(16), ...add, ...set(i),
      ],
      [...get(i), ...get(n), ...ltu],
    ),
  ];
  return { name: unsigned ? "quantFlatU" : "quantFlatS", params: [I32, I32, I32, F32, I32, I32], results: [], locals: [I32, V128, V128, V128], body };
}

// colParams(mx, mn, n, qmin, qmax, rOut, loOut, hiOut, ziOut, sOut, zOut): block parameters for n blocks
// (4 per step) from their statistics, exactly as int.ts computes them in scalar float32:
// s = hi/qmax (sym) or (hi − lo)/qmax (asym); s = 0 → 1; r = 1/s; z = nearest(clamp(−lo·r, 0, qmax)) (asym) or 0;
// writes r, qmin − z, qmax − z, zi = z − 0x4B400000 (i32), s and z (f32).
const fdiv = simd(0xe7), fneg = simd(0xe1), feq = simd(0x41), bitselect = simd(0x52), fnearest = simd(0x6a), truncSat = simd(0xf8);
const f32x4Const = (v: number) => {
  const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
  return vconst(Array.from(b));
};
function colParams(asym: boolean): Fn {
  const [mx, mn, n, qmin, qmax, rO, loO, hiO, ziO, sO, zO, i, vqmin, vqmax, sv, rv, zv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const at = (base: number) => [...get(base), ...get(i), ...add];
  const body = [
    ...get(qmin), ...f32splat, ...set(vqmin),
    ...get(qmax), ...f32splat, ...set(vqmax),
    ...doWhile(
      [
        // s
        ...at(mx), ...vload(), ...(asym ? [...at(mn), ...vload(), ...fsub] : []), ...get(vqmax), ...fdiv, ...set(sv),
        ...f32x4Const(1), ...get(sv), ...get(sv), ...f32x4Const(0), ...feq, ...bitselect, ...set(sv),
        // r
        ...f32x4Const(1), ...get(sv), ...fdiv, ...set(rv),
        // z
        ...(asym
          ? [...at(mn), ...vload(), ...fneg, ...get(rv), ...fmul, ...f32x4Const(0), ...fpmax, ...get(vqmax), ...fpmin, ...fnearest, ...set(zv)]
          : [...f32x4Const(0), ...set(zv)]),
        ...at(rO), ...get(rv), ...vstore(),
        ...at(loO), ...get(vqmin), ...get(zv), ...fsub, ...vstore(),
        ...at(hiO), ...get(vqmax), ...get(zv), ...fsub, ...vstore(),
        ...at(ziO), ...get(zv), ...truncSat, ...vconst([0, 0, 0xc0, 0xb4, 0, 0, 0xc0, 0xb4, 0, 0, 0xc0, 0xb4, 0, 0, 0xc0, 0xb4]), ...i32add, ...vstore(),
        ...at(sO), ...get(sv), ...vstore(),
        ...at(zO), ...get(zv), ...vstore(),
        ...get(i), ...i32c(16), ...add, ...set(i),
      ],
      [...get(i), ...get(n), ...i32c(4), ...mul32, ...ltu],
    ),
  ];
  return {
    name: asym ? "colParamsAsym" : "colParamsSym",
    params: [I32, I32, I32, F32, F32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, V128, V128, V128, V128, V128],
    body,
  };
}

// quantRows(x, out, rows, cols, qmin, qmax, sOut, zOut): per-row (per-token) blocks, statistics and codes in one
// call: for each row, 4-lane pmax/pmin statistics with NaN marked, NaN-propagating horizontal reduce, scalar parameters (as int.ts), then codes.
function quantRows(asym: boolean): Fn {
  const [x, out, rows, cols, qmin, qmax, sO, zO] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, rowIdx, amx, amn, v, vr, vlo, , vz] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [hi, lo, s, r, z] = [17, 18, 19, 20, 21];
  const lane = (l: number) => [...simd(0x1f), l];
  const fmax = [0x97], fmin = [0x96], fdivS = [0x95], fmulS = [0x94], fsubS = [0x93], fnegS = [0x8c], fnearestS = [0x90], feqS = [0x5b];
  const f32c = (val: number) => [0x43, ...Array.from(new Uint8Array(new Float32Array([val]).buffer))];
  const hred = (acc: number, op: number[]) => [...get(acc), ...lane(0), ...get(acc), ...lane(1), ...op, ...get(acc), ...lane(2), ...op, ...get(acc), ...lane(3), ...op];
  const vecK = (k: number) => codeVec([...get(x)], get(vr), get(vz), 16 * k);
  const body = doWhile(
    [
      // statistics of the row
      ...f32x4Const(0), ...set(amx), ...f32x4Const(0), ...set(amn), ...i32c(0), ...set(i),
      ...doWhile(
        [
          ...get(x), ...get(i), ...add, ...vload(), ...set(v),
          ...get(amx), ...get(v), ...(asym ? [] : fabs), ...fpmax, ...nanMark(v), ...set(amx),
          ...(asym ? [...get(amn), ...get(v), ...fpmin, ...nanMark(v), ...set(amn)] : []),
          ...get(i), ...i32c(16), ...add, ...set(i),
        ],
        [...get(i), ...get(cols), ...i32c(4), ...mul32, ...ltu],
      ),
      ...hred(amx, fmax), ...set(hi),
      ...(asym ? [...hred(amn, fmin), ...set(lo)] : []),
      // s, r, z
      ...get(hi), ...(asym ? [...get(lo), ...fsubS] : []), ...get(qmax), ...fdivS, ...set(s),
      ...f32c(1), ...get(s), ...get(s), ...f32c(0), ...feqS, 0x1b, ...set(s),
      ...f32c(1), ...get(s), ...fdivS, ...set(r),
      ...(asym ? [...get(lo), ...fnegS, ...get(r), ...fmulS, ...f32c(0), ...fmax, ...get(qmax), ...fmin, ...fnearestS, ...set(z)] : [...f32c(0), ...set(z)]),
      ...get(sO), ...get(rowIdx), ...i32c(4), ...mul32, ...add, ...get(s), 0x38, 2, 0,
      ...get(zO), ...get(rowIdx), ...i32c(4), ...mul32, ...add, ...get(z), 0x38, 2, 0,
      ...get(r), ...f32splat, ...set(vr),
      ...get(qmax), 0xa8, ...simd(0x0f), ...set(vlo), // vlo holds the i8x16 qmax splat for the unsigned clamp
      ...get(z), 0xa8, ...i32c(0x4b400000), ...sub, ...simd(0x11), ...set(vz),
      // codes of the row
      ...i32c(0), ...set(i),
      ...doWhile(
        [
          ...get(out), ...get(i), ...add,
          ...codes16(vecK, asym, vlo),
          ...vstore(),
          ...get(x), ...i32c(64), ...add, ...set(x),
          ...get(i), ...i32c(16), ...add, ...set(i),
        ],
        [...get(i), ...get(cols), ...ltu],
      ),
      ...get(out), ...get(cols), ...add, ...set(out),
      ...get(rowIdx), ...i32c(1), ...add, ...set(rowIdx),
    ],
    [...get(rowIdx), ...get(rows), ...ltu],
  );
  return {
    name: asym ? "quantRowsAsym" : "quantRowsSym",
    params: [I32, I32, I32, I32, F32, F32, I32, I32],
    results: [],
    locals: [I32, I32, V128, V128, V128, V128, V128, V128, V128, F32, F32, F32, F32, F32],
    body,
  };
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
// "U" (asymmetric): unsigned codes and per-column zero points; "SN" (symmetric, z = 0): signed codes, no
// zero-point load or subtraction.
function deqCols(asym: boolean): Fn {
  const [unsigned, noZero] = [asym, !asym];
  const [codes, out, rows, cols, s, z, c, cf, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const half = (ext: number[], off: number) => [
    ...get(out), ...get(cf), ...add,
    ...get(h), ...ext, ...convertS, ...(noZero ? [] : [...get(z), ...get(cf), ...add, ...vload(off), ...fsub]), ...get(s), ...get(cf), ...add, ...vload(off), ...fmul,
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
  return { name: `deqCols${asym ? "U" : "SN"}`, params: [I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, V128], body };
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

/** The kernels' JS signatures. Pointers and byte counts are offsets into `memory`. */
export interface QuantKernels {
  readonly memory: WebAssembly.Memory;
  statsColsSym(x: number, rows: number, rowBytes: number, mx: number, mn: number): void;
  statsColsAsym(x: number, rows: number, rowBytes: number, mx: number, mn: number): void;
  /** As statsColsSym over `4·quads` rows. */
  statsColsSym4(x: number, quads: number, rowBytes: number, mx: number, mn: number): void;
  statsColsAsym4(x: number, quads: number, rowBytes: number, mx: number, mn: number): void;
  statsFlatSym(x: number, nBytes: number, out: number): void;
  statsFlatAsym(x: number, nBytes: number, out: number): void;
  quantColsU(x: number, out: number, rows: number, cols: number, r: number, zi: number, qmax: number): void;
  /** Symmetric (z = 0): only per-column reciprocals at `r`. */
  quantColsSR(x: number, out: number, rows: number, cols: number, r: number, zi: number, qmax: number): void;
  /** As the two above over `4·quads` rows. */
  quantColsU4(x: number, out: number, quads: number, cols: number, r: number, zi: number, qmax: number): void;
  quantColsSR4(x: number, out: number, quads: number, cols: number, r: number, zi: number, qmax: number): void;
  quantFlatS(x: number, out: number, n: number, r: number, zi: number, qmax: number): void;
  quantFlatU(x: number, out: number, n: number, r: number, zi: number, qmax: number): void;
  colParamsSym(mx: number, mn: number, n: number, qmin: number, qmax: number, r: number, lo: number, hi: number, zi: number, s: number, z: number): void;
  colParamsAsym(mx: number, mn: number, n: number, qmin: number, qmax: number, r: number, lo: number, hi: number, zi: number, s: number, z: number): void;
  quantRowsSym(x: number, out: number, rows: number, cols: number, qmin: number, qmax: number, s: number, z: number): void;
  quantRowsAsym(x: number, out: number, rows: number, cols: number, qmin: number, qmax: number, s: number, z: number): void;
  pack(inp: number, out: number, nOut: number): void;
  unpackS(inp: number, out: number, nIn: number): void;
  unpackU(inp: number, out: number, nIn: number): void;
  deqColsU(codes: number, out: number, rows: number, cols: number, s: number, z: number): void;
  /** Symmetric: `out = q·s` (the zero-point argument is ignored). */
  deqColsSN(codes: number, out: number, rows: number, cols: number, s: number, z: number): void;
  deqFlatS(codes: number, out: number, n: number, s: number, z: number): void;
  deqFlatU(codes: number, out: number, n: number, s: number, z: number): void;
}

const load = kernelLoader<QuantKernels>(() => [
  statsCols(false, 1), statsCols(true, 1), statsCols(false, 4), statsCols(true, 4), statsFlat(false), statsFlat(true),
  ...[1, 4].flatMap((rows) => [quantCols(true, rows), quantCols(false, rows)]), quantFlat(false), quantFlat(true),
  colParams(false), colParams(true), quantRows(false), quantRows(true),
  pack(), unpack(true), unpack(false),
  deqCols(true), deqCols(false), deqFlat(false), deqFlat(true),
]);

/** The SIMD kernels, or null where WebAssembly SIMD is unavailable (callers fall back to plain JS). */
export const quantKernels = (): QuantKernels | null => load();

/** The same kernels working in another module's `memory` (the tfjs wasm heap), or null where that fails. */
export const quantKernelsIn = (memory: WebAssembly.Memory): QuantKernels | null => load(memory);
