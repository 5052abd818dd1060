// The chat page served at "/": chat_page.html, embedded at build time (CMake turns the file
// into a byte array), so the binary needs no files beside it.
#pragma once

#include <string_view>

namespace seek::serve {

std::string_view chat_page_html();

}  // namespace seek::serve
