#include "cli/report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

namespace tandem::cli {

namespace {

std::string fmt(double v, int digits = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kColors[] = {"#1f6feb", "#d1495b", "#2a9d8f", "#e9a23b", "#6a4c93"};

// A line chart of one value per epoch for each run.
std::string chart(const std::string& title, const std::vector<ReportRun>& runs, double (*value)(const train::EpochLog&)) {
  const double w = 520, h = 240, left = 56, right = 12, top = 28, bottom = 36;
  double lo = 1e300, hi = -1e300;
  std::size_t epochs = 1;
  for (const auto& r : runs) {
    epochs = std::max(epochs, r.history.size());
    for (const auto& e : r.history) {
      lo = std::min(lo, value(e));
      hi = std::max(hi, value(e));
    }
  }
  if (lo > hi) lo = 0, hi = 1;
  if (hi - lo < 1e-12) hi = lo + 1e-6;
  auto x = [&](std::size_t i) { return left + (w - left - right) * (epochs > 1 ? double(i) / double(epochs - 1) : 0.5); };
  auto y = [&](double v) { return top + (h - top - bottom) * (1 - (v - lo) / (hi - lo)); };
  std::ostringstream s;
  s << "<svg viewBox='0 0 " << w << " " << h << "' width='" << w << "' height='" << h << "' role='img'>";
  s << "<text x='" << left << "' y='18' font-weight='bold'>" << escape(title) << "</text>";
  s << "<line x1='" << left << "' y1='" << h - bottom << "' x2='" << w - right << "' y2='" << h - bottom << "' stroke='#888'/>";
  s << "<line x1='" << left << "' y1='" << top << "' x2='" << left << "' y2='" << h - bottom << "' stroke='#888'/>";
  s << "<text x='4' y='" << y(hi) + 4 << "' font-size='11'>" << fmt(hi) << "</text>";
  s << "<text x='4' y='" << y(lo) + 4 << "' font-size='11'>" << fmt(lo) << "</text>";
  s << "<text x='" << (w / 2) << "' y='" << h - 8 << "' font-size='11'>epoch (1.." << epochs << ")</text>";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const char* color = kColors[r % 5];
    s << "<polyline fill='none' stroke='" << color << "' stroke-width='2' points='";
    for (std::size_t i = 0; i < runs[r].history.size(); ++i) s << x(i) << "," << y(value(runs[r].history[i])) << " ";
    s << "'/>";
    s << "<text x='" << w - right - 110 << "' y='" << top + 14 * (r + 1) << "' font-size='11' fill='" << color << "'>"
      << escape(runs[r].name) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

double loss_of(const train::EpochLog& e) { return e.loss; }
double ndcg_of(const train::EpochLog& e) { return e.validation.ndcg.count(10) ? e.validation.ndcg.at(10) : 0.0; }

}  // namespace

std::string text_table(const std::vector<ReportRow>& table, const std::vector<int>& ks) {
  std::ostringstream s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-18s", "model");
  s << buf;
  for (int k : ks) {
    for (const char* m : {"HR", "NDCG", "MRR"}) {
      std::snprintf(buf, sizeof buf, " %9s", (std::string(m) + "@" + std::to_string(k)).c_str());
      s << buf;
    }
  }
  s << "\n";
  for (const auto& row : table) {
    std::snprintf(buf, sizeof buf, "%-18s", row.name.c_str());
    s << buf;
    for (int k : ks) {
      for (const auto* m : {&row.metrics.hr, &row.metrics.ndcg, &row.metrics.mrr}) {
        std::snprintf(buf, sizeof buf, " %9.4f", m->at(k));
        s << buf;
      }
    }
    s << "\n";
  }
  return s.str();
}

namespace {

// One line per kind of held-out item, then one for the cases asked for in the visit and one for
// those asked for on a return: its cases, their share of all cases (%), and the NDCG@k of every
// table row within them. The terminal and the HTML report print the same lines.
struct KindLine {
  std::string label;
  std::size_t cases = 0;
  double share = 0;
  std::vector<double> ndcg;  // per table row
};

std::vector<KindLine> kind_lines(const std::vector<ReportRow>& table, const train::CaseKinds& kinds, int k) {
  std::vector<std::pair<std::string, std::vector<bool>>> groups;
  for (int i = 0; i < train::kTargetKinds; ++i) {
    const auto kind = static_cast<train::TargetKind>(i);
    std::vector<bool> in_group;
    for (train::TargetKind held_out : kinds.held_out) in_group.push_back(held_out == kind);
    groups.emplace_back(train::target_kind_name(kind), std::move(in_group));
  }
  std::vector<bool> in_visit;
  for (bool on_return : kinds.on_return) in_visit.push_back(!on_return);
  groups.emplace_back("asked in the visit", std::move(in_visit));
  groups.emplace_back("asked on a return", kinds.on_return);

  std::vector<KindLine> lines;
  for (const auto& [label, in_group] : groups) {
    KindLine line;
    line.label = label;
    line.cases = static_cast<std::size_t>(std::count(in_group.begin(), in_group.end(), true));
    line.share = in_group.empty() ? 0.0 : 100.0 * static_cast<double>(line.cases) / static_cast<double>(in_group.size());
    for (const auto& row : table) line.ndcg.push_back(train::group_ndcg(row.metrics, in_group, k).ndcg);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::string kinds_table(const std::vector<ReportRow>& table, const train::CaseKinds& kinds, int k) {
  std::ostringstream s;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%-24s %6s %7s", "test case", "cases", "share");
  s << buf;
  for (const auto& row : table) s << "  " << row.name;
  s << "\n";
  for (const KindLine& line : kind_lines(table, kinds, k)) {
    std::snprintf(buf, sizeof buf, "%-24s %6zu %6.1f%%", line.label.c_str(), line.cases, line.share);
    s << buf;
    for (std::size_t r = 0; r < table.size(); ++r) {
      std::snprintf(buf, sizeof buf, "  %*.4f", static_cast<int>(std::max<std::size_t>(6, table[r].name.size())),
                    line.ndcg[r]);
      s << buf;
    }
    s << "\n";
  }
  return s.str();
}

std::string html_report(const std::string& title, const std::vector<std::string>& facts,
                        const std::vector<ReportRun>& runs, const std::vector<ReportRow>& table,
                        const std::vector<int>& ks, const train::CaseKinds& kinds) {
  std::ostringstream s;
  s << "<!doctype html><html lang='en'><meta charset='utf-8'><title>" << escape(title) << "</title>"
    << "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
    << "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}"
    << "svg{margin:1em 1em 0 0;border:1px solid #eee}</style>";
  s << "<h1>" << escape(title) << "</h1><ul>";
  for (const auto& f : facts) s << "<li>" << escape(f) << "</li>";
  s << "</ul><h2>Test set</h2><table><tr><th>model</th>";
  for (int k : ks)
    for (const char* m : {"HR", "NDCG", "MRR", "Recall"}) s << "<th>" << m << "@" << k << "</th>";
  s << "</tr>";
  for (const auto& row : table) {
    s << "<tr><td>" << escape(row.name) << "</td>";
    for (int k : ks)
      for (double v : {row.metrics.hr.at(k), row.metrics.ndcg.at(k), row.metrics.mrr.at(k), row.metrics.recall(k)})
        s << "<td>" << fmt(v) << "</td>";
    s << "</tr>";
  }
  s << "</table><h2>NDCG@10 by what the test case holds out, and by when it is asked for</h2><table><tr><th>test case</th><th>cases</th><th>share</th>";
  for (const auto& row : table) s << "<th>" << escape(row.name) << "</th>";
  s << "</tr>";
  for (const KindLine& line : kind_lines(table, kinds, 10)) {
    s << "<tr><td>" << escape(line.label) << "</td><td>" << line.cases << "</td><td>"
      << fmt(line.share, 1) << " %</td>";
    for (double v : line.ndcg) s << "<td>" << fmt(v) << "</td>";
    s << "</tr>";
  }
  s << "</table><h2>Training</h2>";
  s << chart("training loss (mean cross-entropy per target)", runs, loss_of);
  s << chart("validation NDCG@10", runs, ndcg_of);
  s << "</html>\n";
  return s.str();
}

}  // namespace tandem::cli
