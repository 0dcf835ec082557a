// Catalog files (read_catalog): JSON lines and CSV, the malformed-row report and strict mode, and
// a catalog's items and features merged into a dataset (apply_catalog), items no event names
// among them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "train/log_reader.h"
#include "train/preprocess.h"
#include "train/run.h"

namespace tandem::train {
namespace {

struct Read {
  Status status;
  std::vector<CatalogItem> items;
  LogReport report;
};

Read read(std::string_view text, bool strict = false, std::size_t chunk = std::size_t{1} << 20) {
  MemorySource source(text, "catalog.jsonl");
  LogOptions options;
  options.strict = strict;
  options.chunk_size = chunk;
  Read r;
  r.status = read_catalog(source, options, &r.items, &r.report);
  return r;
}

TEST(CatalogReader, ReadsJsonLinesWithEveryKindOfRowProblemCounted) {
  const std::string text =
      "{\"id\": \"a\", \"category\": \"home/kitchen\", \"price\": 10, \"list_price\": 20, \"brand\": \"acme\"}\n"
      "\n"
      "{\"id\": \"b\", \"discount\": 1.5}\n"
      "{\"id\": \"c\", \"colour\": \"red\", \"available\": false}\n"
      "{\"id\": \"a\", \"price\": 3}\n"
      "not json\n"
      "{\"id\": \"d\", \"category\": \"home//x\"}\r\n";
  for (std::size_t chunk : {std::size_t{7}, std::size_t{1} << 20}) {  // lines straddling chunks too
    const Read r = read(text, false, chunk);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    ASSERT_EQ(r.items.size(), 2u);
    EXPECT_EQ(r.items[0].id, "a");
    EXPECT_EQ(r.items[0].category, "home/kitchen");
    EXPECT_NEAR(*r.items[0].effective_discount(), 0.5, 1e-12);
    EXPECT_EQ(r.items[1].id, "c");
    EXPECT_EQ(r.items[1].available, false);
    EXPECT_EQ(r.report.rows, 2u);
    EXPECT_EQ(r.report.malformed, 4u);
    EXPECT_EQ(r.report.lines, 7u);
    EXPECT_EQ(r.report.first_errors,
              (std::vector<std::string>{"line 3: discount 1.5 is not a share in [0, 1) (0.25 is 25 % off)",
                                        "line 5: item 'a' is listed again (first on line 1)",
                                        "line 6: the row is not valid JSON",
                                        "line 7: category 'home//x' has an empty level"}));
  }
  const Read strict = read(text, true);
  EXPECT_EQ(strict.status.message(), "catalog.jsonl: line 3: discount 1.5 is not a share in [0, 1) (0.25 is 25 % off)");
  EXPECT_TRUE(strict.items.empty());
}

TEST(CatalogReader, ReadsCsvByItsHeader) {
  const Read r = read(
      "id,category,price,list_price,brand,available,material\n"
      "sku-1,home/kitchen/knives,19.9,24.9,acme,true,steel\n"
      "sku-2,toys,,,,0,\n"
      "\"sku,3\",toys,7,,\"zen \"\"x\"\"\",yes,wood\n"
      "sku-4,toys,cheap,,,,\n"
      "sku-5,toys,1\n"
      "sku-6,toys,1,,,maybe,\n");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].price, 19.9);
  EXPECT_EQ(r.items[0].list_price, 24.9);
  EXPECT_EQ(r.items[0].extra, (std::vector<std::pair<std::string, std::string>>{{"material", "steel"}}));
  EXPECT_FALSE(r.items[1].price);  // an empty cell is not given
  EXPECT_EQ(r.items[1].available, false);
  EXPECT_TRUE(r.items[1].extra.empty());
  EXPECT_EQ(r.items[2].id, "sku,3");
  EXPECT_EQ(r.items[2].brand, "zen \"x\"");
  EXPECT_EQ(r.report.first_errors, (std::vector<std::string>{"line 5: bad price 'cheap'", "line 6: expected 7 fields, found 3",
                                                             "line 7: available 'maybe' is not true or false"}));
  EXPECT_EQ(read("category,price\ntoys,1\n").status.message(), "catalog.jsonl: the header has no id column");
  EXPECT_EQ(read("id,price,price\na,1,2\n").status.message(), "catalog.jsonl: the header names column 'price' twice");
  EXPECT_EQ(read("\n\n").status.message(), "catalog.jsonl is empty");
  EXPECT_EQ(read("id,price\na,x\n").status.message(),
            "catalog.jsonl has no valid rows (1 malformed, the first: line 2: bad price 'x')");
}

TEST(CatalogReader, ACatalogAddsFeaturesAndItemsNoEventNames) {
  MemorySource log("u1,a,c1,pv,1\nu1,b,c1,pv,2\nu2,a,c1,buy,3\n", "log.csv");
  RawLog raw;
  ASSERT_TRUE(read_log(log, LogOptions{}, &raw, nullptr).ok());
  Dataset d = build_dataset(std::move(raw), PreprocessOptions{}, nullptr);
  const Read r = read(
      "{\"id\": \"b\", \"category\": \"toys/blocks\", \"brand\": \"acme\", \"price\": 5}\n"
      "{\"id\": \"z\", \"category\": \"toys/dolls\", \"price\": 50, \"discount\": 0.3}\n");
  ASSERT_TRUE(r.status.ok());
  apply_catalog(r.items, &d);
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"a", "b", "z"}));
  const ItemCatalog& c = d.catalog;
  ASSERT_EQ(c.item_count(), 3u);
  std::vector<std::string> names;
  for (const Feature& f : c.features) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"category", "brand", "price", "discount"}));
  const Feature& category = c.features[0];
  EXPECT_EQ(category.values, (std::vector<std::string>{"c1", "toys", "toys/blocks", "toys/dolls"}));
  EXPECT_EQ(category.parent, (std::vector<std::int32_t>{-1, -1, 1, 1}));
  EXPECT_EQ(c.value(0, 0), 0);  // a: the log's category
  EXPECT_EQ(c.value(1, 0), 2);  // b: the catalog's path over the log's c1
  EXPECT_EQ(c.value(2, 0), 3);
  EXPECT_EQ(c.value(2, 2), price_bucket(50));
  EXPECT_EQ(c.value(2, 3), discount_bucket(0.3));
  EXPECT_EQ(c.value(0, 1), -1);
  EXPECT_EQ(d.events.size(), 3u);  // z has no events: a cold item
  // A value no item keeps any more (the log's category of an item the catalog moved) is dropped.
  CatalogItem moved;
  moved.id = "a";
  moved.category = "toys/blocks";
  apply_catalog({moved}, &d);
  EXPECT_EQ(d.catalog.features[0].values, (std::vector<std::string>{"toys", "toys/blocks", "toys/dolls"}));
  EXPECT_EQ(d.catalog.features[0].parent, (std::vector<std::int32_t>{-1, 0, 0}));
  EXPECT_EQ(d.catalog.value(0, 0), 1);
  EXPECT_EQ(d.catalog.value(2, 0), 2);
  EXPECT_EQ(d.catalog.features[0].find("toys/dolls"), 2);
}

}  // namespace
}  // namespace tandem::train
