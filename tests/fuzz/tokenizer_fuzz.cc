// libFuzzer: the tokenizer on arbitrary bytes. The first byte picks what the rest is:
//   0: text to encode (with options from byte 1); decode(encode(text)) must give the text back
//   1: ids (little-endian int32) to decode, whole and through the streaming decoder
//   2: a tokenizer.json to load; loading must end in a tokenizer or a Status
// Any crash, sanitizer report or broken round trip is a finding.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tiny_tokenizer.h"
#include "tokenizer/utf8.h"

static const seek::Tokenizer& tiny() {
  static const seek::Tokenizer* t = new seek::Tokenizer(
      std::move(seek::Tokenizer::from_json_text(seek::testing::tiny_tokenizer_json(), seek::testing::tiny_tokenizer_config(), "fuzz"))
          .value());
  return *t;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const seek::Tokenizer& t = tiny();
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (data[0] % 3) {
    case 0: {
      const seek::EncodeOptions o{.add_special_tokens = (data[1] & 1) != 0, .split_special_tokens = (data[1] & 2) != 0};
      seek::Result<std::vector<int32_t>> ids = t.encode(rest, o);
      if (!ids.is_ok()) return 0;
      seek::Result<std::string> back = t.decode(*ids, {.skip_special_tokens = o.add_special_tokens});
      if (!back.is_ok() || *back != rest) std::abort();  // encode must be exactly invertible
      break;
    }
    case 1: {
      std::vector<int32_t> ids(rest.size() / 4);
      if (!ids.empty()) std::memcpy(ids.data(), rest.data(), ids.size() * 4);  // memcpy from null is UB even for 0 bytes
      for (int32_t& id : ids) id = (data[1] & 1) ? id : static_cast<int32_t>(static_cast<uint32_t>(id) % t.id_limit());
      seek::Result<std::string> whole = t.decode(ids);
      seek::StreamDecoder stream(t);
      std::string streamed;
      bool ok = true;
      for (int32_t id : ids) {
        seek::Result<std::string> piece = stream.push(id);
        ok = ok && piece.is_ok();
        if (piece.is_ok()) streamed += *piece;
      }
      streamed += stream.finish();
      if (whole.is_ok() != ok) std::abort();
      if (ok && streamed != seek::utf8::sanitize(*whole)) std::abort();
      break;
    }
    default: {
      seek::Result<seek::Tokenizer> loaded = seek::Tokenizer::from_json_text(rest, "", "fuzz");
      if (loaded.is_ok()) (void)loaded->encode("Hello, world! 123 中文 <｜User｜>");
      break;
    }
  }
  return 0;
}
