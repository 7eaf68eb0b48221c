// Row-wise float32 kernels (see rows.h): plain loops the compiler vectorizes, with an exp of our own
// because libm's does not vectorize. Every sum has a fixed order (Sum's eight lanes, LayerNormGrad's
// blocks), so results do not depend on the SIMD width or the thread count.
#include "rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

namespace quantscope {
namespace {

int g_threads = 1;

// Below this many values per thread, starting a thread costs more than it saves (~20 µs a thread).
constexpr int64_t kMinValuesPerThread = 32768;

// Runs f(begin, end) over [0, rows) in contiguous slices, one per thread, the first on the caller's.
template <typename F>
void ParallelRows(int64_t rows, int64_t valuesPerRow, F f) {
  const int64_t byWork = std::max<int64_t>(1, rows * valuesPerRow / kMinValuesPerThread);
  const int64_t t = std::min<int64_t>({static_cast<int64_t>(g_threads), byWork, rows});
  if (t <= 1) {
    f(0, rows);
    return;
  }
  std::vector<std::thread> workers;
  workers.reserve(t - 1);
  for (int64_t i = 1; i < t; ++i) workers.emplace_back(f, rows * i / t, rows * (i + 1) / t);
  f(0, rows / t);
  for (auto& w : workers) w.join();
}

// e^x in float32 to within 2 ulp (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-7
// polynomial, 2^n put into the exponent bits). Branch-free, so loops over it vectorize; libm's expf
// does not, and is then slower than tfjs-wasm's SIMD sigmoid. Below −87.3 it gives 0, above 88 +Inf
// (e^88 is within 2x of FLT_MAX), NaN stays NaN.
inline float Exp(float x) {
  const float xc = std::min(std::max(x, -87.33654f), 88.0f);
  // Round to nearest by adding 1.5·2^23, which leaves the integer in the low mantissa bits.
  const float shifter = 12582912.0f;
  const float n = (xc * 1.44269504088896341f + shifter) - shifter;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float e = er * scale;
  e = x < -87.33654f ? 0.0f : e;
  e = x > 88.0f ? INFINITY : e;
  return x != x ? x : e;
}

inline float Sigmoid(float z) { return 1.0f / (1.0f + Exp(-z)); }

// GELU's tanh argument doubled, in float32 as src/ops/gelu.ts composes it: 2√(2/π)(x + 0.044715x³).
constexpr float kGeluCubic = 0.044715f;
constexpr float kTwoSqrt2OverPi = 1.5957691216057308f;
inline float GeluInner(float x) { return (x + x * x * x * kGeluCubic) * kTwoSqrt2OverPi; }

// Σ f(j) for j < n in 8 interleaved partial sums: a fixed order, the same at any SIMD width, that
// the compiler can vectorize (a single running sum it may not reorder, so it would add one at a time).
template <typename F>
inline float Sum(int64_t n, F f) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) acc[k] += f(j + k);
  for (; j < n; ++j) acc[j % 8] += f(j);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// The largest of a row, NaN if any is NaN.
inline float Max(const float* a, int64_t n) {
  float acc[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  bool nan = false;
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) {
      acc[k] = a[j + k] > acc[k] ? a[j + k] : acc[k];
      nan |= a[j + k] != a[j + k];
    }
  for (; j < n; ++j) {
    acc[0] = a[j] > acc[0] ? a[j] : acc[0];
    nan |= a[j] != a[j];
  }
  float m = acc[0];
  for (int k = 1; k < 8; ++k) m = acc[k] > m ? acc[k] : m;
  return nan ? NAN : m;
}

// A row's mean and 1/√(σ² + eps), σ² biased.
inline void Moments(const float* x, int64_t n, float eps, float& mean, float& rstd) {
  mean = Sum(n, [=](int64_t j) { return x[j]; }) / static_cast<float>(n);
  const float m = mean;
  const float var = Sum(n, [=](int64_t j) { return (x[j] - m) * (x[j] - m); }) / static_cast<float>(n);
  rstd = 1.0f / std::sqrt(var + eps);
}

// Each kernel's loops are compiled for AVX2 as well as the x86-64 baseline (SSE2), one picked when the
// addon loads: twice the lanes for the same IEEE operations in the same order, so the same results
// (binding.gyp's -ffp-contract=off keeps a·b + c from becoming an FMA in one of them).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define QS_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QS_SIMD_CLONES
#endif

// Rows per block of LayerNormGrad's column sums: blocks, not threads, fix the summation order, so
// dg and db are the same at any thread count.
constexpr int64_t kBlockRows = 32;


QS_SIMD_CLONES void LayerNormRows(const float* x, const float* g, const float* b, float* y, int64_t n, float eps, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    float mean, rstd;
    Moments(xr, n, eps, mean, rstd);
    for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mean) * rstd * g[j] + b[j];
  }
}

