// Split GGUF models: GgufWriter::write_split writes parts the way llama.cpp's gguf-split does,
// GgufParts opens them from any part and finds every tensor; a missing, renamed, misnumbered or
// overlapping part is a clear error.
#include <filesystem>

#include <gtest/gtest.h>

#include "io/gguf_parts.h"
#include "io/gguf_writer.h"
#include "test_util.h"

namespace seek {
namespace {

namespace fs = std::filesystem;

// Five F32 tensors t0..t4 of 100, 20, 20, 300 and 10 values (byte b of tensor i is b * 3 + i).
GgufWriter model_writer() {
  GgufWriter w;
  w.set("general.architecture", gguf_string("deepseek2"));
  w.set("general.name", gguf_string("parts"));
  const int64_t sizes[] = {100, 20, 20, 300, 10};
  for (int i = 0; i < 5; ++i) {
    const size_t n = static_cast<size_t>(sizes[i]) * 4;
    EXPECT_TRUE(w.add_tensor(fmt::format("t{}", i), DType::kF32, {sizes[i]}, [n, i](uint8_t* out) {
                   for (size_t b = 0; b < n; ++b) out[b] = static_cast<uint8_t>(b * 3 + i);
                   return Status::ok();
                 }).is_ok());
  }
  return w;
}

GgufParts open_parts(const std::string& path) {
  Result<GgufParts> p = GgufParts::open(path);
  EXPECT_TRUE(p.is_ok()) << p.status().to_string();
  return std::move(p).value();
}

void expect_error(const Status& s, StatusCode code, std::initializer_list<std::string> parts) {
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), code) << s.to_string();
  for (const std::string& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << s.to_string();
}

TEST(GgufParts, NamesPartsAsLlamaCppDoes) {
  EXPECT_EQ(gguf_split_path("/m/DeepSeek-R1-Q4_K_M", 2, 9), "/m/DeepSeek-R1-Q4_K_M-00002-of-00009.gguf");
  const std::optional<GgufSplitName> n = parse_gguf_split_path("/m/DeepSeek-R1-Q4_K_M-00002-of-00009.gguf");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->prefix, "/m/DeepSeek-R1-Q4_K_M");
  EXPECT_EQ(n->index, 2);
  EXPECT_EQ(n->count, 9);
  for (const char* not_a_part : {"/m/model.gguf", "/m/x-00010-of-00009.gguf", "/m/x-00000-of-00009.gguf",
                                 "/m/x-0001-of-0009.gguf", "/m/x-000001-of-000009.gguf", "/m/x-00001-of-00009.bin", "00001-of-00009.gguf"}) {
    EXPECT_FALSE(parse_gguf_split_path(not_a_part).has_value()) << not_a_part;
  }
}

TEST(GgufParts, ReadsEveryTensorFromAnyPart) {
  const std::string dir = testing::make_temp_dir();
  // 1200 bytes at most per part: t0 (400) + t1 (80) + t2 (80), t3 (1200), t4 (40).
  Result<std::vector<std::string>> paths = model_writer().write_split(dir + "/m", 1200);
  ASSERT_TRUE(paths.is_ok()) << paths.status().to_string();
  ASSERT_EQ(*paths, (std::vector<std::string>{dir + "/m-00001-of-00003.gguf", dir + "/m-00002-of-00003.gguf",
                                              dir + "/m-00003-of-00003.gguf"}));
  for (const std::string& given : *paths) {
    const GgufParts p = open_parts(given);
    ASSERT_EQ(p.files().size(), 3u);
    EXPECT_EQ(*p.meta().get_string("general.name"), "parts");
    EXPECT_EQ(*p.meta().get_uint("split.tensors.count"), 5u);
    EXPECT_FALSE(p.files()[1]->has("general.name"));  // later parts carry only the split keys
    EXPECT_EQ(*p.files()[2]->get_uint("split.no"), 2u);
    ASSERT_EQ(p.tensors().size(), 5u);
    for (int i = 0; i < 5; ++i) {
      const std::optional<GgufParts::TensorRef> t = p.find_tensor(fmt::format("t{}", i));
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(t->file, p.files()[i < 3 ? 0 : i - 2].get()) << i;
      const Tensor v = p.view(*t);
      for (size_t b = 0; b < t->info->nbytes; ++b) ASSERT_EQ(v.data[b], static_cast<uint8_t>(b * 3 + i)) << i << " " << b;
    }
  }
  // An unsplit file is one part.
  ASSERT_TRUE(model_writer().write(dir + "/whole.gguf").is_ok());
  const GgufParts whole = open_parts(dir + "/whole.gguf");
  EXPECT_EQ(whole.files().size(), 1u);
  EXPECT_EQ(whole.tensors().size(), 5u);
}

