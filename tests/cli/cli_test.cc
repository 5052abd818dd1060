// The command line end to end: seek inspect / seek logits on the tiny generated models, and the
// issue-2 list of bad files, each of which must give exit code 1 and a message on stderr that
// names the file and what is wrong (expected vs actual), never a crash.
#include <filesystem>

#include <gtest/gtest.h>

#include "io/json.h"
#include "io/npy.h"
#include "test_util.h"

namespace seek {
namespace {

namespace fs = std::filesystem;
using testing::run_seek;

std::string golden(const std::string& name) { return testing::testdata_dir() + "/golden/" + name; }

TEST(Cli, InspectSummarisesAModel) {
  std::string out, err;
  ASSERT_EQ(run_seek({"inspect", golden("v3-tiny")}, &out, &err), 0) << err;
  for (const char* s : {"deepseek_v3", "3 (1 dense, 2 MoE) + 1 MTP", "noaux_tc", "total           209.1K",
                        "active/token", "135 in 1 file(s)", "BF16", "absorbed (MLA)  120 values"}) {
    EXPECT_NE(out.find(s), std::string::npos) << "missing '" << s << "' in:\n" << out;
  }
}

TEST(Cli, LogitsWritesEveryPosition) {
  const std::string out = testing::make_temp_dir() + "/l.npy";
  std::string err;
  ASSERT_EQ(run_seek({"logits", golden("v2-lite-tiny"), "--tokens", "0,17,4", "--attn", "naive", "--incremental", "--out", out},
                     nullptr, &err), 0) << err;
  Result<NpyArray> a = read_npy(out);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->shape, (Shape{3, 320}));
}

// seek bench end to end on the smallest synthetic shape: 20 decoded tokens are two segments
// (16 + 4), judged against 3 bandwidth probes; the ratio is the segments' ideal time at the
// probed bandwidth over their decode time, so it is positive and the limit exceeds nothing
// it was derived from.
TEST(Cli, BenchReportsDecodeAgainstProbedBandwidth) {
  std::string out, err;
  ASSERT_EQ(run_seek({"bench", "--synthetic", "tiny", "--quant", "q8_0", "-t", "2", "--prompt", "16", "--gen", "20", "--json"},
                     &out, &err), 0) << err;
  Result<Json> j = parse_json(out, "bench output");
  ASSERT_TRUE(j.is_ok()) << j.status().to_string() << "\n" << out;
  EXPECT_EQ((*j)["weights"], "Q8_0");
  EXPECT_EQ((*j)["bandwidth_probes"], 3);
  EXPECT_EQ((*j)["decode_tokens"], 20);
  const double bw = (*j)["bandwidth_gbs"], lo = (*j)["bandwidth_min_gbs"], hi = (*j)["bandwidth_max_gbs"];
  EXPECT_GT(lo, 0.0);
  EXPECT_LE(lo, bw);
  EXPECT_LE(bw, hi);
  const double tps = (*j)["decode_tps"], limit = (*j)["decode_limit_tps"], fraction = (*j)["decode_fraction_of_limit"];
  EXPECT_GT(tps, 0.0);
  EXPECT_NEAR(fraction, tps / limit, 1e-3 * fraction);
  // Prefill runs 3 times by default: the best run is at least the mean.
  EXPECT_EQ((*j)["prefill_runs"], 3);
  const double mean = (*j)["prefill_tps"], best = (*j)["prefill_tps_best"], sd = (*j)["prefill_tps_sd"];
  EXPECT_GT(mean, 0.0);
  EXPECT_GE(best, mean);
  EXPECT_GE(sd, 0.0);

  // An 8-bit latent cache reads under half the bytes per cached position (the same context).
  ASSERT_EQ(run_seek({"bench", "--synthetic", "tiny", "--quant", "q8_0", "-t", "2", "--prompt", "16", "--gen", "20",
                      "--cache-type", "q8_0", "--json"}, &out, &err), 0) << err;
  Result<Json> q8 = parse_json(out, "bench output");
  ASSERT_TRUE(q8.is_ok()) << q8.status().to_string();
  const double f32_cache = (*j)["cache_bytes_per_token"], q8_cache = (*q8)["cache_bytes_per_token"];
  EXPECT_GT(q8_cache, 0.0);
  EXPECT_LT(q8_cache * 2, f32_cache);

  EXPECT_EQ(run_seek({"bench", "--synthetic", "tiny", "--cache-type", "q9"}, nullptr, &err), 1);
  EXPECT_NE(err.find("q9"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"bench", "--synthetic", "v9-huge"}, nullptr, &err), 1);
  EXPECT_NE(err.find("v9-huge"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"bench", "--synthetic", "tiny", "--quant", "q9_9"}, nullptr, &err), 1);
  EXPECT_NE(err.find("q9_9"), std::string::npos) << err;
  EXPECT_EQ(run_seek({"bench", "--synthetic", "tiny", "-r", "0"}, nullptr, &err), 2);  // a usage error
  EXPECT_NE(err.find("repetitions"), std::string::npos) << err;
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_seek({}), 2);
  EXPECT_EQ(run_seek({"logits", golden("v2-tiny"), "--tokens", "1", "--attn", "fast", "--out", "/tmp/x.npy"}), 2);
  EXPECT_EQ(run_seek({"frobnicate"}), 2);
}

