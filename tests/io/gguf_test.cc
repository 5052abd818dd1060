// GGUF reader and writer: a writer -> reader round trip of every metadata type and tensor type,
// and named corruption cases (leveldb style) built byte by byte, each of which must be a Status
// naming what is wrong, never a crash.
#include <filesystem>

#include <gtest/gtest.h>

#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "test_util.h"

namespace seek {
namespace {

// ---- a byte-level GGUF builder for crafting broken files ----

class Raw {
 public:
  Raw& u8(uint8_t v) { return put(v); }
  Raw& u32(uint32_t v) { return put(v); }
  Raw& u64(uint64_t v) { return put(v); }
  Raw& f32(float v) { return put(v); }
  Raw& str(const std::string& s) {
    u64(s.size());
    b += s;
    return *this;
  }
  Raw& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) { return u32(kGgufMagic).u32(version).u64(n_tensors).u64(n_kv); }
  Raw& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(static_cast<uint32_t>(GgufType::kU32)).u32(v); }
  // One tensor info: name, ne (innermost first), ggml type, offset.
  Raw& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t n : ne) u64(n);
    return u32(type).u64(offset);
  }
  Raw& pad(size_t align = 32) {
    b.resize((b.size() + align - 1) / align * align, '\0');
    return *this;
  }
  Raw& zeros(size_t n) {
    b.append(n, '\0');
    return *this;
  }
  std::span<const uint8_t> span() const { return {reinterpret_cast<const uint8_t*>(b.data()), b.size()}; }

  std::string b;

 private:
  template <class T>
  Raw& put(T v) {
    b.append(reinterpret_cast<const char*>(&v), sizeof(T));
    return *this;
  }
};

Status parse(const Raw& r) { return GgufFile::parse(r.span(), "test.gguf").status(); }

// Expects a failure whose message contains every one of `parts`.
void expect_error(const Status& s, std::initializer_list<std::string> parts) {
  ASSERT_FALSE(s.is_ok()) << "expected an error containing '" << *parts.begin() << "'";
  for (const std::string& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << s.message();
}

// A valid file: one kv, an F32 (2, 8) tensor and a Q8_0 (1, 32) tensor.
Raw valid_file() {
  Raw r;
  r.header(2, 1).kv_u32("general.alignment", 32);
  r.tensor("a", {8, 2}, 0, 0).tensor("b", {32, 1}, 8, 64);
  r.pad().zeros(64 + 34);
  return r;
}

TEST(GgufReader, ParsesAValidFile) {
  const Raw r = valid_file();
  Result<GgufFile> f = GgufFile::parse(r.span(), "test.gguf");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(f->tensors()[0].shape, (Shape{2, 8}));  // ne {8, 2} reversed
  EXPECT_EQ(f->tensors()[1].dtype, DType::kQ8_0);
  EXPECT_EQ(f->data_offset() % 32, 0u);
  EXPECT_EQ(f->view(f->tensors()[1]).data, r.span().data() + f->data_offset() + 64);
}

// ---- named corruption cases ----

TEST(GgufCorruption, BadMagic) {
  Raw r = valid_file();
  r.b[0] = 'X';
  expect_error(parse(r), {"bad magic", "not a GGUF file"});
}

TEST(GgufCorruption, EmptyFile) { expect_error(parse(Raw()), {"truncated reading the magic", "need 4 bytes, only 0 remain"}); }

TEST(GgufCorruption, TruncatedHeader) {
  Raw r = valid_file();
  r.b.resize(12);
  expect_error(parse(r), {"at byte 8", "truncated reading the tensor count"});
}

TEST(GgufCorruption, UnsupportedVersion) {
  expect_error(parse(Raw().header(0, 0, 1)), {"GGUF version 1, expected 2 or 3"});
  expect_error(parse(Raw().header(0, 0, 4)), {"GGUF version 4"});
  EXPECT_TRUE(parse(Raw().header(0, 0, 2)).is_ok());
}

TEST(GgufCorruption, BigEndian) { expect_error(parse(Raw().header(0, 0, 0x03000000u)), {"big-endian"}); }

TEST(GgufCorruption, StringLengthPastEnd) {
  Raw r;
  r.header(0, 1).u64(1000).b += "general.name";
  expect_error(parse(r), {"the key of metadata entry 0 is 1000 bytes long, past the end"});
}

TEST(GgufCorruption, KeyTooLong) {
  Raw r;
  r.header(0, 1).str(std::string(70000, 'k')).u32(4).u32(1);
  expect_error(parse(r), {"70000 bytes long, more than the limit of 65535"});
}

TEST(GgufCorruption, HugeArrayCount) {
  Raw r;
  r.header(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(uint64_t{1} << 60);
  expect_error(parse(r), {"key 'tokenizer.ggml.tokens' is an array of 1152921504606846976 string", "bytes that remain"});
}

TEST(GgufCorruption, HugeCounts) {
  expect_error(parse(Raw().header(uint64_t{1} << 62, 0)), {"tensor count 4611686018427387904 cannot fit"});
  expect_error(parse(Raw().header(0, uint64_t{1} << 62)), {"metadata count 4611686018427387904 cannot fit"});
}

TEST(GgufCorruption, NestedArray) {
  Raw r;
  r.header(0, 1).str("x").u32(9).u32(9).u64(1);
  const Status s = parse(r);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  expect_error(s, {"key 'x' is an array of arrays"});
}

TEST(GgufCorruption, UnknownValueType) {
  Raw r;
  r.header(0, 1).str("x").u32(13).u32(0);
  expect_error(parse(r), {"value of key 'x' (its type) has value type 13"});
}

TEST(GgufCorruption, BadBool) {
  Raw r;
  r.header(0, 1).str("flag").u32(7).u8(2);
  expect_error(parse(r), {"is a bool with byte value 2, expected 0 or 1"});
}

TEST(GgufCorruption, DuplicateKey) {
  Raw r;
  r.header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2);
  expect_error(parse(r), {"duplicate metadata key 'a.b'"});
}

TEST(GgufCorruption, BadAlignment) {
  expect_error(parse(Raw().header(0, 1).kv_u32("general.alignment", 24)), {"general.alignment is u32 24, expected a u32 power of two"});
  Raw r;
  r.header(0, 1).str("general.alignment").u32(10).u64(32);  // u64, not u32
  expect_error(parse(r), {"general.alignment is u64 32"});
}

TEST(GgufCorruption, TooManyDims) {
  Raw r;
  r.header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).pad().zeros(32);
  expect_error(parse(r), {"tensor 't' has 5 dimensions, at most 4"});
}

