// Synthetic models (model/synthetic.h) in the kernels' layouts.
#include "model/synthetic.h"

#include <gtest/gtest.h>

namespace seek {
namespace {

// seek bench builds Q4_0 synthetic weights in the AVX-512 kernels' Q4_0R layout: the same
// random blocks, regrouped, so every tensor holds the same values.
TEST(Synthetic, Q4_0RHoldsTheQ4_0Weights) {
  Result<Model> q4 = make_synthetic_model("tiny", DType::kQ4_0), q4r = make_synthetic_model("tiny", DType::kQ4_0R);
  ASSERT_TRUE(q4.is_ok() && q4r.is_ok());
  ASSERT_EQ(q4->stored.size(), q4r->stored.size());
  int regrouped = 0;
  for (size_t i = 0; i < q4->stored.size(); ++i) {
    const Tensor& a = q4->stored[i].tensor;
    const Tensor& b = q4r->stored[i].tensor;
    regrouped += b.dtype == DType::kQ4_0R;
    EXPECT_EQ(b.dtype == DType::kQ4_0R, a.dtype == DType::kQ4_0) << q4->stored[i].name;
    EXPECT_EQ(dequantize(a), dequantize(b)) << q4->stored[i].name;
  }
  EXPECT_GT(regrouped, 10);
}

}  // namespace
}  // namespace seek
