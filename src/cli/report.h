// The training report: one self-contained HTML page (inline SVG, no scripts) with the loss and
// validation curves of every trained model and the evaluation table.
#pragma once

#include <string>
#include <vector>

#include "train/trainer.h"

namespace tandem::cli {

struct ReportRow {
  std::string name;
  train::Metrics metrics;
};

struct ReportRun {
  std::string name;
  std::vector<train::EpochLog> history;
};

std::string html_report(const std::string& title, const std::vector<std::string>& facts,
                        const std::vector<ReportRun>& runs, const std::vector<ReportRow>& table,
                        const std::vector<int>& ks);

// The same table as fixed-width text, for the terminal.
std::string text_table(const std::vector<ReportRow>& table, const std::vector<int>& ks);

}  // namespace tandem::cli
