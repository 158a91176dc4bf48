#include "simulate/score.h"

#include <map>
#include <random>

#include "metrics/numpy_compat.h"
#include "metrics/score.h"
#include "results/results_json.h"

namespace sceval::simulate {

Accuracy accuracy(const std::vector<const Prediction*>& rows) {
  Accuracy a;
  a.n = rows.size();
  if (rows.empty()) {
    a.without = a.with = a.gain = a.nsg = metrics::kNaN;
    return a;
  }
  std::size_t right_without = 0, right_with = 0;
  for (const auto* r : rows) {
    right_without += r->without >= 0 && r->without == r->truth;
    right_with += r->with >= 0 && r->with == r->truth;
  }
  const double n = static_cast<double>(rows.size());
  a.without = static_cast<double>(right_without) / n;
  a.with = static_cast<double>(right_with) / n;
  a.gain = a.with - a.without;
  a.nsg = right_without == rows.size() ? 0.0 : a.gain / (1.0 - a.without);
  return a;
}

void for_each_resample(std::size_t clusters, const CiSettings& s,
                       const std::function<void(const std::vector<std::size_t>&)>& f) {
  std::mt19937_64 rng(s.seed);
  std::vector<std::size_t> drawn(clusters);
  for (int b = 0; b < s.resamples && clusters > 0; ++b) {
    std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
    for (auto& c : drawn) c = pick(rng);
    f(drawn);
  }
}

std::pair<double, double> percentile_interval(const std::vector<double>& draws, double level) {
  const double lo = (1 - level) / 2 * 100;
  return {metrics::numpy::percentile(draws, lo), metrics::numpy::percentile(draws, 100 - lo)};
}

std::map<std::string, std::pair<double, double>> cluster_bootstrap(const std::vector<const Prediction*>& rows,
                                                                   const CiSettings& s) {
  std::map<std::size_t, std::vector<const Prediction*>> by_cluster;
  for (const auto* r : rows) by_cluster[r->reference].push_back(r);
  std::vector<const std::vector<const Prediction*>*> clusters;
  for (const auto& [k, v] : by_cluster) clusters.push_back(&v);
  std::map<std::string, std::vector<double>> draws;
  std::vector<const Prediction*> sample;
  for_each_resample(clusters.size(), s, [&](const std::vector<std::size_t>& drawn) {
    sample.clear();
    for (auto c : drawn) sample.insert(sample.end(), clusters[c]->begin(), clusters[c]->end());
    const Accuracy a = accuracy(sample);
    draws["without"].push_back(a.without);
    draws["with"].push_back(a.with);
    draws["gain"].push_back(a.gain);
    draws["nsg"].push_back(a.nsg);
  });
  std::map<std::string, std::pair<double, double>> out;
  for (const char* k : {"without", "with", "gain", "nsg"}) out[k] = percentile_interval(draws[k], s.level);
  return out;
}

nlohmann::json accuracy_json(const Accuracy& a) {
  using results::number_or_null;
  return {{"n", a.n},
          {"accuracy_without", number_or_null(a.without)},
          {"accuracy_with", number_or_null(a.with)},
          {"gain", number_or_null(a.gain)},
          {"nsg", number_or_null(a.nsg)}};
}

namespace {

// Rows split by a key (absent key: the row is in no part).
template <class Key>
nlohmann::json split(const std::vector<const Prediction*>& rows, Key key) {
  std::map<std::string, std::vector<const Prediction*>> parts;
  for (const auto* r : rows)
    if (auto k = key(*r)) parts[*k].push_back(r);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : parts) out[k] = accuracy_json(accuracy(v));
  return out;
}

std::optional<std::string> yes_no(const std::optional<bool>& b) {
  if (!b) return std::nullopt;
  return *b ? std::string("true") : std::string("false");
}

}  // namespace

nlohmann::json group_metrics(const std::vector<const Prediction*>& rows, const CiSettings& s, bool sce) {
  nlohmann::json j = accuracy_json(accuracy(rows));
  std::map<std::size_t, bool> refs;
  for (const auto* r : rows) refs[r->reference] = true;
  j["n_references"] = refs.size();
  nlohmann::json ci = nlohmann::json::object();
  for (const auto& [k, v] : cluster_bootstrap(rows, s))
    ci[k == "without" || k == "with" ? "accuracy_" + k : k] = {results::number_or_null(v.first),
                                                               results::number_or_null(v.second)};
  j["ci"] = ci;
  nlohmann::json by = nlohmann::json::object();
  by["answer"] = split(rows, [](const Prediction& r) -> std::optional<std::string> {
    return r.truth == r.reference_label ? "unchanged" : "changed";
  });
  by["hamming"] =
      split(rows, [](const Prediction& r) -> std::optional<std::string> { return std::to_string(r.hamming); });
  if (sce) {
    by["sce_valid"] = split(rows, [](const Prediction& r) { return yes_no(r.sce_valid); });
    by["sce_exact_minimal"] = split(rows, [](const Prediction& r) { return yes_no(r.sce_exact_minimal); });
  }
  j["by"] = by;
  return j;
}

double egregious_rate(const std::vector<const Prediction*>& rows, bool with_explanation) {
  // item -> (the one prediction every observer gave so far or kNA when they differ, the truth)
  using Key = std::pair<std::size_t, metrics::Label>;  // the pair and the explanation shown (k-way SCEs differ)
  std::map<Key, std::pair<metrics::Label, metrics::Label>> items;
  std::map<Key, bool> agree;
  for (const auto* r : rows) {
    const metrics::Label p = with_explanation ? r->with : r->without;
    const Key key{r->item, r->sce_target};
    auto [it, fresh] = items.try_emplace(key, p, r->truth);
    if (fresh)
      agree[key] = p >= 0;
    else if (it->second.first != p)
      agree[key] = false;
  }
  if (items.empty()) return metrics::kNaN;
  std::size_t bad = 0;
  for (const auto& [item, v] : items) bad += agree[item] && v.first != v.second;
  return static_cast<double>(bad) / static_cast<double>(items.size());
}

}  // namespace sceval::simulate
