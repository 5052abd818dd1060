#include "rl/command.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "rl/answer.h"

namespace seek::rl {
namespace {

// Writing to a pipe whose reader has gone raises SIGPIPE; block it on this thread while the
// command runs (and drop one that became pending) rather than change the process's handler.
class BlockSigpipe {
 public:
  BlockSigpipe() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &old_);
  }
  ~BlockSigpipe() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    const timespec zero{0, 0};
    while (sigtimedwait(&s, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
};

void close_fd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

Result<double> parse_score(const std::string& out, const std::string& command) {
  const std::string_view s = trim(out);
  const std::string text(s);
  char* end = nullptr;
  errno = 0;
  const double v = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
    return Status::invalid_argument(fmt::format("[reward command] '{}' printed '{}', expected one finite number",
                                                command, text.substr(0, 80)));
  }
  return v;
}

}  // namespace

Result<double> run_score_command(const std::string& command, const Json& input, double timeout_s) {
  const std::string in = input.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  BlockSigpipe block;
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) return Status::io_error(fmt::format("[reward command] pipe: {}", std::strerror(errno)));
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]), close(to_child[1]);
    return Status::io_error(fmt::format("[reward command] pipe: {}", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    return Status::io_error(fmt::format("[reward command] fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {  // the child: only async-signal-safe calls until exec
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists before any kill below
  int in_fd = to_child[1], out_fd = from_child[0];
  close(to_child[0]);
  close(from_child[1]);
  fcntl(in_fd, F_SETFL, O_NONBLOCK);
  fcntl(out_fd, F_SETFL, O_NONBLOCK);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  size_t written = 0;
  std::string out;
  bool too_much = false, timed_out = false;
  while (out_fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    const int n = poll(fds, in_fd >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 1000)));
    if (n < 0 && errno != EINTR) break;
    if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t w = write(in_fd, in.data() + written, in.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN) written = in.size();  // the program closed its stdin: fine
      if (written == in.size()) close_fd(&in_fd);
    }
    if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {
      char buf[1024];
      const ssize_t r = read(out_fd, buf, sizeof buf);
      if (r > 0) out.append(buf, static_cast<size_t>(r));
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) close_fd(&out_fd);
      if (out.size() > kMaxCommandOutputBytes) {
        too_much = true;
        break;
      }
    }
  }
  close_fd(&in_fd);
  close_fd(&out_fd);
  int status = 0;
  if (timed_out || too_much) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (timed_out) return Status::out_of_range(fmt::format("[reward command] '{}' ran over its {} s timeout", command, timeout_s));
    return Status::invalid_argument(fmt::format("[reward command] '{}' printed more than {} bytes", command, kMaxCommandOutputBytes));
  }
  // stdout closed: the program is exiting; wait for it, within what is left of the timeout.
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return Status::out_of_range(fmt::format("[reward command] '{}' ran over its {} s timeout", command, timeout_s));
    }
    usleep(1000);
  }
  kill(-pid, SIGKILL);  // children it left behind in its group
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::invalid_argument(fmt::format("[reward command] '{}' {} {}", command,
                                                WIFEXITED(status) ? "exited with status" : "was killed by signal",
                                                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)));
  }
  return parse_score(out, command);
}

}  // namespace seek::rl