TEST(Cli, BadTokenList) {
  std::string err;
  EXPECT_EQ(run_seek({"logits", golden("v2-tiny"), "--tokens", "1,,2", "--out", "/tmp/x.npy"}, nullptr, &err), 1);
  EXPECT_NE(err.find("--tokens: item 1 \"\""), std::string::npos) << err;
  EXPECT_EQ(run_seek({"logits", golden("v2-tiny"), "--tokens", "1,-2", "--out", "/tmp/x.npy"}, nullptr, &err), 1);
  EXPECT_EQ(run_seek({"logits", golden("v2-tiny"), "--tokens", "99999999999", "--out", "/tmp/x.npy"}, nullptr, &err), 1);
  EXPECT_EQ(run_seek({"logits", golden("v2-tiny"), "--tokens", "5000", "--out", "/tmp/x.npy"}, nullptr, &err), 1);
  EXPECT_NE(err.find("outside the vocabulary"), std::string::npos) << err;
}

// A copy of a tiny model to damage, and the inspect run that must refuse it.
class BadFiles : public ::testing::Test {
 protected:
  void use(const std::string& name) {
    dir_ = testing::make_temp_dir() + "/" + name;
    testing::copy_dir(golden(name), dir_);
  }
  std::string file(const std::string& f) const { return dir_ + "/" + f; }
  void expect_refused(std::initializer_list<std::string_view> fragments) {
    std::string out, err;
    EXPECT_EQ(run_seek({"inspect", dir_}, &out, &err), 1) << "stdout:\n" << out;
    EXPECT_EQ(err.rfind("seek: error: ", 0), 0u) << err;
    for (std::string_view f : fragments) EXPECT_NE(err.find(f), std::string::npos) << "missing '" << f << "' in: " << err;
  }
  std::string dir_;
};

TEST_F(BadFiles, TruncatedFile) {
  use("v2-tiny");
  const std::string bytes = testing::read_file(file("model.safetensors"));
  testing::write_file(file("model.safetensors"), bytes.substr(0, bytes.size() / 2));
  expect_refused({"model.safetensors", "runs past the end of the data", "truncated"});
}

TEST_F(BadFiles, FileShorterThanHeaderLength) {
  use("v2-tiny");
  testing::write_file(file("model.safetensors"), "abc");
  expect_refused({"model.safetensors", "file is 3 bytes"});
}

TEST_F(BadFiles, HeaderLengthPastEnd) {
  use("v2-tiny");
  std::string bytes = testing::read_file(file("model.safetensors"));
  bytes[2] = 0x40;  // 4 MiB: under the header limit, past this ~400 KiB file
  testing::write_file(file("model.safetensors"), bytes);
  expect_refused({"model.safetensors", "header length", "runs past the end of the file"});
}

