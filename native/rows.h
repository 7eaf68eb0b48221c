// Row-wise float32 kernels of a transformer layer (LayerNorm, GELU, softmax and their gradients), split
// across threads by rows. tfjs-wasm runs these on one core; fused, one pass each instead of the 5–15
// elementwise kernels that tfjs composes them of.
#pragma once

#include <cstdint>

namespace quantscope {

// Threads the row kernels may use (at least 1); set beside OpenBLAS's.
void SetRowThreads(int threads);
int RowThreads();

// y = g · (x − μ)/√(σ² + eps) + b over each row of n (biased σ², as PyTorch).
void LayerNorm(const float* x, const float* g, const float* b, float* y, int64_t rows, int64_t n, float eps);
// The gradients of LayerNorm for upstream dy: dx (rows × n), dg and db (n each, summed over rows).
void LayerNormGrad(const float* dy, const float* x, const float* g, float* dx, float* dg, float* db, int64_t rows, int64_t n, float eps);

// GELU, tanh approximation, as x·σ(2√(2/π)(x + 0.044715x³)), elementwise over count values.
void Gelu(const float* x, float* y, int64_t count);
// dx = dy · GELU'(x).
void GeluGrad(const float* dy, const float* x, float* dx, int64_t count);

// Softmax over each row of n.
void Softmax(const float* x, float* y, int64_t rows, int64_t n);
// dx = y · (dy − Σ dy·y) over each row, from the softmax's output y.
void SoftmaxGrad(const float* dy, const float* y, float* dx, int64_t rows, int64_t n);

}  // namespace quantscope
