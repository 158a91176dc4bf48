#include "report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <random>

#include "common/error.h"
#include "common/file.h"
#include "report/page_data.h"

namespace sceval::report {
namespace {

// No 'unsafe-eval': charts.js makes Vega interpret its expressions (vega-embed's `ast` option)
// instead of compiling them with Function(). Scripts need the nonce, so markup that slipped into
// the page could not run, and nothing may be fetched.
constexpr const char* kCsp =
    "default-src 'none'; script-src 'nonce-{}'; style-src 'unsafe-inline'; "
    "img-src data: blob:; connect-src 'none'; base-uri 'none'; form-action 'none'";

constexpr const char* kPageScripts[] = {"page/util.js",   "page/text.js",    "page/tables.js",  "page/decision_map.js",
                                        "page/charts.js", "page/samples.js", "page/compare.js", "page/main.js"};

std::string asset(std::string_view name) {
  auto text = assets::embedded(name);
  if (text.empty()) throw Error(fmt::format("report asset {} is missing from this build", name));
  return std::string(text);
}

std::string nonce() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

std::string script(const std::string& n, const std::string& body) {
  std::string lower(body.size(), ' ');
  std::transform(body.begin(), body.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("</script") != std::string::npos || lower.find("<!--") != std::string::npos)
    throw Error("a script embedded in the report contains '</script' or '<!--', which would end it early");
  return fmt::format("<script nonce=\"{}\">\n{}\n</script>\n", n, body);
}

// Runs first: collects errors for the status element that tests read.
constexpr const char* kHooks = R"(window.scevalStatus = {done: false, errors: [], charts: {}};
window.addEventListener('error', e => scevalStatus.errors.push('error: ' + (e.message || e.type)), true);
window.addEventListener('unhandledrejection', e => scevalStatus.errors.push('rejection: ' + e.reason));
for (const level of ['error', 'warn']) {
  const orig = console[level].bind(console);
  console[level] = (...args) => { scevalStatus.errors.push(level + ': ' + args.map(String).join(' ')); orig(...args); };
})";

}  // namespace

std::string script_safe_json(const nlohmann::json& j) {
  const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
             (text[i + 2] == '\xA8' || text[i + 2] == '\xA9'))
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029", i += 2;
    else
      out += c;
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_page(const nlohmann::json& data) {
  const std::string n = nonce();
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>sceval report</title>\n<style>\n{}\n</style>\n",
      fmt::format(fmt::runtime(kCsp), n), asset("page/report.css"));
  page += script(n, kHooks);
  page += "<script type=\"application/json\" id=\"sceval-data\">" + script_safe_json(data) + "</script>\n";
  for (const char* lib : {"vega/vega.min.js", "vega/vega-lite.min.js", "vega/vega-embed.min.js"})
    page += script(n, asset(lib));
  std::string code;
  for (const char* s : kPageScripts) code += asset(s) + "\n";
  page += script(n, code);
  page += "</head>\n<body>\n<main id=\"app\"></main>\n<pre id=\"sceval-status\" hidden></pre>\n";
  page += "<footer><details><summary>Third-party software in this page</summary><pre>" +
          html_escape(asset("vega/VERSIONS"));
  for (const char* lic : {"vega/vega.LICENSE", "vega/vega-lite.LICENSE", "vega/vega-embed.LICENSE"})
    page.append("\n")
        .append(html_escape(std::string_view(lic).substr(5)))
        .append(":\n")
        .append(html_escape(asset(lic)));
  page += "</pre></details></footer>\n</body>\n</html>\n";
  return page;
}

std::size_t write_report(const std::vector<std::string>& run_args, const std::string& out_path) {
  std::vector<RunDir> runs;
  for (const auto& [path, name] : expand_run_dirs(run_args)) runs.push_back(load_run(path, name));
  // A text run's items file is an input too (found only while loading: text_run.h).
  for (const auto& r : runs) refuse_overwriting_inputs(out_path, {r.originals_source});
  const std::string page = render_page(page_data(runs));
  write_file_atomic(out_path, page);  // errors name the path and why (a missing folder, ...)
  return runs.size();
}

}  // namespace sceval::report
