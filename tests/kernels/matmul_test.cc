// Every fast matmul kernel against its reference twin (ref::linear over the same stored
// weights), on odd shapes (K not a multiple of 64 or of the SIMD width, M and N not multiples
// of the tiles) and on every instruction set this CPU supports.
//
// Fast paths round activations (int8 per 32-value block, or bf16), so the bound is exact
// rounding analysis, not a guess: |fast - ref| <= sum_k |w_k| * (max rounding error of x_k).
#include "kernels/matmul.h"

#include <cmath>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kernels/ref.h"
#include "tensor/quant.h"

namespace seek {
namespace {

struct Case {
  DType dtype;
  int64_t M, N, K;
};

std::vector<float> random_values(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Stores float weights (N, K) in `dtype`, returning the bytes.
std::vector<uint8_t> store(const std::vector<float>& w, DType dtype, int64_t N, int64_t K) {
  std::vector<uint8_t> out(dtype_bytes(dtype, N * K));
  for (int64_t n = 0; n < N; ++n) {
    uint8_t* row = out.data() + n * dtype_bytes(dtype, K);
    const float* src = &w[n * K];
    if (is_quantized(dtype)) {
      quantize_blocks(dtype, src, row, K);
    } else {
      for (int64_t k = 0; k < K; ++k) {
        if (dtype == DType::kF32) std::memcpy(row + 4 * k, &src[k], 4);
        if (dtype == DType::kBF16) {
          const uint16_t h = f32_to_bf16(src[k]);
          std::memcpy(row + 2 * k, &h, 2);
        }
        if (dtype == DType::kF16) {
          const uint16_t h = f32_to_f16(src[k]);
          std::memcpy(row + 2 * k, &h, 2);
        }
      }
    }
  }
  return out;
}

// Whether the fast path rounds quantized weights (and activations) to bf16: AMX prefill.
bool bf16_tiles(DType dtype, Isa isa, int64_t M) {
  return isa == Isa::kAmx && M >= kGemmMinTokens && (is_quantized(dtype) || dtype == DType::kBF16);
}

// The largest rounding error the fast path may make on activation x_k.
std::vector<float> activation_error(const std::vector<float>& x, DType dtype, Isa isa, int64_t M, int64_t K) {
  std::vector<float> err(x.size(), 0.0f);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t k = 0; k < K; ++k) {
      const float v = x[m * K + k];
      if (bf16_tiles(dtype, isa, M) || (dtype == DType::kBF16 && isa != Isa::kScalar && isa != Isa::kAvx2)) {
        err[m * K + k] = std::fabs(v) * std::ldexp(1.0f, -8);
      } else if (is_quantized(dtype)) {
        float amax = 0;
        for (int64_t j = k / 32 * 32; j < k / 32 * 32 + 32; ++j) amax = std::max(amax, std::fabs(x[m * K + j]));
        err[m * K + k] = amax / 127 * 0.5f;
      }
    }
  }
  return err;
}

void check(const Case& c, Isa isa) {
  SCOPED_TRACE(fmt::format("{} M={} N={} K={} on {}", dtype_name(c.dtype), c.M, c.N, c.K, isa_name(isa)));
  const std::vector<float> wf = random_values(c.N * c.K, 7 + c.K, 0.05f);
  std::vector<float> x = random_values(c.M * c.K, 11 + c.M);
  x[0] = 40.0f;  // an outlier channel, as real activations have
  const std::vector<uint8_t> bytes = store(wf, c.dtype, c.N, c.K);
  const Tensor w{c.dtype, {c.N, c.K}, bytes.data(), {}};

  std::vector<float> ref(c.M * c.N), fast(c.M * c.N, NAN);
  ref::linear(ref.data(), x.data(), w, c.M);
  ThreadPool pool(2);
  matmul(fast.data(), x.data(), c.M, w, &pool, isa);

  const std::vector<float> wq = dequantize(w);
  const std::vector<float> xerr = activation_error(x, c.dtype, isa, c.M, c.K);
  // Relative rounding of the weights themselves (quantized weights dequantized to bf16).
  const double wrel = bf16_tiles(c.dtype, isa, c.M) && is_quantized(c.dtype) ? std::ldexp(1.0, -8) : 0.0;
  for (int64_t m = 0; m < c.M; ++m) {
    for (int64_t n = 0; n < c.N; ++n) {
      double bound = 0, magnitude = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        const double w = std::fabs(wq[n * c.K + k]);
        bound += w * xerr[m * c.K + k] + wrel * w * (std::fabs(x[m * c.K + k]) + xerr[m * c.K + k]);
        magnitude += std::fabs(wq[n * c.K + k] * x[m * c.K + k]);
      }
      bound += 1e-5 * magnitude + 1e-6;  // float accumulation order
      ASSERT_NEAR(fast[m * c.N + n], ref[m * c.N + n], bound) << "m=" << m << " n=" << n;
    }
  }
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (int64_t M : {1, 3, 4, 9, 13}) {
    for (int64_t N : {1, 7, 33, 161}) {
      for (int64_t K : {1, 17, 40, 100}) {
        for (DType t : {DType::kF32, DType::kF16, DType::kBF16}) out.push_back({t, M, N, K});
      }
      // 1, 3 (odd), 4, 5, 7, 12 and 13 (a unit of 8 and one of 4 or 5), 16 blocks of 32: every
      // split of a short last unit's pairs (Q4_0R's full load ends at the row's end at 4)
      for (int64_t K : {32, 96, 128, 160, 224, 384, 416, 512}) {
        for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_0R}) out.push_back({t, M, N, K});
      }
      for (int64_t K : {256, 768}) {
        for (DType t : {DType::kQ4_K, DType::kQ6_K}) out.push_back({t, M, N, K});
      }
    }
  }
  return out;
}