// Blocks [begin, end) of LayerNormGrad: dx, and per block n partial sums of dy·x̂ then n of dy at part.
QS_SIMD_CLONES void LayerNormGradBlocks(const float* dy, const float* x, const float* g, float* dx, float* part, int64_t rows, int64_t n, float eps,
                                        int64_t begin, int64_t end) {
  std::vector<float> xhat(static_cast<size_t>(n)), dxhat(static_cast<size_t>(n));
  float* xh = xhat.data();
  float* dh = dxhat.data();
  for (int64_t blk = begin; blk < end; ++blk) {
    float* pg = part + blk * 2 * n;
    float* pb = pg + n;
    for (int64_t r = blk * kBlockRows; r < std::min(rows, (blk + 1) * kBlockRows); ++r) {
      const float* xr = x + r * n;
      const float* dyr = dy + r * n;
      float* dxr = dx + r * n;
      float mean, rstd;
      Moments(xr, n, eps, mean, rstd);
      // dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), with dx̂ = dy · g.
      for (int64_t j = 0; j < n; ++j) {
        xh[j] = (xr[j] - mean) * rstd;
        dh[j] = dyr[j] * g[j];
        pg[j] += dyr[j] * xh[j];
        pb[j] += dyr[j];
      }
      const float meanD = Sum(n, [=](int64_t j) { return dh[j]; }) / static_cast<float>(n);
      const float meanDX = Sum(n, [=](int64_t j) { return dh[j] * xh[j]; }) / static_cast<float>(n);
      for (int64_t j = 0; j < n; ++j) dxr[j] = rstd * (dh[j] - meanD - xh[j] * meanDX);
    }
  }
}

QS_SIMD_CLONES void GeluValues(const float* x, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = x[i] * Sigmoid(GeluInner(x[i]));
}

QS_SIMD_CLONES void GeluGradValues(const float* dy, const float* x, float* dx, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float v = x[i];
    const float s = Sigmoid(GeluInner(v));
    // d/dx x·σ(u(x)) = σ + x·σ(1 − σ)·u'(x), u' = 2√(2/π)(1 + 3·0.044715x²).
    const float du = kTwoSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * v * v);
    dx[i] = dy[i] * (s + v * s * (1.0f - s) * du);
  }
}

QS_SIMD_CLONES void SoftmaxRows(const float* x, float* y, int64_t n, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    const float max = Max(xr, n);
    for (int64_t j = 0; j < n; ++j) yr[j] = Exp(xr[j] - max);
    const float inv = 1.0f / Sum(n, [=](int64_t j) { return yr[j]; });
    for (int64_t j = 0; j < n; ++j) yr[j] *= inv;
  }
}

QS_SIMD_CLONES void SoftmaxGradRows(const float* dy, const float* y, float* dx, int64_t n, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* dyr = dy + r * n;
    const float* yr = y + r * n;
    float* dxr = dx + r * n;
    const float d = Sum(n, [=](int64_t j) { return dyr[j] * yr[j]; });
    for (int64_t j = 0; j < n; ++j) dxr[j] = yr[j] * (dyr[j] - d);
  }
}

}  // namespace

void SetRowThreads(int threads) { g_threads = std::max(1, threads); }
int RowThreads() { return g_threads; }

void LayerNorm(const float* x, const float* g, const float* b, float* y, int64_t rows, int64_t n, float eps) {
  ParallelRows(rows, n, [=](int64_t begin, int64_t end) { LayerNormRows(x, g, b, y, n, eps, begin, end); });
}

void LayerNormGrad(const float* dy, const float* x, const float* g, float* dx, float* dg, float* db, int64_t rows, int64_t n, float eps) {
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<float> partial(static_cast<size_t>(blocks * 2 * n), 0.0f);
  float* part = partial.data();
  ParallelRows(blocks, kBlockRows * n, [=](int64_t begin, int64_t end) { LayerNormGradBlocks(dy, x, g, dx, part, rows, n, eps, begin, end); });
  for (int64_t j = 0; j < n; ++j) {
    double sg = 0, sb = 0;
    for (int64_t blk = 0; blk < blocks; ++blk) {
      sg += part[blk * 2 * n + j];
      sb += part[blk * 2 * n + n + j];
    }
    dg[j] = static_cast<float>(sg);
    db[j] = static_cast<float>(sb);
  }
}

void Gelu(const float* x, float* y, int64_t count) {
  ParallelRows(count, 1, [=](int64_t begin, int64_t end) { GeluValues(x, y, begin, end); });
}

void GeluGrad(const float* dy, const float* x, float* dx, int64_t count) {
  ParallelRows(count, 1, [=](int64_t begin, int64_t end) { GeluGradValues(dy, x, dx, begin, end); });
}

void Softmax(const float* x, float* y, int64_t rows, int64_t n) {
  ParallelRows(rows, n, [=](int64_t begin, int64_t end) { SoftmaxRows(x, y, n, begin, end); });
}

void SoftmaxGrad(const float* dy, const float* y, float* dx, int64_t rows, int64_t n) {
  ParallelRows(rows, n, [=](int64_t begin, int64_t end) { SoftmaxGradRows(dy, y, dx, n, begin, end); });
}

}  // namespace quantscope
