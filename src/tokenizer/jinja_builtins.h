// What templates can call: filters (x | trim), tests (x is defined), methods of str, dict and
// list (x.split('a')), and the globals transformers provides (range, namespace, dict,
// raise_exception, strftime_now). Errors carry no location; the interpreter adds the line.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "tokenizer/jinja_value.h"

namespace seek::jinja {

// Limits that keep a hostile template from exhausting memory through one builtin.
inline constexpr size_t kMaxBuiltinItems = 1 << 22;     // range(), list * n
inline constexpr size_t kMaxBuiltinBytes = 64u << 20;  // str * n, indent, join

Result<Value> apply_filter(std::string_view name, const Value& target, CallArgs& args);
Result<bool> apply_test(std::string_view name, const Value& target, CallArgs& args);

// obj.name: a dict entry, namespace attribute or bound method; Undefined when absent; an error
// when obj is Undefined.
Result<Value> get_attr(const Value& obj, const std::string& name);
// obj[key], with Jinja's fallback from items to attributes.
Result<Value> get_item(const Value& obj, const Value& key);
// obj[start:stop:step] for lists and strings (null parts are absent).
Result<Value> get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// `needle in haystack`.
Result<bool> contains(const Value& haystack, const Value& needle);
// The items `for` iterates: list elements, dict keys, string characters; Undefined gives none.
Result<List> iterate(const Value& v);
// The global functions.
Dict builtin_globals();

// Helpers shared with the interpreter: an error for using an Undefined, and Python's len().
Status undefined_error(const Value& v);
Result<int64_t> length_of(const Value& v);

}  // namespace seek::jinja