TEST(GgufCorruption, DimsOverflow) {
  Raw r;
  r.header(1, 0).tensor("t", {uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0).pad();
  expect_error(parse(r), {"tensor 't' has dimension 1 = 4294967296: the element count overflows"});
}

TEST(GgufCorruption, UnsupportedTensorType) {
  Raw r;
  r.header(1, 0).tensor("blk.0.ffn_down.weight", {256, 1}, 13, 0).pad().zeros(176);
  const Status s = parse(r);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  expect_error(s, {"tensor 'blk.0.ffn_down.weight' has unsupported tensor type Q5_K (13)"});
  Raw u;
  u.header(1, 0).tensor("w", {32, 1}, 99, 0).pad().zeros(64);
  expect_error(parse(u), {"tensor 'w' has unsupported tensor type unknown ggml_type 99"});
}

TEST(GgufCorruption, RowNotWholeBlocks) {
  Raw r;
  r.header(1, 0).tensor("w", {31, 2}, 8, 0).pad().zeros(128);
  expect_error(parse(r), {"tensor 'w' is Q8_0 with rows of 31 values, not a multiple of its block size 32"});
}

TEST(GgufCorruption, NameTooLong) {
  Raw r;
  r.header(1, 0).tensor(std::string(64, 'n'), {4}, 0, 0).pad().zeros(32);
  expect_error(parse(r), {"the name of tensor 0 is 64 bytes long, more than the limit of 63"});
}

TEST(GgufCorruption, DuplicateTensorName) {
  Raw r;
  r.header(2, 0).tensor("w", {8}, 0, 0).tensor("w", {8}, 0, 32).pad().zeros(64);
  expect_error(parse(r), {"duplicate tensor name 'w'"});
}

TEST(GgufCorruption, OffsetNotAligned) {
  Raw r;
  r.header(1, 0).tensor("w", {8}, 0, 4).pad().zeros(64);
  expect_error(parse(r), {"tensor 'w' has offset 4, not a multiple of the alignment 32"});
}

TEST(GgufCorruption, TensorPastEnd) {
  Raw r;
  r.header(1, 0).tensor("w", {8, 4}, 0, 0).pad().zeros(100);  // needs 128 bytes
  expect_error(parse(r), {"tensor 'w' F32 (4, 8) occupies data bytes [0, 128), past the end of the 100-byte data section"});
  Raw far;
  far.header(1, 0).tensor("w", {8}, 0, uint64_t{1} << 63).pad().zeros(32);
  expect_error(parse(far), {"tensor 'w'", "past the end"});
}

TEST(GgufCorruption, OverlappingTensors) {
  Raw r;
  r.header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {8}, 0, 32).pad().zeros(128);  // a is [0, 64)
  expect_error(parse(r), {"tensors 'a' [0, 64) and 'b' [32, 64) overlap"});
}