TEST_F(BadFiles, OffsetsOutOfRange) {
  use("v2-tiny");
  testing::edit_safetensors_header(file("model.safetensors"), [](Json& h) {
    auto& e = h["model.norm.weight"]["data_offsets"];
    e = {e[0].get<uint64_t>() + (1ull << 40), e[1].get<uint64_t>() + (1ull << 40)};
  });
  expect_refused({"tensor 'model.norm.weight'", "runs past the end of the data"});
}

TEST_F(BadFiles, OverlappingTensors) {
  use("v2-tiny");
  testing::edit_safetensors_header(file("model.safetensors"), [](Json& h) {
    h["model.norm.weight"]["data_offsets"] = h["model.embed_tokens.weight"]["data_offsets"];
    h["model.norm.weight"]["shape"] = h["model.embed_tokens.weight"]["shape"];
  });
  expect_refused({"model.safetensors", "overlaps tensor"});
}

TEST_F(BadFiles, WrongShape) {
  use("v2-tiny");
  testing::edit_safetensors_header(file("model.safetensors"),
                                   [](Json& h) { h["model.embed_tokens.weight"]["shape"] = {64, 310}; });
  expect_refused({"tensor 'model.embed_tokens.weight' has shape (64, 310), expected (310, 64)"});
}

TEST_F(BadFiles, MissingTensor) {
  use("v2-lite-tiny");
  testing::edit_safetensors_header(file("model.safetensors"), [](Json& h) {
    h["model.final_norm.weight"] = h["model.norm.weight"];
    h.erase("model.norm.weight");
  });
  expect_refused({"missing tensor 'model.norm.weight'", "expected shape (64,)"});
}

TEST_F(BadFiles, DuplicateTensor) {
  use("v2-tiny");
  const std::string bytes = testing::read_file(file("model.safetensors"));
  const size_t name = bytes.find("\"model.norm.weight\"");
  const size_t other = bytes.find("\"model.layers.0.input_layernorm.weight\"");
  ASSERT_NE(name, std::string::npos);
  ASSERT_NE(other, std::string::npos);
  std::string dup = bytes;
  // Rename one key to another inside the raw header text, padding with spaces after the
  // closing quote so the header length stays valid.
  const std::string target = "\"model.layers.0.input_layernorm.weight\"";
  std::string replacement = "\"model.norm.weight\"";
  replacement.append(target.size() - replacement.size(), ' ');
  dup.replace(other, target.size(), replacement);
  testing::write_file(file("model.safetensors"), dup);
  expect_refused({"model.safetensors", "duplicate key"});
}

TEST_F(BadFiles, DtypeMismatch) {
  use("v2-lite-tiny");
  testing::edit_safetensors_header(file("model.safetensors"), [](Json& h) { h["model.norm.weight"]["dtype"] = "F32"; });
  expect_refused({"tensor 'model.norm.weight'", "but F32 (64,) needs 256"});
}

TEST_F(BadFiles, UnknownDtype) {
  use("v2-lite-tiny");
  testing::edit_safetensors_header(file("model.safetensors"), [](Json& h) { h["model.norm.weight"]["dtype"] = "Q4_K"; });
  expect_refused({"tensor 'model.norm.weight'", "unknown dtype \"Q4_K\""});
}

TEST_F(BadFiles, MissingShard) {
  use("v3-tiny-fp8");
  fs::remove(file("model-00003-of-00003.safetensors"));
  expect_refused({"shard 'model-00003-of-00003.safetensors'", "missing"});
}

TEST_F(BadFiles, BrokenConfig) {
  use("v2-tiny");
  testing::write_file(file("config.json"), "{\"model_type\": \"deepseek_v2\", \"hidden_size\": 64,,}");
  expect_refused({"config.json", "parse error"});
}

TEST_F(BadFiles, IncompleteConfig) {
  use("v2-tiny");
  testing::edit_json_file(file("config.json"), [](Json& c) { c.erase("qk_rope_head_dim"); });
  expect_refused({"config.json", "required field \"qk_rope_head_dim\" is missing"});
}

TEST_F(BadFiles, NotADirectory) {
  use("v2-tiny");
  dir_ = file("config.json");
  expect_refused({"config.json"});
}

}  // namespace
}  // namespace seek
