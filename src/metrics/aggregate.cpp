#include "metrics/aggregate.h"

#include <random>

#include "metrics/numpy_compat.h"

namespace sceval::metrics {

const std::vector<std::string>& Metrics::keys() {
  static const std::vector<std::string> k = {
      "n",          "validity",   "mean_distance", "mean_rcf", "median_rcf", "mean_rcf_a",  "median_rcf_a",  "mean_icf",
      "median_icf", "mean_icf_a", "median_icf_a",  "tm",       "tm_a",       "exact_match", "mean_n_changed"};
  return k;
}

double Metrics::get(const std::string& key) const {
  const std::map<std::string, double> m = {{"n", n},
                                           {"validity", validity},
                                           {"mean_distance", mean_distance},
                                           {"mean_rcf", mean_rcf},
                                           {"median_rcf", median_rcf},
                                           {"mean_rcf_a", mean_rcf_a},
                                           {"median_rcf_a", median_rcf_a},
                                           {"mean_icf", mean_icf},
                                           {"median_icf", median_icf},
                                           {"mean_icf_a", mean_icf_a},
                                           {"median_icf_a", median_icf_a},
                                           {"tm", tm},
                                           {"tm_a", tm_a},
                                           {"exact_match", exact_match},
                                           {"mean_n_changed", mean_n_changed}};
  return m.at(key);
}

namespace {

double nan_to_zero(double x) { return std::isnan(x) ? 0.0 : x; }

template <class Rows>
Metrics aggregate_rows(const Rows& rows) {
  Metrics m;
  std::vector<double> valid, dist, rcf, rcf_a, icf, icf_a, changed;
  double hits = 0;
  for (const SceScore* r : rows) {
    if (!r->kept) continue;
    const bool v = r->valid.value_or(false);
    valid.push_back(v ? 1.0 : 0.0);
    dist.push_back(r->distance);
    if (v)
      rcf.push_back(r->rcf), rcf_a.push_back(r->rcf_a);
    else
      icf.push_back(r->icf), icf_a.push_back(r->icf_a);
    if (r->exact_match.value_or(false)) ++hits;
    if (r->n_changed >= 0) changed.push_back(r->n_changed);
  }
  m.n = static_cast<double>(valid.size());
  if (valid.empty()) return m;
  m.validity = numpy::mean(valid);
  m.mean_distance = numpy::nanmean(dist);
  m.mean_rcf = numpy::nanmean(rcf);
  m.median_rcf = numpy::nanmedian(rcf);
  m.mean_rcf_a = numpy::nanmean(rcf_a);
  m.median_rcf_a = numpy::nanmedian(rcf_a);
  m.mean_icf = numpy::nanmean(icf);
  m.median_icf = numpy::nanmedian(icf);
  m.mean_icf_a = numpy::nanmean(icf_a);
  m.median_icf_a = numpy::nanmedian(icf_a);
  // scoring_function: the ICF side's NaN becomes 0, the RCF side's does not; TM_A uses the mean.
  m.tm = m.validity * m.median_rcf + (1 - m.validity) * nan_to_zero(m.median_icf);
  m.tm_a = m.validity * m.mean_rcf_a + (1 - m.validity) * nan_to_zero(m.mean_icf_a);
  m.exact_match = hits / m.n;
  m.mean_n_changed = changed.empty() ? kNaN : numpy::mean(changed);
  return m;
}

std::vector<const SceScore*> kept_rows(const std::vector<SceScore>& scores) {
  std::vector<const SceScore*> rows;
  for (const auto& s : scores)
    if (s.kept) rows.push_back(&s);
  return rows;
}

std::pair<double, double> interval(std::vector<double> values, double level) {
  std::vector<double> finite;
  for (double v : values)
    if (!std::isnan(v)) finite.push_back(v);
  double lo = (1 - level) / 2 * 100;
  return {numpy::percentile(finite, lo), numpy::percentile(finite, 100 - lo)};
}

}  // namespace

Metrics aggregate(const std::vector<SceScore>& scores) { return aggregate_rows(kept_rows(scores)); }

std::map<std::string, std::pair<double, double>> bootstrap_ci(const std::vector<SceScore>& scores,
                                                              const BootstrapSettings& s) {
  auto rows = kept_rows(scores);
  std::map<std::string, std::vector<double>> draws;
  std::mt19937_64 rng(s.seed);
  std::vector<const SceScore*> sample(rows.size());
  for (int b = 0; b < s.resamples && !rows.empty(); ++b) {
    std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
    for (auto& x : sample) x = rows[pick(rng)];
    Metrics m = aggregate_rows(sample);
    for (const auto& k : s.keys) draws[k].push_back(m.get(k));
  }
  std::map<std::string, std::pair<double, double>> out;
  for (const auto& k : s.keys) out[k] = interval(draws[k], s.level);
  return out;
}

nlohmann::json counts(const std::vector<SceScore>& scores, const std::vector<SceInput>& inputs) {
  nlohmann::json by_status = nlohmann::json::object(), by_drop = nlohmann::json::object();
  std::size_t kept = 0, valid = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const std::string& st = inputs.at(i).status;
    by_status[st] = by_status.value(st, 0) + 1;
    if (scores[i].kept) {
      ++kept;
      valid += scores[i].valid.value_or(false);
    } else {
      by_drop[scores[i].drop_reason] = by_drop.value(scores[i].drop_reason, 0) + 1;
    }
  }
  return {{"total", scores.size()},  {"kept", kept},           {"dropped", scores.size() - kept}, {"valid", valid},
          {"invalid", kept - valid}, {"by_status", by_status}, {"dropped_by_reason", by_drop}};
}

PairedDifference paired_difference(const std::vector<SceScore>& a, const std::vector<SceScore>& b,
                                   const BootstrapSettings& s) {
  PairedDifference out;
  std::vector<std::pair<const SceScore*, const SceScore*>> pairs;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i].kept && b[i].kept) pairs.emplace_back(&a[i], &b[i]);
  out.pairs = pairs.size();
  auto diff = [&](const std::vector<std::pair<const SceScore*, const SceScore*>>& ps) {
    std::vector<const SceScore*> ra, rb;
    for (auto [x, y] : ps) ra.push_back(x), rb.push_back(y);
    Metrics ma = aggregate_rows(ra), mb = aggregate_rows(rb);
    std::map<std::string, double> d;
    for (const auto& k : s.keys) d[k] = mb.get(k) - ma.get(k);
    return d;
  };
  out.difference = diff(pairs);
  std::map<std::string, std::vector<double>> draws;
  std::mt19937_64 rng(s.seed);
  decltype(pairs) sample(pairs.size());
  for (int r = 0; r < s.resamples && !pairs.empty(); ++r) {
    std::uniform_int_distribution<std::size_t> pick(0, pairs.size() - 1);
    for (auto& x : sample) x = pairs[pick(rng)];
    for (auto& [k, v] : diff(sample)) draws[k].push_back(v);
  }
  for (const auto& k : s.keys) out.ci[k] = interval(draws[k], s.level);
  return out;
}

}  // namespace sceval::metrics
