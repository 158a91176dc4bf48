#pragma once
// Python str.format semantics, as the paper's code applies them to its templates:
// "{{" -> "{", "}}" -> "}", "{name}" -> value. Anything else is an error.
#include <map>
#include <string>
#include <string_view>

namespace sceval::task {

std::string python_format(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& fields);
// Throws sceval::Error if the template uses a field outside `allowed` or is malformed.
void check_format_fields(std::string_view tmpl, std::initializer_list<std::string_view> allowed);

}  // namespace sceval::task
