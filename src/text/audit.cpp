#include "text/audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "results/decision_map_csv.h"
#include "results/results_json.h"

namespace sceval::text {

std::optional<bool> AuditRow::valid() const {
  if (!generated || fresh.label < 0) return std::nullopt;
  return fresh.label == target;
}

std::optional<bool> AuditRow::valid_with_history() const {
  if (!generated || history.label < 0) return std::nullopt;
  return history.label == target;
}

std::optional<double> AuditRow::excess() const {
  if (!searched || censored || levenshtein == 0) return std::nullopt;
  return 1.0 - static_cast<double>(minimal_levenshtein) / static_cast<double>(levenshtein);
}

namespace {

std::string cell(std::optional<bool> b) { return b ? (*b ? "true" : "false") : ""; }
std::string cell(bool b) { return b ? "true" : "false"; }
std::string number(double v) { return results::format_number(v); }

std::string label_text(const TextTask& t, const Answer& a) {
  return a.label >= 0 ? t.options[static_cast<std::size_t>(a.label)] : "";
}

}  // namespace

Table sce_table(const TextTask& t, const std::vector<AuditRow>& rows) {
  Table out{"sces.csv",
            {"id",
             "target",
             "original_answer",
             "original_reason",
             "revised_text",
             "generated",
             "generated_reason",
             "valid",
             "valid_with_history",
             "fresh_answer",
             "history_answer",
             "answer_reason",
             "levenshtein",
             "levenshtein_normalized",
             "sce_edit_hunks",
             "sce_words_changed",
             "minimal_edit_hunks",
             "minimal_words_changed",
             "minimal_levenshtein",
             "minimal_text",
             "excess",
             "censored",
             "ddmin_queries"},
            {}};
  for (const auto& r : rows) {
    const bool g = r.generated, m = r.searched;
    const std::string answer_reason = !g ? "" : !r.fresh.reason.empty() ? r.fresh.reason : r.history.reason;
    const auto excess = r.excess();
    out.rows.push_back({t.items[r.item].id,
                        t.options[static_cast<std::size_t>(r.target)],
                        label_text(t, r.original),
                        r.original.reason,
                        r.revised,
                        cell(g),
                        r.generated_reason,
                        cell(r.valid()),
                        cell(r.valid_with_history()),
                        g ? label_text(t, r.fresh) : "",
                        g ? label_text(t, r.history) : "",
                        answer_reason,
                        g ? std::to_string(r.levenshtein) : "",
                        g ? number(r.levenshtein_normalized) : "",
                        g ? std::to_string(r.hunks) : "",
                        g ? std::to_string(r.words) : "",
                        m ? std::to_string(r.minimal_hunks) : "",
                        m ? std::to_string(r.minimal_words) : "",
                        m ? std::to_string(r.minimal_levenshtein) : "",
                        m ? r.minimal_text : "",
                        excess ? number(*excess) : "",
                        m ? cell(r.censored) : "",
                        m ? std::to_string(r.queries) : ""});
  }
  return out;
}

Table prediction_table(const TextTask& t, const std::vector<std::size_t>& items, const std::vector<Answer>& answers) {
  Table out{"decision_map.csv", {"id", "label", "answer", "reason"}, {}};
  for (std::size_t m = 0; m < items.size(); ++m)
    out.rows.push_back({t.items[items[m]].id, label_text(t, answers[m]), answers[m].text, answers[m].reason});
  return out;
}

namespace {

// One metric: a value per row (nullopt: the row does not count), averaged (or its median).
struct Metric {
  const char* key;
  std::optional<double> (*of)(const AuditRow&);
  bool median = false;
};

std::optional<double> b2d(std::optional<bool> b) { return b ? std::optional<double>(*b ? 1.0 : 0.0) : std::nullopt; }

const std::vector<Metric>& metric_list() {
  static const std::vector<Metric> m = {
      {"generation_rate", [](const AuditRow& r) { return std::optional<double>(r.generated ? 1.0 : 0.0); }},
      {"validity", [](const AuditRow& r) { return b2d(r.valid()); }},
      {"validity_with_history", [](const AuditRow& r) { return b2d(r.valid_with_history()); }},
      {"mean_levenshtein_normalized",
       [](const AuditRow& r) { return r.generated ? std::optional<double>(r.levenshtein_normalized) : std::nullopt; }},
      {"median_levenshtein_normalized",
       [](const AuditRow& r) { return r.generated ? std::optional<double>(r.levenshtein_normalized) : std::nullopt; },
       true},
      {"mean_excess", [](const AuditRow& r) { return r.excess(); }},
  };
  return m;
}

double summarise(const std::vector<const AuditRow*>& rows, const Metric& m) {
  std::vector<double> v;
  for (const auto* r : rows)
    if (auto x = m.of(*r)) v.push_back(*x);
  if (v.empty()) return std::nan("");
  if (!m.median) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  }
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

nlohmann::json num(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

// Every metric with a percentile bootstrap CI, resampling items (an item's rows stay together).
nlohmann::json with_ci(const std::vector<const AuditRow*>& rows, const metrics::BootstrapSettings& bs) {
  std::map<std::size_t, std::vector<const AuditRow*>> by_item;
  for (const auto* r : rows) by_item[r->item].push_back(r);
  std::vector<const std::vector<const AuditRow*>*> items;
  for (const auto& [i, v] : by_item) items.push_back(&v);
  const auto& ms = metric_list();
  std::vector<std::vector<double>> draws(ms.size());
  std::mt19937_64 rng(bs.seed);
  for (int b = 0; b < bs.resamples && !items.empty(); ++b) {
    std::vector<const AuditRow*> sample;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const auto* pick = items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
      sample.insert(sample.end(), pick->begin(), pick->end());
    }
    for (std::size_t k = 0; k < ms.size(); ++k)
      if (double v = summarise(sample, ms[k]); !std::isnan(v)) draws[k].push_back(v);
  }
  nlohmann::json out = {{"n", rows.size()}, {"items", items.size()}};
  for (std::size_t k = 0; k < ms.size(); ++k) {
    out[ms[k].key] = num(summarise(rows, ms[k]));
    auto& d = draws[k];
    if (d.empty()) {
      out["ci"][ms[k].key] = {nullptr, nullptr};
      continue;
    }
    std::sort(d.begin(), d.end());
    const double alpha = (1 - bs.level) / 2;
    auto at = [&d](double q) {
      return d[std::min(d.size() - 1, static_cast<std::size_t>(q * static_cast<double>(d.size())))];
    };
    out["ci"][ms[k].key] = {at(alpha), at(1 - alpha)};
  }
  return out;
}

}  // namespace

nlohmann::json metrics_json(const TextTask& t, const std::vector<AuditRow>& rows,
                            const metrics::BootstrapSettings& bs) {
  std::vector<const AuditRow*> all;
  for (const auto& r : rows) all.push_back(&r);
  nlohmann::json out = {{"metrics", with_ci(all, bs)}, {"by_target", nlohmann::json::object()}};
  for (std::size_t l = 0; l < t.options.size(); ++l) {
    std::vector<const AuditRow*> sub;
    for (const auto& r : rows)
      if (r.target == static_cast<int>(l)) sub.push_back(&r);
    if (!sub.empty()) out["by_target"][t.options[l]] = with_ci(sub, bs);
  }
  std::size_t generated = 0, searched = 0, censored = 0, queries = 0, valid_na = 0;
  std::map<std::string, std::size_t> reasons;
  for (const auto& r : rows) {
    generated += r.generated;
    searched += r.searched;
    censored += r.censored;
    queries += r.queries;
    valid_na += r.generated && !r.valid();
    if (!r.generated) ++reasons[r.generated_reason];
  }
  out["counts"] = {{"rows", rows.size()},     {"generated", generated}, {"not_generated", reasons},
                   {"validity_na", valid_na}, {"searched", searched},   {"censored", censored},
                   {"ddmin_queries", queries}};
  out["definitions"] = {
      {"validity",
       "the revised text asked in a fresh chat gets the requested label (llm-sces: validity); NA replies left out"},
      {"validity_with_history", "the same question appended to the chat that produced the revision"},
      {"levenshtein_normalized",
       "character edit distance / the longer text's length (llm-sces: normalized edit distance)"},
      {"excess",
       "1 - minimal_levenshtein / levenshtein: 0 when no hunk of the SCE could be dropped; censored searches left "
       "out"}};
  return out;
}

}  // namespace sceval::text