TEST(GgufParts, MissingRenamedOrMisnumberedPartsAreErrors) {
  const std::string dir = testing::make_temp_dir();
  ASSERT_TRUE(model_writer().write_split(dir + "/m", 1200).is_ok());
  const std::string p1 = dir + "/m-00001-of-00003.gguf", p2 = dir + "/m-00002-of-00003.gguf", p3 = dir + "/m-00003-of-00003.gguf";

  fs::rename(p3, dir + "/aside.gguf");
  expect_error(GgufParts::open(p1).status(), StatusCode::kNotFound, {p3, "part 3 of the 3 parts", "is missing"});
  fs::rename(dir + "/aside.gguf", dir + "/renamed.gguf");
  expect_error(GgufParts::open(dir + "/renamed.gguf").status(), StatusCode::kCorruption,
               {"part 3 of a split GGUF of 3 files", "not named PREFIX-00003-of-00003.gguf"});
  fs::rename(dir + "/renamed.gguf", p2 + ".tmp");
  fs::rename(p2, p3);
  fs::rename(p2 + ".tmp", p2);  // parts 2 and 3 swapped
  expect_error(GgufParts::open(p1).status(), StatusCode::kCorruption, {p2, "split.no 2 and split.count 3, expected 1 and 3"});
  expect_error(GgufParts::of(*GgufFile::open(p1)).status(), StatusCode::kUnsupported,
               {"part 1 of a split GGUF of 3 files", "open it by its path"});
}

TEST(GgufParts, TensorsMustNotRepeatAndMustAddUp) {
  const std::string dir = testing::make_temp_dir();
  ASSERT_TRUE(model_writer().write_split(dir + "/m", 1200).is_ok());
  const auto part = [&](int no, const std::vector<std::string>& names, int total) {
    GgufWriter w;
    w.set("split.no", gguf_u16(static_cast<uint16_t>(no)));
    w.set("split.count", gguf_u16(3));
    w.set("split.tensors.count", gguf_i32(total));
    for (const std::string& n : names) {
      EXPECT_TRUE(w.add_tensor(n, DType::kF32, {4}, [](uint8_t* out) { return std::fill_n(out, 16, 0), Status::ok(); }).is_ok());
    }
    EXPECT_TRUE(w.write(gguf_split_path(dir + "/m", no + 1, 3)).is_ok());
  };
  part(2, {"t0"}, 5);
  expect_error(GgufParts::open(dir + "/m-00001-of-00003.gguf").status(), StatusCode::kCorruption,
               {"m-00003-of-00003.gguf", "tensor 't0' is also in", "m-00001-of-00003.gguf"});
  part(2, {"t4", "t5"}, 5);
  expect_error(GgufParts::open(dir + "/m-00003-of-00003.gguf").status(), StatusCode::kCorruption,
               {"split.tensors.count is 5, but the 3 part(s) hold 6 tensors"});
}

// A part that fails to write takes the parts written before it away too.
TEST(GgufParts, FailureLeavesNoParts) {
  GgufWriter w = model_writer();
  ASSERT_TRUE(w.add_tensor("bad", DType::kF32, {4}, [](uint8_t*) { return Status::io_error("source vanished"); }).is_ok());
  const std::string dir = testing::make_temp_dir();
  expect_error(w.write_split(dir + "/m", 1200).status(), StatusCode::kIoError, {"tensor 'bad'", "source vanished"});
  EXPECT_TRUE(fs::is_empty(dir));
}

}  // namespace
}  // namespace seek
