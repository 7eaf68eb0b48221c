// quantscope's native kernels: single-precision GEMM through OpenBLAS, and row-wise LayerNorm, GELU
// and softmax (rows.cc), working on float32 data where it lies in an ArrayBuffer (the tfjs wasm
// backend's heap), so nothing is copied in or out.
//
// Every pointer is a byte offset into that buffer, checked against its length before any work:
// a wrong offset from JavaScript must throw, never scribble over the heap.
#include <napi.h>
#include <cblas.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "rows.h"

namespace {

// The float32 data at `offset` in `heap`, after checking that `count` floats fit there.
float* At(const Napi::Env& env, Napi::ArrayBuffer& heap, int64_t offset, int64_t count, const char* what) {
  const int64_t bytes = static_cast<int64_t>(heap.ByteLength());
  if (offset < 0 || offset % 4 != 0 || count < 0 || offset + count * 4 > bytes) {
    throw Napi::RangeError::New(env, std::string(what) + ": " + std::to_string(count) + " floats at byte " +
                                         std::to_string(offset) + " do not fit in a " + std::to_string(bytes) +
                                         "-byte heap (or the offset is not 4-aligned)");
  }
  return reinterpret_cast<float*>(static_cast<uint8_t*>(heap.Data()) + offset);
}

int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

// The batch index of each product's left or right operand, when the caller broadcasts in a way that
// one stride cannot say; null (or undefined) means "product i uses batch i * stride".
const int32_t* BatchIndex(const Napi::CallbackInfo& info, size_t i, int64_t batch, int64_t operands, const char* name) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an Int32Array or null");
  }
  auto idx = info[i].As<Napi::Int32Array>();
  if (static_cast<int64_t>(idx.ElementLength()) != batch) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must have one entry per product");
  }
  const int32_t* data = idx.Data();
  for (int64_t j = 0; j < batch; ++j) {
    if (data[j] < 0 || data[j] >= operands) throw Napi::RangeError::New(info.Env(), std::string(name) + " is out of range");
  }
  return data;
}

// c (m × n) = op(a) · op(b), row-major. A vector side goes to sgemv: OpenBLAS's sgemm packs its
// operands for blocking, which a 1 × k row (a bias gradient is ones · dy) cannot repay.
void Product(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transA, bool transB) {
  const int lda = transA ? m : k, ldb = transB ? k : n;
  if (m == 1) {
    // c = op(b)ᵀ · a, with b stored k × n (or n × k when transposed); a's row is contiguous either way.
    cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, transB ? n : k, transB ? k : n, 1.0f, b, ldb, a, 1, 0.0f, c, 1);
  } else if (n == 1) {
    // c = op(a) · b, with a stored m × k (or k × m when transposed); b's column is contiguous either way.
    cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transA ? k : m, transA ? m : k, 1.0f, a, lda, b, 1, 0.0f, c, 1);
  } else {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
                0.0f, c, n);
  }
}

// sgemm(heap, a, b, c, batch, m, n, k, transA, transB, batchA, batchB, indexA?, indexB?)
// For each of `batch` products: c[i] (m × n) = op(a[ia]) · op(b[ib]), where op transposes when asked,
// a holds `batchA` matrices and b `batchB`, ia = indexA[i] (default i when batchA > 1, else 0), and
// likewise ib. All matrices are row-major and dense.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12 || !info[0].IsArrayBuffer()) {
    throw Napi::TypeError::New(env, "sgemm(heap: ArrayBuffer, a, b, c, batch, m, n, k, transA, transB, batchA, batchB[, indexA, indexB])");
  }
  auto heap = info[0].As<Napi::ArrayBuffer>();
  const int64_t batch = Int(info, 4, "batch"), m = Int(info, 5, "m"), n = Int(info, 6, "n"), k = Int(info, 7, "k");
  const bool transA = info[8].ToBoolean(), transB = info[9].ToBoolean();
  const int64_t batchA = Int(info, 10, "batchA"), batchB = Int(info, 11, "batchB");
  if (batch < 0 || m < 0 || n < 0 || k < 0 || batchA < 1 || batchB < 1) throw Napi::RangeError::New(env, "sgemm: negative size");
  const int32_t* indexA = BatchIndex(info, 12, batch, batchA, "indexA");
  const int32_t* indexB = BatchIndex(info, 13, batch, batchB, "indexB");
  if (!indexA && batchA != 1 && batchA != batch) throw Napi::RangeError::New(env, "sgemm: batchA must be 1 or batch without indexA");
  if (!indexB && batchB != 1 && batchB != batch) throw Napi::RangeError::New(env, "sgemm: batchB must be 1 or batch without indexB");
  const float* a = At(env, heap, Int(info, 1, "a"), batchA * m * k, "a");
  const float* b = At(env, heap, Int(info, 2, "b"), batchB * k * n, "b");
  float* c = At(env, heap, Int(info, 3, "c"), batch * m * n, "c");
  if (batch == 0 || m == 0 || n == 0) return env.Undefined();
  if (k == 0) {
    for (int64_t i = 0; i < batch * m * n; ++i) c[i] = 0.0f;
    return env.Undefined();
  }
  // A right matrix shared by every product and an untransposed left side make one (batch·m × k) · (k × n)
  // product, which OpenBLAS splits across threads far better than many small ones.
  if (!indexA && !indexB && batchB == 1 && batchA == batch && !transA) {
    Product(a, b, c, batch * m, n, k, false, transB);
    return env.Undefined();
  }
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t ia = indexA ? indexA[i] : (batchA == 1 ? 0 : i);
    const int64_t ib = indexB ? indexB[i] : (batchB == 1 ? 0 : i);
    Product(a + ia * m * k, b + ib * k * n, c + i * m * n, m, n, k, transA, transB);
  }
  return env.Undefined();
}

