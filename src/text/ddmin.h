#pragma once
// Delta debugging (ddmin, Zeller & Hildebrandt 2002) over the hunks of a valid SCE, as a search that
// is asked for its next queries and told their answers, so the searches of every item of a run
// advance together in rounds (each round one batch through the response cache).
//
// A query is a subset of hunks (indices, increasing): "does the original with only these hunks
// applied give the requested label?". The full set does (the SCE was valid); the empty set does
// not (the original's own label). The result is 1-minimal: it flips, and dropping any single hunk
// of it does not. It is not necessarily the smallest flipping subset (docs/text.md).
#include <cstddef>
#include <map>
#include <vector>

namespace sceval::text {

using Subset = std::vector<std::size_t>;

class Ddmin {
 public:
  // `budget`: the most distinct subsets this search may ask; a round that would pass it is not
  // asked and the search ends censored (its current subset flips but may not be 1-minimal).
  Ddmin(std::size_t hunks, std::size_t budget);

  // The subsets of the current round whose answer is not known yet; empty when the search is over.
  std::vector<Subset> pending() const;
  // The answer for one subset of pending().
  void record(const Subset& s, bool flips);
  // Moves to the next round once every pending subset is recorded.
  void advance();

  bool done() const { return done_; }
  bool censored() const { return censored_; }
  const Subset& result() const { return current_; }  // the smallest flipping subset found so far
  std::size_t queries() const { return known_.size(); }

 private:
  std::vector<Subset> round() const;  // the current round's parts, then their complements
  void check_budget();
  Subset current_;
  std::size_t n_ = 2;
  std::size_t budget_;
  std::map<Subset, bool> known_;
  bool done_ = false, censored_ = false;
};

}  // namespace sceval::text
