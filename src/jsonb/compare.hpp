// Comparing JSON values: equality as RFC 6902 "test" defines it (objects
// regardless of member order, numbers numerically, arrays in order), and the
// ordering used by "min"/"max".
#pragma once

#include "jsonb/value.hpp"

namespace docpatch::jsonb {

bool json_equal(const Value& a, const Value& b);

// Compares two numerics numerically: <0, 0, >0.
int compare_numbers(const Value& a, const Value& b);
// Compares two strings by Unicode code point (bytewise for UTF-8).
int compare_strings(const Value& a, const Value& b);

// a + b, exactly (PostgreSQL numeric arithmetic).  The result is palloc'd.
Value add_numbers(const Value& a, const Value& b);

}  // namespace docpatch::jsonb
