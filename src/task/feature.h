#pragma once
// A feature is one axis of a task's grid: an integer range, ordered levels or unordered categories.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sceval::task {

enum class FeatureType { Integer, Ordinal, Categorical };
enum class NumberParse { Float, FirstInteger };

std::string_view to_string(FeatureType type);

struct Level {
  std::int64_t code = 0;  // numeric value used by numeric distances
  std::string text;       // what prompts show and CSV files hold
};

// The paper's "grade n" rule: a number n in [min, max] in unmatched text means code n + offset.
struct GradeFallback {
  std::int64_t min = 1, max = 12, offset = 3;
};

struct Feature {
  std::string name;  // CSV column name, e.g. AGEP
  std::string key;   // JSON key in follow-up answers, e.g. age
  FeatureType type = FeatureType::Integer;
  std::int64_t start = 0, stop = 0, step = 1;  // Integer only
  std::vector<Level> levels;                   // Ordinal / Categorical, in grid order
  std::string description;                     // line template with {value}
  double weight = 1.0;
  NumberParse number_parse = NumberParse::Float;
  std::optional<GradeFallback> grade_fallback;

  std::size_t size() const;                  // number of values on the axis
  std::int64_t code(std::size_t pos) const;  // numeric value of the pos-th value
  std::string text(std::size_t pos) const;   // display text of the pos-th value
  bool numeric() const { return type != FeatureType::Categorical; }

  // Position of a value given by its numeric code (integers: the number), if on the axis.
  std::optional<std::size_t> position_of_code(std::int64_t code) const;
  // Position of a level by exact text (ordinal/categorical), if any.
  std::optional<std::size_t> position_of_text(std::string_view text) const;
};

}  // namespace sceval::task
