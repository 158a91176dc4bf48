#include "task/feature.h"

namespace sceval::task {

__extension__ using Int128 = __int128;

std::string_view to_string(FeatureType type) {
  switch (type) {
    case FeatureType::Integer:
      return "integer";
    case FeatureType::Ordinal:
      return "ordinal";
    case FeatureType::Categorical:
      return "categorical";
  }
  return "?";
}

std::size_t Feature::size() const {
  if (type != FeatureType::Integer) return levels.size();
  return static_cast<std::size_t>((stop - start) / step) + 1;
}

std::int64_t Feature::code(std::size_t pos) const {
  if (type != FeatureType::Integer) return levels.at(pos).code;
  return start + static_cast<std::int64_t>(pos) * step;
}

std::string Feature::text(std::size_t pos) const {
  if (type != FeatureType::Integer) return levels.at(pos).text;
  return std::to_string(code(pos));
}

std::optional<std::size_t> Feature::position_of_code(std::int64_t value) const {
  if (type == FeatureType::Integer) {
    // In 128 bits: a value from a model's reply may be anywhere in the int64 range.
    Int128 off = static_cast<Int128>(value) - start;
    if (off % step != 0) return std::nullopt;
    Int128 pos = off / step;
    if (pos < 0 || static_cast<std::size_t>(pos) >= size()) return std::nullopt;
    return static_cast<std::size_t>(pos);
  }
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].code == value) return i;
  return std::nullopt;
}

std::optional<std::size_t> Feature::position_of_text(std::string_view t) const {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].text == t) return i;
  return std::nullopt;
}

}  // namespace sceval::task
