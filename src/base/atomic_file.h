// AtomicFile: write a file that appears under its final name only when complete. Bytes go to
// a temporary file in the same folder; commit() fsyncs and renames it into place. A crash or
// an error at any moment leaves either the old file or the new one, never a torn write, and a
// destroyed-but-uncommitted AtomicFile removes its temporary. For files too large to hold in
// memory (GGUF exports); write_file_atomic (mmap_file.h) is the one-shot form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace seek {

class AtomicFile {
 public:
  // Creates the temporary "<path>.tmp.<pid>" for writing.
  static Result<AtomicFile> create(const std::string& path);

  AtomicFile() = default;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // discards the temporary unless committed

  Status append(std::string_view bytes);
  uint64_t size() const { return size_; }
  // fsync, close, rename onto the final path. The object is spent afterwards.
  Status commit();

 private:
  void discard();

  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
  std::string tmp_;
};

}  // namespace seek