TEST(GgufCorruption, DataSectionPastEnd) {
  Raw r;
  r.header(1, 0).tensor("w", {0}, 0, 0);  // no padding: the data section starts past the end
  expect_error(parse(r), {"the data section would start at byte"});
}

// Every prefix of a valid file is refused cleanly (ASan/UBSan builds check "cleanly").
TEST(GgufCorruption, EveryTruncationIsAnError) {
  const Raw r = valid_file();
  for (size_t n = 0; n < r.b.size(); ++n) {
    Raw cut;
    cut.b = r.b.substr(0, n);
    EXPECT_FALSE(parse(cut).is_ok()) << "prefix of " << n << " bytes parsed";
  }
}

// ---- typed accessors ----

TEST(GgufReader, TypedAccessorsCheckTypes) {
  Raw r;
  r.header(0, 4).kv_u32("n", 7);
  r.str("neg").u32(static_cast<uint32_t>(GgufType::kI32)).u32(static_cast<uint32_t>(-5));
  r.str("name").u32(8).str("tiny");
  r.str("ids").u32(9).u32(static_cast<uint32_t>(GgufType::kI32)).u64(2).u32(1).u32(2);
  Result<GgufFile> f = GgufFile::parse(r.span(), "t.gguf");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(*f->get_uint("n"), 7u);
  EXPECT_EQ(*f->get_int("n"), 7);
  EXPECT_EQ(*f->get_int("neg"), -5);
  EXPECT_EQ(*f->get_string("name"), "tiny");
  EXPECT_EQ(*f->get_uint_or("absent", 9), 9u);
  expect_error(f->get_uint("neg").status(), {"key 'neg' is i32 -5, expected a non-negative integer"});
  expect_error(f->get_float("name").status(), {"key 'name' is string \"tiny\", expected f32 or f64"});
  expect_error(f->get_bool("n").status(), {"key 'n' is u32 7, expected a bool"});
  expect_error(f->get_uint("ids").status(), {"key 'ids' is array of 2 i32 [1, 2], expected an unsigned integer"});
  expect_error(f->get_array("ids", GgufType::kString).status(), {"expected an array of string"});
  const Status missing = f->get_string("general.architecture").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  expect_error(missing, {"required key 'general.architecture' (a string) is missing"});
}

// ---- writer -> reader ----

GgufValue make(GgufType type, GgufType elem) {
  GgufValue v;
  v.type = type;
  v.elem = elem;
  return v;
}

TEST(GgufWriter, RoundTripsEveryMetadataType) {
  std::vector<std::pair<std::string, GgufValue>> kv;
  const GgufType uints[] = {GgufType::kU8, GgufType::kU16, GgufType::kU32, GgufType::kU64, GgufType::kBool};
  const GgufType ints[] = {GgufType::kI8, GgufType::kI16, GgufType::kI32, GgufType::kI64};
  for (GgufType t : uints) {
    GgufValue s = make(t, t), a = make(GgufType::kArray, t);
    s.uints = {1};
    a.uints = {0, 1, 1};
    kv.emplace_back(fmt::format("s.{}", gguf_type_name(t)), s);
    kv.emplace_back(fmt::format("a.{}", gguf_type_name(t)), a);
  }
  for (GgufType t : ints) {
    GgufValue s = make(t, t), a = make(GgufType::kArray, t);
    s.ints = {-7};
    a.ints = {-1, 0, 127};
    kv.emplace_back(fmt::format("s.{}", gguf_type_name(t)), s);
    kv.emplace_back(fmt::format("a.{}", gguf_type_name(t)), a);
  }
  kv.emplace_back("s.u64big", gguf_u64(UINT64_MAX));
  kv.emplace_back("s.f32", gguf_f32(0.25f));
  GgufValue f64 = make(GgufType::kF64, GgufType::kF64);
  f64.floats = {1e300};
  kv.emplace_back("s.f64", f64);
  kv.emplace_back("a.f32", gguf_f32_array({1.5, -2.0}));
  GgufValue af64 = make(GgufType::kArray, GgufType::kF64);
  af64.floats = {0.1, 1e-300};
  kv.emplace_back("a.f64", af64);
  kv.emplace_back("s.string", gguf_string("<｜begin▁of▁sentence｜>\n"));
  kv.emplace_back("s.empty", gguf_string(""));
  kv.emplace_back("a.string", gguf_string_array({"Ġ t", "", "中文"}));
  kv.emplace_back("a.empty", gguf_string_array({}));

  GgufWriter w;
  for (const auto& [k, v] : kv) w.set(k, v);
  w.set("s.u32", gguf_u32(3));  // replacing keeps the first position
  kv[4].second = gguf_u32(3);
  const std::string path = testing::make_temp_dir() + "/meta.gguf";
  ASSERT_TRUE(w.write(path).is_ok());
  Result<GgufFile> f = GgufFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->metadata().size(), kv.size());
  for (size_t i = 0; i < kv.size(); ++i) {
    const auto& [key, want] = kv[i];
    const auto& [got_key, got] = f->metadata()[i];
    EXPECT_EQ(got_key, key);
    EXPECT_EQ(got.type, want.type) << key;
    EXPECT_EQ(got.elem, want.elem) << key;
    EXPECT_EQ(got.uints, want.uints) << key;
    EXPECT_EQ(got.ints, want.ints) << key;
    EXPECT_EQ(got.strings, want.strings) << key;
    ASSERT_EQ(got.floats.size(), want.floats.size()) << key;
    for (size_t j = 0; j < got.floats.size(); ++j) {
      const double expect = want.elem == GgufType::kF32 ? static_cast<float>(want.floats[j]) : want.floats[j];
      EXPECT_EQ(got.floats[j], expect) << key;
    }
  }
  EXPECT_EQ(f->version(), 3u);
  EXPECT_TRUE(f->tensors().empty());
}

