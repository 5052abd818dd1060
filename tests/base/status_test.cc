#include "base/status.h"

#include <gtest/gtest.h>

namespace seek {
namespace {

Result<int> half(int x) {
  if (x % 2) return Status::invalid_argument(fmt::format("[half] {} is odd", x));
  return x / 2;
}

Result<int> quarter(int x) {
  SEEK_ASSIGN_OR_RETURN(int h, half(x));
  SEEK_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::corruption("[x] bad");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.to_string(), "corruption: [x] bad");
  EXPECT_EQ(s.with_context("file.bin").message(), "file.bin: [x] bad");
}

TEST(Result, PropagatesFirstError) {
  EXPECT_EQ(*quarter(12), 3);
  Result<int> r = quarter(6);  // 6/2 = 3 is odd
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "[half] 3 is odd");
  EXPECT_TRUE(quarter(8).status().is_ok());
}

}  // namespace
}  // namespace seek