// Activations as tfjs's fused kernels define them (tfjs-core's `FusableActivation`, less prelu).
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kSigmoid = 3, kElu = 4, kLeakyRelu = 5 };

// biasActivation(heap, c, rows, n, bias, biasLength, activation, alpha): in place on the rows × n
// matrix at c, adds bias (length n, or 1 to broadcast; offset < 0 for none), then applies activation.
Napi::Value BiasActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8 || !info[0].IsArrayBuffer()) {
    throw Napi::TypeError::New(env, "biasActivation(heap: ArrayBuffer, c, rows, n, bias, biasLength, activation, alpha)");
  }
  auto heap = info[0].As<Napi::ArrayBuffer>();
  const int64_t rows = Int(info, 2, "rows"), n = Int(info, 3, "n");
  const int64_t biasOffset = Int(info, 4, "bias"), biasLength = Int(info, 5, "biasLength");
  const int64_t act = Int(info, 6, "activation");
  const float alpha = info[7].As<Napi::Number>().FloatValue();
  if (act < kLinear || act > kLeakyRelu) throw Napi::RangeError::New(env, "biasActivation: unknown activation code");
  if (biasOffset >= 0 && biasLength != n && biasLength != 1) throw Napi::RangeError::New(env, "biasActivation: bias must have n or 1 entries");
  float* c = At(env, heap, Int(info, 1, "c"), rows * n, "c");
  const float* bias = biasOffset >= 0 ? At(env, heap, biasOffset, biasLength, "bias") : nullptr;
  for (int64_t r = 0; r < rows; ++r) {
    float* row = c + r * n;
    for (int64_t j = 0; j < n; ++j) {
      float x = row[j] + (bias ? bias[biasLength == 1 ? 0 : j] : 0.0f);
      switch (act) {
        case kRelu: x = x > 0.0f ? x : 0.0f; break;
        case kRelu6: x = x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f; break;
        case kSigmoid: x = 1.0f / (1.0f + std::exp(-x)); break;
        case kElu: x = x > 0.0f ? x : std::expm1(x); break;
        case kLeakyRelu: x = x < 0.0f ? alpha * x : x; break;
        default: break;
      }
      row[j] = x;
    }
  }
  return env.Undefined();
}

// A row kernel's arguments, read in order after the heap: its sizes, then its float32 operands as
// byte offsets into the heap, each checked to hold the floats it must.
class RowArgs {
 public:
  RowArgs(const Napi::CallbackInfo& info, size_t count, const char* usage) : info_(info) {
    if (info.Length() < count + 1 || !info[0].IsArrayBuffer()) throw Napi::TypeError::New(info.Env(), usage);
    heap_ = info[0].As<Napi::ArrayBuffer>();
  }
  int64_t Size(const char* name) {
    const int64_t v = Int(info_, next_++, name);
    if (v < 0) throw Napi::RangeError::New(info_.Env(), std::string(name) + " must not be negative");
    return v;
  }
  float Number(const char* name) {
    if (!info_[next_].IsNumber()) throw Napi::TypeError::New(info_.Env(), std::string(name) + " must be a number");
    return info_[next_++].As<Napi::Number>().FloatValue();
  }
  float* Floats(int64_t count, const char* name) { return At(info_.Env(), heap_, Int(info_, next_++, name), count, name); }

