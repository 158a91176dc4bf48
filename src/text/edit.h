#pragma once
// Edit measures between an original text and its revision: character Levenshtein distance (edlib),
// word/punctuation tokens and their diff hunks (dtl), and partial revisions made of some hunks.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sceval::text {

// Levenshtein distance over Unicode code points (invalid UTF-8 bytes count one each).
std::size_t levenshtein(std::string_view a, std::string_view b);
// levenshtein / the longer text's length in code points (0 for two empty texts): llm-sces' measure.
double levenshtein_normalized(std::string_view a, std::string_view b);
std::size_t code_points(std::string_view s);

// A word (letters, digits, any non-ASCII byte) or one punctuation character, with the whitespace
// before it. Diffs compare `word` only, so a changed space is no edit.
struct Token {
  std::string space;
  std::string word;
};
std::vector<Token> tokenize(std::string_view text);

// One hunk of the diff: original tokens [orig_begin, orig_end) replaced by revised tokens
// [rev_begin, rev_end) (either range may be empty).
struct Hunk {
  std::size_t orig_begin = 0, orig_end = 0, rev_begin = 0, rev_end = 0;
  std::size_t words() const;  // words changed: max(removed, inserted)
};

struct EditScript {
  std::vector<Token> original, revised;
  std::vector<Hunk> hunks;  // in text order, separated by at least one unchanged token
  // The original with the hunks whose `chosen` flag is set applied (chosen.size() == hunks.size()).
  std::string apply(const std::vector<bool>& chosen) const;
  std::string apply_subset(const std::vector<std::size_t>& subset) const;  // hunk indices
  std::size_t words(const std::vector<std::size_t>& subset) const;
};
EditScript diff(std::string_view original, std::string_view revised);

}  // namespace sceval::text
