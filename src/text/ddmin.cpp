#include "text/ddmin.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"

namespace sceval::text {

Ddmin::Ddmin(std::size_t hunks, std::size_t budget) : current_(hunks), budget_(budget) {
  std::iota(current_.begin(), current_.end(), std::size_t{0});
  done_ = current_.size() <= 1;  // one hunk, or none, is 1-minimal already
  if (!done_) check_budget();
}

std::vector<Subset> Ddmin::round() const {
  // n contiguous parts of as equal sizes as possible, then (for n > 2) their complements.
  std::vector<Subset> parts;
  const std::size_t size = current_.size();
  for (std::size_t k = 0, begin = 0; k < n_; ++k) {
    const std::size_t end = begin + size / n_ + (k < size % n_ ? 1 : 0);
    parts.emplace_back(current_.begin() + static_cast<std::ptrdiff_t>(begin),
                       current_.begin() + static_cast<std::ptrdiff_t>(end));
    begin = end;
  }
  if (n_ == 2) return parts;  // each part is the other's complement
  std::vector<Subset> out = parts;
  for (const auto& p : parts) {
    Subset c;
    std::set_difference(current_.begin(), current_.end(), p.begin(), p.end(), std::back_inserter(c));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Subset> Ddmin::pending() const {
  std::vector<Subset> out;
  if (done_) return out;
  for (auto& s : round())
    if (!known_.contains(s) && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  return out;
}

void Ddmin::record(const Subset& s, bool flips) { known_[s] = flips; }

void Ddmin::check_budget() {
  if (known_.size() + pending().size() > budget_) done_ = censored_ = true;
}

void Ddmin::advance() {
  if (done_) return;
  const auto subsets = round();
  for (const auto& s : subsets)
    if (!known_.contains(s)) throw Error("ddmin: advance() before every pending subset was recorded");
  // The first flipping part wins (the search narrows to it); else the first flipping complement.
  for (std::size_t k = 0; k < subsets.size(); ++k) {
    if (!known_.at(subsets[k])) continue;
    current_ = subsets[k];
    n_ = k < n_ ? 2 : std::max<std::size_t>(n_ - 1, 2);
    done_ = current_.size() <= 1;
    if (!done_) check_budget();
    return;
  }
  if (n_ >= current_.size()) {  // every single hunk was dropped in turn: 1-minimal
    done_ = true;
    return;
  }
  n_ = std::min(2 * n_, current_.size());
  check_budget();
}

}  // namespace sceval::text
