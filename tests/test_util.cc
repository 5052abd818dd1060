#include "test_util.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "cli/app.h"

namespace seek::testing {

namespace fs = std::filesystem;

// Both paths are compiled in by tests/CMakeLists.txt.
std::string testdata_dir() { return SEEK_TESTDATA_DIR; }
std::string source_dir() { return SEEK_SOURCE_DIR; }

namespace {

// The temporary folders of the running test: removed when it ends without failing, kept for a
// look when it fails. Tests write models, corpora and checkpoints there; without this a suite
// run left about 400 MB in /tmp.
class TempDirCleaner : public ::testing::EmptyTestEventListener {
 public:
  void add(const std::string& dir) { dirs_.push_back(dir); }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Failed()) {
      for (const std::string& d : dirs_) {
        std::error_code ec;
        fs::remove_all(d, ec);
      }
    }
    dirs_.clear();
  }

 private:
  std::vector<std::string> dirs_;
};

TempDirCleaner& temp_dir_cleaner() {
  static TempDirCleaner* const cleaner = [] {
    auto* c = new TempDirCleaner;  // the listener list owns it
    ::testing::UnitTest::GetInstance()->listeners().Append(c);
    return c;
  }();
  return *cleaner;
}

}  // namespace

std::string make_temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "seek";
  std::replace(name.begin(), name.end(), '/', '_');  // parameterized names: Prefix/Suite.Test/Param
  fs::path dir = fs::temp_directory_path() / ("seek_test_" + std::to_string(getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (info != nullptr) temp_dir_cleaner().add(dir.string());
  return dir.string();
}

void copy_dir(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    fs::copy_file(e.path(), fs::path(to) / e.path().filename(), fs::copy_options::overwrite_existing);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << "cannot write " << path;
}

std::string make_safetensors(const Json& header, const std::string& data) {
  const std::string text = header.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  return out + text + data;
}

void edit_safetensors_header(const std::string& path, const std::function<void(Json&)>& edit) {
  const std::string bytes = read_file(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  Json header = Json::parse(bytes.substr(8, n));
  edit(header);
  write_file(path, make_safetensors(header, bytes.substr(8 + n)));
}

void edit_json_file(const std::string& path, const std::function<void(Json&)>& edit) {
  Json j = Json::parse(read_file(path));
  edit(j);
  write_file(path, j.dump(2));
}

// Redirects a stdio stream to a temporary file for the lifetime of the object.
class Capture {
 public:
  explicit Capture(FILE* stream) : stream_(stream) {
    std::fflush(stream_);
    tmp_ = std::tmpfile();
    saved_ = dup(fileno(stream_));
    dup2(fileno(tmp_), fileno(stream_));
  }
  std::string finish() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(stream_);
    dup2(saved_, fileno(stream_));
    close(saved_);
    std::rewind(tmp_);
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, tmp_)) > 0) s.append(buf, n);
    std::fclose(tmp_);
    return s;
  }

 private:
  FILE* stream_;
  FILE* tmp_;
  int saved_;
};

int run_seek(const std::vector<std::string>& args, std::string* out, std::string* err) {
  std::vector<std::string> argv_store{"seek"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  Capture cout_capture(stdout), cerr_capture(stderr);
  const int rc = cli::seek_main(static_cast<int>(argv_store.size()), argv.data());
  std::string e = cerr_capture.finish();
  std::string o = cout_capture.finish();
  if (out) *out = o;
  if (err) *err = e;
  return rc;
}

}  // namespace seek::testing