// Every table the CI machine has must be exercised (it has AVX-512): no silent skip. AMX
// also needs the kernel's permission (and CI machines without AMX exist), so its absence is a
// visible skip, not a failure. In SetUp: a skip or failure in a helper would only return
// from the helper, and the test would go on to run the missing kernels.
class MatmulTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    const Isa isa = GetParam();
    if (isa == Isa::kAmx && !isa_supported(isa)) GTEST_SKIP() << "AMX is absent or Linux refused the tile state";
    if (!isa_supported(isa)) GTEST_FAIL() << isa_name(isa) << " is not supported on this CPU";
  }
};

// Q4_0R is the AVX-512 kernels' own layout (matmul_dtype); the AVX2 ones refuse it (below).
bool runs(DType t, Isa isa) { return t != DType::kQ4_0R || isa != Isa::kAvx2; }

TEST_P(MatmulTest, MatchesReferenceOnOddShapes) {
  for (const Case& c : cases()) {
    if (runs(c.dtype, GetParam())) check(c, GetParam());
  }
}

// Shapes past the prefill tiles: token tiles of 6 and 8 (AVX-512), 32 (AMX) and their
// remainders, panels of 32 and 48 rows with a partial last one, several 256-value units,
// and a K that is not a whole number of AMX's 32-value chunks.
TEST_P(MatmulTest, MatchesReferenceAcrossTiles) {
  for (int64_t M : {31, 37}) {
    for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_0R}) {
      if (runs(t, GetParam())) check({t, M, 70, 1120}, GetParam());
    }
    for (DType t : {DType::kQ4_K, DType::kQ6_K}) check({t, M, 70, 1024}, GetParam());
    for (DType t : {DType::kF32, DType::kF16, DType::kBF16}) check({t, M, 101, 211}, GetParam());
  }
}

// A group runs each product through the same kernels as matmul() alone, only scheduled
// together, so every output is bit-identical. The group mixes weight types (as matmul_dtype
// gives them for the instruction set), decode and prefill token counts, an empty product, and
// two products on the same activations (which share their prepared copy).
TEST_P(MatmulTest, GroupEqualsSeparateProducts) {
  const std::vector<Case> shapes = {{DType::kQ8_0, 1, 33, 96},  {DType::kQ8_0, 1, 161, 96}, {DType::kQ4_0, 3, 7, 160},
                                    {DType::kQ4_K, 1, 70, 768}, {DType::kQ6_K, 9, 33, 256}, {DType::kBF16, 1, 101, 211},
                                    {DType::kF32, 4, 17, 40},   {DType::kQ4_0, 0, 5, 64},   {DType::kQ8_0, 13, 161, 512}};
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<Tensor> weights;
  std::vector<std::vector<float>> xs, grouped, alone;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Case& c = shapes[i];
    bytes.push_back(store(random_values(c.N * c.K, 5 + i, 0.05f), matmul_dtype(c.dtype, GetParam()), c.N, c.K));
    xs.push_back(random_values(c.M * c.K, 9 + i));
    grouped.emplace_back(c.M * c.N, NAN);
    alone.emplace_back(c.M * c.N, NAN);
  }
  for (size_t i = 0; i < shapes.size(); ++i) {
    weights.push_back({matmul_dtype(shapes[i].dtype, GetParam()), {shapes[i].N, shapes[i].K}, bytes[i].data(), {}});
  }
  std::vector<MatmulTask> tasks;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const float* x = i == 1 ? xs[0].data() : xs[i].data();  // products 0 and 1: same x (gate and up)
    tasks.push_back({grouped[i].data(), x, shapes[i].M, &weights[i]});
  }
  ThreadPool pool(2);
  matmul_group(tasks, &pool, GetParam());
  for (size_t i = 0; i < shapes.size(); ++i) {
    matmul(alone[i].data(), tasks[i].x, shapes[i].M, weights[i], &pool, GetParam());
    for (size_t j = 0; j < alone[i].size(); ++j) {
      ASSERT_EQ(grouped[i][j], alone[i][j]) << "product " << i << " (" << dtype_name(shapes[i].dtype) << ") output " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, MatmulTest, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

TEST(Matmul, Q4_0RIsTheAvx512Layout) {
  EXPECT_EQ(matmul_dtype(DType::kQ4_0, Isa::kAvx512), DType::kQ4_0R);
  EXPECT_EQ(matmul_dtype(DType::kQ4_0, Isa::kAmx), DType::kQ4_0R);
  EXPECT_EQ(matmul_dtype(DType::kQ4_0, Isa::kAvx2), DType::kQ4_0);
  EXPECT_EQ(matmul_dtype(DType::kQ8_0, Isa::kAvx512), DType::kQ8_0);
  const std::vector<uint8_t> bytes(dtype_bytes(DType::kQ4_0R, 64));
  const Tensor w{DType::kQ4_0R, {1, 64}, bytes.data(), {}};
  std::vector<float> x(64), y(1);
  ThreadPool pool(1);
  EXPECT_DEATH(matmul(y.data(), x.data(), 1, w, &pool, Isa::kAvx2), "AVX2 kernels do not read Q4_0R");
}

TEST(Matmul, BestIsaIsSupported) {
  EXPECT_TRUE(isa_supported(best_isa()));
  EXPECT_TRUE(matmul_supports(DType::kQ4_K));
  EXPECT_FALSE(matmul_supports(DType::kF8E4M3));
}

}  // namespace
}  // namespace seek
