#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace seek {

Result<AtomicFile> AtomicFile::create(const std::string& path) {
  AtomicFile f;
  f.path_ = path;
  f.tmp_ = path + ".tmp." + std::to_string(getpid());
  f.fd_ = ::open(f.tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return Status::io_error(fmt::format("[write] '{}': {}", f.tmp_, std::strerror(errno)));
  return f;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept { *this = std::move(other); }

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    path_ = std::move(other.path_);
    tmp_ = std::move(other.tmp_);
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
  fd_ = -1;
}

Status AtomicFile::append(std::string_view bytes) {
  if (fd_ < 0) return Status::invalid_argument(fmt::format("[write] '{}': file is not open", path_));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      discard();
      return Status::io_error(fmt::format("[write] '{}': {}", tmp_, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  size_ += bytes.size();
  return Status::ok();
}

Status AtomicFile::commit() {
  if (fd_ < 0) return Status::invalid_argument(fmt::format("[write] '{}': file is not open", path_));
  const int fd = std::exchange(fd_, -1);
  if (fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp_.c_str());
    return Status::io_error(fmt::format("[write] '{}': fsync/close failed: {}", tmp_, std::strerror(err)));
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_.c_str());
    return Status::io_error(fmt::format("[write] rename '{}' -> '{}': {}", tmp_, path_, std::strerror(err)));
  }
  return Status::ok();
}

}  // namespace seek