 private:
  const Napi::CallbackInfo& info_;
  Napi::ArrayBuffer heap_;
  size_t next_ = 1;
};

Napi::Value LayerNormFn(const Napi::CallbackInfo& info) {
  RowArgs a(info, 7, "layerNorm(heap: ArrayBuffer, rows, n, eps, x, g, b, y)");
  const int64_t rows = a.Size("rows"), n = a.Size("n");
  const float eps = a.Number("eps");
  const float *x = a.Floats(rows * n, "x"), *g = a.Floats(n, "g"), *b = a.Floats(n, "b");
  float* y = a.Floats(rows * n, "y");
  if (n > 0) quantscope::LayerNorm(x, g, b, y, rows, n, eps);
  return info.Env().Undefined();
}

Napi::Value LayerNormGradFn(const Napi::CallbackInfo& info) {
  RowArgs a(info, 9, "layerNormGrad(heap: ArrayBuffer, rows, n, eps, dy, x, g, dx, dg, db)");
  const int64_t rows = a.Size("rows"), n = a.Size("n");
  const float eps = a.Number("eps");
  const float *dy = a.Floats(rows * n, "dy"), *x = a.Floats(rows * n, "x"), *g = a.Floats(n, "g");
  float *dx = a.Floats(rows * n, "dx"), *dg = a.Floats(n, "dg"), *db = a.Floats(n, "db");
  if (n > 0) quantscope::LayerNormGrad(dy, x, g, dx, dg, db, rows, n, eps);
  return info.Env().Undefined();
}

Napi::Value GeluFn(const Napi::CallbackInfo& info) {
  RowArgs a(info, 3, "gelu(heap: ArrayBuffer, count, x, y)");
  const int64_t count = a.Size("count");
  const float* x = a.Floats(count, "x");
  quantscope::Gelu(x, a.Floats(count, "y"), count);
  return info.Env().Undefined();
}

Napi::Value GeluGradFn(const Napi::CallbackInfo& info) {
  RowArgs a(info, 4, "geluGrad(heap: ArrayBuffer, count, dy, x, dx)");
  const int64_t count = a.Size("count");
  const float *dy = a.Floats(count, "dy"), *x = a.Floats(count, "x");
  quantscope::GeluGrad(dy, x, a.Floats(count, "dx"), count);
  return info.Env().Undefined();
}

Napi::Value SoftmaxFn(const Napi::CallbackInfo& info) {
  RowArgs a(info, 4, "softmax(heap: ArrayBuffer, rows, n, x, y)");
  const int64_t rows = a.Size("rows"), n = a.Size("n");
  const float* x = a.Floats(rows * n, "x");
  if (n > 0) quantscope::Softmax(x, a.Floats(rows * n, "y"), rows, n);
  return info.Env().Undefined();
}

Napi::Value SoftmaxGradFn(const Napi::CallbackInfo& info) {
  RowArgs a(info, 5, "softmaxGrad(heap: ArrayBuffer, rows, n, dy, y, dx)");
  const int64_t rows = a.Size("rows"), n = a.Size("n");
  const float *dy = a.Floats(rows * n, "dy"), *y = a.Floats(rows * n, "y");
  if (n > 0) quantscope::SoftmaxGrad(dy, y, a.Floats(rows * n, "dx"), rows, n);
  return info.Env().Undefined();
}

// Sets OpenBLAS's threads and the row kernels' alike.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int64_t n = Int(info, 0, "threads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "threads must be at least 1");
  openblas_set_num_threads(static_cast<int>(n));
  quantscope::SetRowThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value RowThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), quantscope::RowThreads());
}

// What OpenBLAS was built as and which CPU kernel it picked (OPENBLAS_CORETYPE decides the latter).
Napi::Value Config(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("blas", Napi::String::New(info.Env(), openblas_get_config()));
  o.Set("core", Napi::String::New(info.Env(), openblas_get_corename()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation, "biasActivation"));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNormFn, "layerNorm"));
  exports.Set("layerNormGrad", Napi::Function::New(env, LayerNormGradFn, "layerNormGrad"));
  exports.Set("gelu", Napi::Function::New(env, GeluFn, "gelu"));
  exports.Set("geluGrad", Napi::Function::New(env, GeluGradFn, "geluGrad"));
  exports.Set("softmax", Napi::Function::New(env, SoftmaxFn, "softmax"));
  exports.Set("softmaxGrad", Napi::Function::New(env, SoftmaxGradFn, "softmaxGrad"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("rowThreads", Napi::Function::New(env, RowThreads, "rowThreads"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
  return exports;
}

}  // namespace

NODE_API_MODULE(quantscope_native, Init)