TEST(GgufWriter, RoundTripsTensorsOfEverySupportedType) {
  struct Case {
    std::string name;
    DType dtype;
    Shape shape;
  };
  const std::vector<Case> cases = {
      {"f32", DType::kF32, {3, 5}},          {"f16", DType::kF16, {7}},         {"bf16", DType::kBF16, {2, 3}},
      {"q8_0", DType::kQ8_0, {2, 64}},       {"q4_0", DType::kQ4_0, {3, 32}},  {"q4_k", DType::kQ4_K, {1, 256}},
      {"q6_k", DType::kQ6_K, {2, 256}},      {"experts", DType::kQ8_0, {2, 3, 32}},
  };
  GgufWriter w;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const size_t n = static_cast<size_t>(dtype_bytes(c.dtype, shape_numel(c.shape)));
    ASSERT_TRUE(w.add_tensor(c.name, c.dtype, c.shape, [n, i](uint8_t* out) {
                   for (size_t b = 0; b < n; ++b) out[b] = static_cast<uint8_t>(b * 7 + i);
                   return Status::ok();
                 }).is_ok());
  }
  const std::string path = testing::make_temp_dir() + "/tensors.gguf";
  ASSERT_TRUE(w.write(path).is_ok());
  EXPECT_EQ(std::filesystem::file_size(path), w.file_size());
  Result<GgufFile> f = GgufFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->tensors().size(), cases.size());
  EXPECT_EQ(f->data_offset() % 32, 0u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const GgufTensorInfo& t = f->tensors()[i];
    EXPECT_EQ(t.name, cases[i].name);
    EXPECT_EQ(t.dtype, cases[i].dtype);
    EXPECT_EQ(t.shape, cases[i].shape);
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    const Tensor v = f->view(t);
    for (size_t b = 0; b < t.nbytes; ++b) ASSERT_EQ(v.data[b], static_cast<uint8_t>(b * 7 + i)) << t.name << " byte " << b;
  }
}

TEST(GgufWriter, RefusesBadTensors) {
  GgufWriter w;
  const auto fill = [](uint8_t*) { return Status::ok(); };
  expect_error(w.add_tensor("w", DType::kQ8_0, {2, 31}, fill), {"rows of 31 values are not whole Q8_0 blocks of 32"});
  expect_error(w.add_tensor(std::string(64, 'x'), DType::kF32, {1}, fill), {"name of 64 bytes, expected 1 to 63"});
  expect_error(w.add_tensor("w", DType::kF8E4M3, {1}, fill), {"dtype F8_E4M3 has no GGUF type"});
  ASSERT_TRUE(w.add_tensor("w", DType::kF32, {1}, fill).is_ok());
  expect_error(w.add_tensor("w", DType::kF32, {1}, fill), {"tensor 'w': added twice"});
}

// A failing tensor leaves neither the output nor a temporary file behind.
TEST(GgufWriter, FailureLeavesNoFile) {
  GgufWriter w;
  ASSERT_TRUE(w.add_tensor("bad", DType::kF32, {4}, [](uint8_t*) { return Status::io_error("source vanished"); }).is_ok());
  const std::string dir = testing::make_temp_dir();
  const Status s = w.write(dir + "/out.gguf");
  expect_error(s, {"tensor 'bad'", "source vanished"});
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace seek
