// Each test names one way a safetensors file can be wrong (leveldb log_test style); the
// parser must refuse it with a message that says where and what, and never crash.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace seek {
namespace {

using testing::make_safetensors;

Result<SafetensorsHeader> parse(const std::string& bytes) {
  return parse_safetensors_header({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "t.safetensors");
}

// Two tensors: a (2,) F32 at [0, 8) and b (2, 2) BF16 at [8, 16).
Json valid_header() {
  return Json{{"__metadata__", {{"format", "pt"}}},
              {"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}},
              {"b", {{"dtype", "BF16"}, {"shape", {2, 2}}, {"data_offsets", {8, 16}}}}};
}

void expect_error(const std::string& bytes, std::initializer_list<std::string_view> fragments) {
  Result<SafetensorsHeader> r = parse(bytes);
  ASSERT_FALSE(r.is_ok()) << "parsed a bad file";
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("t.safetensors"), std::string::npos) << msg;
  for (std::string_view f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "missing '" << f << "' in: " << msg;
}

TEST(Safetensors, ValidFileParses) {
  Result<SafetensorsHeader> r = parse(make_safetensors(valid_header(), std::string(16, '\0')));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->tensors.size(), 2u);
  EXPECT_EQ(r->tensors[1].name, "b");
  EXPECT_EQ(r->tensors[1].dtype, DType::kBF16);
  EXPECT_EQ(r->tensors[1].shape, (Shape{2, 2}));
  EXPECT_EQ(r->metadata.at("format"), "pt");
}

TEST(Safetensors, EmptyAndScalarTensorsAreAllowed) {
  Json h = {{"e", {{"dtype", "F32"}, {"shape", {0, 4}}, {"data_offsets", {0, 0}}}},
            {"s", {{"dtype", "F32"}, {"shape", Json::array()}, {"data_offsets", {0, 4}}}}};
  EXPECT_TRUE(parse(make_safetensors(h, std::string(4, '\0'))).is_ok());
}

TEST(Safetensors, PaddedHeaderIsAllowed) {
  std::string text = valid_header().dump() + "      ";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(text.size());
  EXPECT_TRUE(parse(bytes + text + std::string(16, '\0')).is_ok());
}

TEST(Safetensors, FileShorterThanLengthPrefix) { expect_error("abc", {"shorter than the 8-byte header"}); }

TEST(Safetensors, HeaderLengthPastEnd) {
  std::string bytes = make_safetensors(valid_header(), std::string(16, '\0'));
  bytes[0] = static_cast<char>(0xff);
  bytes[1] = static_cast<char>(0xff);
  expect_error(bytes, {"header length 65535", "past the end"});
}

TEST(Safetensors, HeaderLengthOverLimit) {
  std::string bytes(8, '\0');
  bytes[7] = 0x01;  // 2^56
  expect_error(bytes, {"exceeds the"});
}

TEST(Safetensors, HeaderNotJson) {
  std::string text = "{\"a\": [1, 2";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(text.size());
  expect_error(bytes + text, {"[json]"});
}

TEST(Safetensors, HeaderNotAnObject) { expect_error(make_safetensors(Json::array({1, 2}), ""), {"expected an object"}); }

TEST(Safetensors, DuplicateTensorName) {
  std::string text = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(text.size());
  expect_error(bytes + text + std::string(8, '\0'), {"duplicate key \"a\""});
}

TEST(Safetensors, UnknownDtype) {
  Json h = valid_header();
  h["a"]["dtype"] = "F4";
  expect_error(make_safetensors(h, std::string(16, '\0')), {"tensor 'a'", "unknown dtype \"F4\""});
}

TEST(Safetensors, MissingField) {
  Json h = valid_header();
  h["b"].erase("shape");
  expect_error(make_safetensors(h, std::string(16, '\0')), {"tensor 'b'", "missing \"shape\""});
}

TEST(Safetensors, NegativeDimension) {
  Json h = valid_header();
  h["b"]["shape"] = {-2, -2};
  expect_error(make_safetensors(h, std::string(16, '\0')), {"tensor 'b'", "non-negative"});
}

TEST(Safetensors, ShapeOverflow) {
  Json h = valid_header();
  h["b"]["shape"] = {uint64_t{1} << 40, uint64_t{1} << 40};
  expect_error(make_safetensors(h, std::string(16, '\0')), {"tensor 'b'", "2^48"});
}

TEST(Safetensors, DtypeDoesNotMatchByteCount) {
  Json h = valid_header();
  h["b"]["dtype"] = "F32";  // 4 x F32 needs 16 bytes, the offsets hold 8
  expect_error(make_safetensors(h, std::string(16, '\0')), {"tensor 'b'", "hold 8 bytes", "needs 16"});
}

TEST(Safetensors, OffsetsPastEnd) {
  expect_error(make_safetensors(valid_header(), std::string(12, '\0')), {"tensor 'b'", "runs past the end", "truncated"});
}

TEST(Safetensors, OffsetsEndBeforeBegin) {
  Json h = valid_header();
  h["b"]["data_offsets"] = {16, 8};
  expect_error(make_safetensors(h, std::string(16, '\0')), {"tensor 'b'", "end before begin"});
}

TEST(Safetensors, OverlappingTensors) {
  Json h = valid_header();
  h["b"]["data_offsets"] = {4, 12};
  expect_error(make_safetensors(h, std::string(16, '\0')), {"overlaps tensor 'a'"});
}

TEST(Safetensors, GapBetweenTensors) {
  Json h = valid_header();
  h["b"]["data_offsets"] = {12, 20};
  expect_error(make_safetensors(h, std::string(20, '\0')), {"4 unused bytes before tensor 'b'"});
}

TEST(Safetensors, TrailingBytesAfterLastTensor) {
  expect_error(make_safetensors(valid_header(), std::string(24, '\0')), {"data buffer is 24 bytes but tensors cover 16"});
}

TEST(Safetensors, MetadataMustBeStrings) {
  Json h = valid_header();
  h["__metadata__"]["step"] = 3;
  expect_error(make_safetensors(h, std::string(16, '\0')), {"__metadata__[\"step\"]"});
}

TEST(Safetensors, DeepNestingIsRefused) {
  std::string text(100000, '[');
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(text.size() & 0xff);
  bytes[1] = static_cast<char>((text.size() >> 8) & 0xff);
  bytes[2] = static_cast<char>(text.size() >> 16);
  expect_error(bytes + text, {"nesting"});
}

TEST(SafetensorsFile, ViewsPointIntoTheMap) {
  const std::string path = testing::make_temp_dir() + "/m.safetensors";
  std::string data(16, '\0');
  const float a[2] = {1.5f, -2.0f};
  std::memcpy(data.data(), a, 8);
  testing::write_file(path, make_safetensors(valid_header(), data));
  Result<SafetensorsFile> f = SafetensorsFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(dequantize(f->view(f->header().tensors[0])), (std::vector<float>{1.5f, -2.0f}));
}

}  // namespace
}  // namespace seek
