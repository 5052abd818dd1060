#include "io/npy.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace seek {
namespace {

TEST(Npy, RoundTrips) {
  const std::vector<float> v = {1, 2, 3, 4, 5, -6.5f};
  const std::string path = testing::make_temp_dir() + "/a.npy";
  ASSERT_TRUE(write_npy(path, {2, 3}, v.data()).is_ok());
  Result<NpyArray> a = read_npy(path);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->shape, (Shape{2, 3}));
  EXPECT_EQ(a->data, v);
  EXPECT_EQ((testing::read_file(path).size() - v.size() * 4) % 64, 0u);  // header padded to 64 bytes
}

TEST(Npy, OneDimensionalShapeUsesTrailingComma) {
  const float v[2] = {1, 2};
  const std::string bytes = encode_npy({2}, v);
  EXPECT_NE(bytes.find("'shape': (2,)"), std::string::npos);
  EXPECT_EQ((bytes.find('\n') + 1) % 64, 0u);
  EXPECT_TRUE(decode_npy(bytes, "x").is_ok());
}

TEST(Npy, RefusesWrongDtypeAndTruncation) {
  const float v[2] = {1, 2};
  std::string bytes = encode_npy({2}, v);
  EXPECT_FALSE(decode_npy(bytes.substr(0, bytes.size() - 1), "x").is_ok());
  std::string f8 = bytes;
  f8.replace(f8.find("<f4"), 3, "<f8");
  EXPECT_NE(decode_npy(f8, "x").status().message().find("'<f4'"), std::string::npos);
  EXPECT_FALSE(decode_npy("not numpy", "x").is_ok());
}

}  // namespace
}  // namespace seek
