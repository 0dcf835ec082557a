// The training report: one self-contained HTML page (inline SVG, no scripts) with the loss and
// validation curves of every trained model, the evaluation table and its breakdown by kind of
// held-out item.
#pragma once

#include <string>
#include <vector>

#include "train/run.h"
#include "train/trainer.h"

namespace tandem::cli {

// A row of the table: a model or baseline and its metrics (train/run.h).
using ReportRow = train::TestRow;

struct ReportRun {
  std::string name;
  std::vector<train::EpochLog> history;
};

std::string html_report(const std::string& title, const std::vector<std::string>& facts,
                        const std::vector<ReportRun>& runs, const std::vector<ReportRow>& table,
                        const std::vector<int>& ks, const train::CaseKinds& kinds);

// The same table as fixed-width text, for the terminal.
std::string text_table(const std::vector<ReportRow>& table, const std::vector<int>& ks);

// NDCG@k of every row within each kind of held-out item, and within the cases asked for in the
// visit and on a return (train::case_kinds), with each group's share of the cases: over the kinds,
// and over the two visit lines, the share-weighted sum of a row's values is its NDCG@k.
std::string kinds_table(const std::vector<ReportRow>& table, const train::CaseKinds& kinds, int k);

}  // namespace tandem::cli
