// Log readers: parsed values of every format, the malformed-row report and strict mode, BOM, CRLF,
// quotes, rows straddling chunk boundaries, and the exact text of every error.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "train/log_reader.h"

namespace tandem::train {
namespace {

struct Read {
  Status status;
  RawLog log;
  LogReport report;
};

Read read(std::string_view text, const LogOptions& options) {
  MemorySource source(text);
  Read r;
  r.status = read_log(source, options, &r.log, &r.report);
  return r;
}

LogOptions options_for(LogFormat format) {
  LogOptions o;
  o.format = format;
  return o;
}

// Rows as "user item type time", e.g. "1 2268318 view 1511544070.000".
std::vector<std::string> rows_text(const RawLog& log) {
  std::vector<std::string> out;
  for (const RawRow& r : log.rows) {
    char time[64];
    std::snprintf(time, sizeof time, "%.3f", r.time);
    out.push_back(log.users[r.user] + " " + log.items[r.item] + " " + log.event_types[r.type] + " " +
                  time);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(LogFormatNames, RoundTripAndUnknown) {
  for (const char* name : {"taobao", "retailrocket", "yoochoose", "sequences", "user-item", "delimited"}) {
    LogFormat f = LogFormat::delimited;
    ASSERT_TRUE(parse_log_format(name, &f).ok()) << name;
    EXPECT_STREQ(log_format_name(f), name);
  }
  LogFormat f;
  EXPECT_EQ(parse_log_format("csv", &f).message(),
            "unknown log format 'csv' (expected taobao, retailrocket, yoochoose, sequences, "
            "user-item or delimited)");
  TimeUnit unit;
  ASSERT_TRUE(parse_time_unit("ms", &unit).ok());
  EXPECT_EQ(unit, TimeUnit::milliseconds);
  EXPECT_EQ(parse_time_unit("us", &unit).message(), "unknown time unit 'us' (expected s, ms or iso8601)");
}

TEST(Taobao, ParsesRowsIdsCategoriesAndTypes) {
  Read r = read(
      "1,2268318,2520377,buy,1511544070\n"
      "1,2333346,2520771,pv,1511561733\n"
      "7,2268318,999,fav,1511572885\n"
      "7,42,2520771,cart,1511572886\n",
      options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"1 2268318 purchase 1511544070.000", "1 2333346 view 1511561733.000",
                                       "7 2268318 fav 1511572885.000", "7 42 cart 1511572886.000"}));
  // The types keep the format's order whatever comes first in the data.
  EXPECT_EQ(r.log.event_types, (Strings{"view", "cart", "fav", "purchase"}));
  EXPECT_EQ(r.log.purchase_event, "purchase");
  EXPECT_TRUE(r.log.has_timestamps);
  EXPECT_EQ(r.log.users, (Strings{"1", "7"}));
  EXPECT_EQ(r.log.items, (Strings{"2268318", "2333346", "42"}));
  // An item's category is the first one seen for it (999 on line 3 is ignored).
  EXPECT_EQ(r.log.categories, (Strings{"2520377", "2520771"}));
  EXPECT_EQ(r.log.item_category, (std::vector<std::int32_t>{0, 1, 1}));
  EXPECT_EQ(r.report.lines, 4u);
  EXPECT_EQ(r.report.rows, 4u);
  EXPECT_EQ(r.report.malformed, 0u);
}

const char* kTaobaoWithBadRows =
    "1,10,100,pv,1000\n"            // 1
    "1,11,100,pv\n"                 // 2: a column missing
    "\n"                            // 3: blank, skipped silently
    "1,12,100,click,1002\n"         // 4: unknown behaviour
    "1,13,100,pv,soon\n"            // 5: not a number
    "1,14,100,pv,nan\n"             // 6: not finite
    "2,15,100,cart,1005\n"          // 7
    ",16,100,pv,1006\n"             // 8: no user
    "2,17,100,pv,1007,extra\n"      // 9: a column too many
    "2,18,100,fav,1008";            // 10, no final line break

TEST(Taobao, ReportsMalformedRowsWithLineNumbers) {
  Read r = read(kTaobaoWithBadRows, options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"1 10 view 1000.000", "2 15 cart 1005.000", "2 18 fav 1008.000"}));
  EXPECT_EQ(r.report.lines, 10u);
  EXPECT_EQ(r.report.rows, 3u);
  EXPECT_EQ(r.report.malformed, 6u);
  EXPECT_EQ(r.report.first_errors, (Strings{"line 2: expected 5 fields, found 4",
                                            "line 4: unknown event type 'click'",
                                            "line 5: bad time 'soon'",
                                            "line 6: time 'nan' is not finite",
                                            "line 8: empty user id"}));
  // Malformed rows intern nothing.
  EXPECT_EQ(r.log.items, (Strings{"10", "15", "18"}));
}

TEST(Taobao, StrictStopsAtTheFirstMalformedRow) {
  LogOptions o = options_for(LogFormat::taobao);
  o.strict = true;
  Read r = read(kTaobaoWithBadRows, o);
  EXPECT_EQ(r.status.message(), "input: line 2: expected 5 fields, found 4");
  EXPECT_TRUE(r.log.rows.empty());
  EXPECT_TRUE(r.log.users.empty());
}

TEST(Taobao, BomCrlfAndBlankLines) {
  Read r = read("\xEF\xBB\xBF" "1,10,100,pv,1000\r\n\r\n  \r\n2,11,101,buy,1001\r\n", options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"1 10 view 1000.000", "2 11 purchase 1001.000"}));
  EXPECT_EQ(r.log.categories, (Strings{"100", "101"}));
  EXPECT_EQ(r.report.lines, 4u);
  EXPECT_EQ(r.report.malformed, 0u);
}

TEST(Taobao, QuotedFields) {
  Read r = read(
      "\"1\",\"it,em\",\"cat \"\"x\"\"\",pv,1000\n"
      "\"\",a,b,pv,1\n"
      "2,\"open,c,pv,1\n"
      "2,\"ab\"c,d,pv,1\n"
      "3,\"\",c,pv,1\n"
      "4,x\"y,c,\"pv\",\"1001\"\n",
      options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"1 it,em view 1000.000", "4 x\"y view 1001.000"}));
  EXPECT_EQ(r.log.categories, (Strings{"cat \"x\"", "c"}));
  EXPECT_EQ(r.report.first_errors, (Strings{"line 2: empty user id", "line 3: unterminated quote",
                                            "line 4: text after a closing quote",
                                            "line 5: empty item id"}));
}

TEST(Taobao, RowsStraddlingChunksParseTheSame) {
  const std::string text =
      "\xEF\xBB\xBF" "1,10,\"c,1\",pv,1000\r\n"
      "1,11,c2,buy,1000.5\r\n"
      "\r\n"
      "bad line\r\n"
      "2,\"x\"\"y\",c2,cart,7\n"
      "2,12,c3,fav,8";
  Read whole = read(text, options_for(LogFormat::taobao));
  ASSERT_TRUE(whole.status.ok()) << whole.status.message();
  ASSERT_EQ(whole.log.rows.size(), 4u);
  EXPECT_EQ(whole.report.first_errors, (Strings{"line 4: expected 5 fields, found 1"}));
  for (std::size_t chunk = 1; chunk <= 12; ++chunk) {
    LogOptions o = options_for(LogFormat::taobao);
    o.chunk_size = chunk;
    Read r = read(text, o);
    ASSERT_TRUE(r.status.ok()) << chunk << ": " << r.status.message();
    EXPECT_EQ(rows_text(r.log), rows_text(whole.log)) << "chunk " << chunk;
    EXPECT_EQ(r.log.categories, (Strings{"c,1", "c2", "c3"})) << "chunk " << chunk;
    EXPECT_EQ(r.report.lines, 6u) << "chunk " << chunk;
    EXPECT_EQ(r.report.first_errors, whole.report.first_errors) << "chunk " << chunk;
  }
}

TEST(Taobao, OverlongLinesAreMalformedAndSkipped) {
  const std::string text = "1,10,100,pv,1000\n1,11,100,pv,1001" + std::string(50, '0') + "\n2,12,100,pv,1002\n";
  for (std::size_t chunk : {3, 1 << 20}) {
    LogOptions o = options_for(LogFormat::taobao);
    o.chunk_size = chunk;
    o.max_line = 30;
    Read r = read(text, o);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(rows_text(r.log), (Strings{"1 10 view 1000.000", "2 12 view 1002.000"})) << chunk;
    EXPECT_EQ(r.report.first_errors, (Strings{"line 2: line is too long"})) << chunk;
    EXPECT_EQ(r.report.lines, 3u);
  }
}

TEST(Taobao, KeepsOnlyTheFirstFiveErrors) {
  std::string text;
  for (int i = 0; i < 8; ++i) text += "x\n";
  text += "1,10,100,pv,1000\n";
  Read r = read(text, options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.report.malformed, 8u);
  ASSERT_EQ(r.report.first_errors.size(), 5u);
  EXPECT_EQ(r.report.first_errors.back(), "line 5: expected 5 fields, found 1");
}

TEST(LogReader, EmptyLogsAreErrors) {
  for (const char* text : {"", "\xEF\xBB\xBF", "\n\r\n  \n"}) {
    EXPECT_EQ(read(text, options_for(LogFormat::taobao)).status.message(), "input is empty");
    EXPECT_EQ(read(text, options_for(LogFormat::sequences)).status.message(), "input is empty");
  }
  // A header without rows is empty too.
  EXPECT_EQ(read("timestamp,visitorid,event,itemid,transactionid\n", options_for(LogFormat::retailrocket))
                .status.message(),
            "input is empty");
  MemorySource named("", "logs/x.csv");
  RawLog log;
  EXPECT_EQ(read_log(named, options_for(LogFormat::taobao), &log, nullptr).message(), "logs/x.csv is empty");
}

TEST(LogReader, NoValidRowsIsAnError) {
  EXPECT_EQ(read("a,b\nc\n", options_for(LogFormat::taobao)).status.message(),
            "input has no valid rows (2 malformed, the first: line 1: expected 5 fields, found 2)");
}

TEST(LogReader, ReadsFilesAndNamesMissingOnes) {
  std::string path = ::testing::TempDir() + "tandem_log_reader_test.csv";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_TRUE(f);
  std::fputs("1 a b\n2 c\n", f);
  std::fclose(f);
  RawLog log;
  LogReport report;
  LogOptions o = options_for(LogFormat::sequences);
  o.chunk_size = 4;
  ASSERT_TRUE(read_log_file(path, o, &log, &report).ok());
  EXPECT_EQ(rows_text(log), (Strings{"1 a purchase 0.000", "1 b purchase 1.000", "2 c purchase 0.000"}));
  std::remove(path.c_str());
  EXPECT_EQ(read_log_file(path, o, &log, &report).message(),
            "cannot open " + path + ": No such file or directory");
}

TEST(RetailRocket, HeaderMillisecondsAndEventNames) {
  Read r = read(
      "timestamp,visitorid,event,itemid,transactionid\n"
      "1433221332117,257597,view,355908,\n"
      "1433224214164,992329,addtocart,248676,\n"
      "1433221999827,257597,transaction,355908,4000\n"
      "1433221999828,257597,remove,355908,\n",
      options_for(LogFormat::retailrocket));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"257597 355908 view 1433221332.117", "992329 248676 cart 1433224214.164",
                                       "257597 355908 purchase 1433221999.827"}));
  EXPECT_EQ(r.log.event_types, (Strings{"view", "cart", "purchase"}));
  EXPECT_EQ(r.log.purchase_event, "purchase");
  EXPECT_TRUE(r.log.categories.empty());
  EXPECT_EQ(r.log.item_category, (std::vector<std::int32_t>{-1, -1}));
  EXPECT_EQ(r.report.first_errors, (Strings{"line 5: unknown event type 'remove'"}));
}

TEST(RetailRocket, AWrongHeaderIsAnError) {
  EXPECT_EQ(read("ts,visitor,event,itemid\n1,2,view,3\n", options_for(LogFormat::retailrocket)).status.message(),
            "input: the header has no user column 'visitorid'");
  // Rows must have as many fields as the header.
  Read r = read("timestamp,visitorid,event,itemid,transactionid\n1,2,view,3\n1,2,view,3,\n",
                options_for(LogFormat::retailrocket));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.report.first_errors, (Strings{"line 2: expected 5 fields, found 4"}));
}

TEST(Yoochoose, IsoTimesSessionsAndCategories) {
  Read r = read(
      "1,2014-04-07T10:51:09.277Z,214536502,0\n"
      "1,2014-04-07T10:54:09.868Z,214536500,S\n"
      "2,2014-04-07T10:57:00Z,214536502,2053\n"
      "2,2014-04-07 10:57:00,214536506,0\n"
      "3,2014-04-31T00:00:00Z,1,0\n",
      options_for(LogFormat::yoochoose));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"1 214536502 click 1396867869.277", "1 214536500 click 1396868049.868",
                                       "2 214536502 click 1396868220.000", "2 214536506 click 1396868220.000"}));
  EXPECT_EQ(r.log.event_types, (Strings{"click"}));
  EXPECT_EQ(r.log.purchase_event, "");
  // "0" is the dataset's marker for no category; 214536502 gets the first real one seen.
  EXPECT_EQ(r.log.categories, (Strings{"S", "2053"}));
  EXPECT_EQ(r.log.item_category, (std::vector<std::int32_t>{1, 0, -1}));
  EXPECT_EQ(r.report.first_errors, (Strings{"line 5: bad time '2014-04-31T00:00:00Z'"}));
}

TEST(Iso8601, ParsesUtcAndOffsetsWithoutTheLocale) {
  struct Case {
    const char* text;
    double seconds;
  } cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59Z", -1},
      {"2014-04-07T10:51:09Z", 1396867869},
      {"2014-04-07T10:51:09.5Z", 1396867869.5},
      {"2014-04-07T10:51:09.277", 1396867869.277},
      {"2014-04-07 10:51:09", 1396867869},
      {"2014-04-07T12:51:09+02:00", 1396867869},
      {"2014-04-07T09:21:09-0130", 1396867869},
      {"2014-04-07T10:51Z", 1396867860},
      {"2016-02-29", 1456704000},
      {"2000-03-01T12:00:00Z", 951912000},
  };
  for (const Case& c : cases) {
    double s = -12345;
    ASSERT_TRUE(parse_iso8601(c.text, &s)) << c.text;
    EXPECT_NEAR(s, c.seconds, 1e-6) << c.text;
  }
  for (const char* bad : {"", "2014", "2014-4-07", "2014-13-01", "2014-02-29", "1900-02-29",
                          "2014-04-07T24:00:00Z", "2014-04-07T10:60:00Z", "2014-04-07T10:51:09.",
                          "2014-04-07T10:51:09Zjunk", "2014-04-07T10:51:09+2", "2014-04-07X10:51",
                          "1396867869"}) {
    double s;
    EXPECT_FALSE(parse_iso8601(bad, &s)) << bad;
  }
}

TEST(Sequences, PositionsAsTimesAndOnePurchaseType) {
  Read r = read("u1 a b c\nu2 b\tc  \n\nu1 d\nu3\n", options_for(LogFormat::sequences));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"u1 a purchase 0.000", "u1 b purchase 1.000", "u1 c purchase 2.000",
                                       "u2 b purchase 0.000", "u2 c purchase 1.000", "u1 d purchase 3.000"}));
  EXPECT_FALSE(r.log.has_timestamps);
  EXPECT_EQ(r.log.event_types, (Strings{"purchase"}));
  EXPECT_EQ(r.log.purchase_event, "purchase");
  EXPECT_TRUE(r.log.categories.empty());
  EXPECT_EQ(r.report.rows, 6u);
  EXPECT_EQ(r.report.first_errors, (Strings{"line 5: no items after the user id"}));
}

TEST(UserItem, OnePairPerLine) {
  Read r = read("1 10\r\n2 10\r\n1 11\r\n1 12 x\r\n1 12\r\n", options_for(LogFormat::user_item));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"1 10 purchase 0.000", "2 10 purchase 0.000", "1 11 purchase 1.000",
                                       "1 12 purchase 2.000"}));
  EXPECT_FALSE(r.log.has_timestamps);
  EXPECT_EQ(r.report.first_errors, (Strings{"line 4: expected 2 fields, found 3"}));
}

LogOptions delimited(ColumnMapping columns) {
  LogOptions o = options_for(LogFormat::delimited);
  o.columns = std::move(columns);
  return o;
}

TEST(Delimited, HeaderNamesAndEventsInFirstSeenOrder) {
  ColumnMapping c;
  c.delimiter = '\t';
  c.header = true;
  c.user = "customer", c.item = "sku", c.event = "action", c.time = "ts", c.category = "2";
  c.time_unit = TimeUnit::milliseconds;
  Read r = read(
      "ts\tsku\tdept\tcustomer\taction\n"
      "1500\tA\tshoes\tc1\tclick\n"
      "2500\tB\t\tc1\tbuy\n"
      "3000\tB\thats\tc2\tclick\n",
      delimited(c));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"c1 A click 1.500", "c1 B buy 2.500", "c2 B click 3.000"}));
  EXPECT_EQ(r.log.event_types, (Strings{"click", "buy"}));
  EXPECT_EQ(r.log.purchase_event, "buy");
  EXPECT_EQ(r.log.categories, (Strings{"shoes", "hats"}));  // B's empty category counts as none
  EXPECT_EQ(r.log.item_category, (std::vector<std::int32_t>{0, 1}));
}

TEST(Delimited, IndexColumnsWithoutTimesOrEvents) {
  ColumnMapping c;
  c.delimiter = ';';
  c.user = "2", c.item = "0";
  Read r = read("a;x;u1\nb;y;u1;more\nc;u2\nd;z;u2\n", delimited(c));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"u1 a purchase 0.000", "u1 b purchase 1.000", "u2 d purchase 0.000"}));
  EXPECT_FALSE(r.log.has_timestamps);
  EXPECT_EQ(r.log.event_types, (Strings{"purchase"}));
  EXPECT_EQ(r.report.first_errors, (Strings{"line 3: expected at least 3 fields, found 2"}));
}

TEST(Delimited, EventNameMappingFixesTypesAndRejectsOthers) {
  ColumnMapping c;
  c.user = "0", c.item = "1", c.event = "2", c.time = "3";
  c.time_unit = TimeUnit::iso8601;
  c.event_names = {{"detail", "view"}, {"add", "cart"}, {"order", "purchase"}, {"checkout", "purchase"}};
  Read r = read("u,i,checkout,1970-01-01T00:00:01Z\nu,i,detail,1970-01-01T00:00:00Z\nu,i,wish,1970-01-01\n",
                delimited(c));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"u i purchase 1.000", "u i view 0.000"}));
  EXPECT_EQ(r.log.event_types, (Strings{"view", "cart", "purchase"}));
  EXPECT_EQ(r.log.purchase_event, "purchase");
  EXPECT_EQ(r.report.first_errors, (Strings{"line 3: unknown event type 'wish'"}));
}

TEST(Delimited, BadMappingsAreErrors) {
  ColumnMapping c;
  c.item = "1";
  EXPECT_EQ(read("a,b\n", delimited(c)).status.message(), "the column mapping needs a user column");
  c.user = "visitor";
  EXPECT_EQ(read("a,b\n", delimited(c)).status.message(),
            "the user column 'visitor' is a name, but the log has no header");
  c.header = true;
  c.time = "7";
  EXPECT_EQ(read("visitor,item,x\na,b,c\n", delimited(c)).status.message(),
            "input: the time column 7 is out of range: the header has 3 columns");
  c.time = "";
  c.delimiter = '"';
  EXPECT_EQ(read("a,b\n", delimited(c)).status.message(), "the delimiter cannot be a quote or a line break");
}

// The dirty-row policy (docs/data.md): each of these rows, added to a good log, is one malformed
// row with its reason and line; the good rows around it are read as before.
TEST(DirtyRows, EachKindIsOneMalformedRowWithItsReason) {
  const std::string good = "1,10,5,pv,1511544070\n2,11,5,buy,1511544071\n";
  struct Case {
    std::string row, reason;
  };
  const std::vector<Case> cases = {
      {"3,12,5,pv,1e50", "time '1e50' is out of range (more than 8.64e12 s, the range of a JavaScript Date, from 1970)"},
      {"3,12,5,pv,-1e308", "time '-1e308' is out of range (more than 8.64e12 s, the range of a JavaScript Date, from 1970)"},
      {"3,12,5,pv,1.8e308", "bad time '1.8e308'"},
      {"3,1\xFF" "2,5,pv,1", "the item id is not valid UTF-8"},
      {"3," + std::string(1025, 'i') + ",5,pv,1", "the item id is longer than 1024 bytes"},
      {std::string("3,1\0" "2,5,pv,1", 12), "the item id holds a NUL byte"},
      {"\xC3(,12,5,pv,1", "the user id is not valid UTF-8"},
      {std::string(1025, 'u') + ",12,5,pv,1", "the user id is longer than 1024 bytes"},
      {"3,12,\xE2\x82,pv,1", "the category is not valid UTF-8"},
      {"3,12,5,p\xFFv,1", "unknown event type 'p\\xFFv'"},
      {"\r3,12,5,pv,1", "a carriage return inside the line ('\\n\\r' or '\\r' line breaks?)"},
  };
  for (const Case& c : cases) {
    const std::string log = good + c.row + "\n1,12,5,cart,1511544072\n";
    const Read r = read(log, options_for(LogFormat::taobao));
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(r.report.malformed, 1u) << c.reason;
    EXPECT_EQ(r.report.first_errors, Strings{"line 3: " + c.reason});
    EXPECT_EQ(r.report.rows, 3u);
    EXPECT_EQ(r.log.items, (Strings{"10", "11", "12"})) << "a malformed row adds no ids";
    LogOptions strict = options_for(LogFormat::taobao);
    strict.strict = true;
    EXPECT_EQ(read(log, strict).status.message(), "input: line 3: " + c.reason);
  }
}

TEST(DirtyRows, NewlineCarriageReturnLineBreaksAreReportedNotTurnedIntoUsers) {
  const Read r = read("1,10,5,pv,1\n\r1,11,5,pv,2\n\r2,12,5,pv,3\n\r", options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.log.users, Strings{"1"});
  EXPECT_EQ(r.report.malformed, 2u);
  EXPECT_EQ(r.report.first_errors[0], "line 2: a carriage return inside the line ('\\n\\r' or '\\r' line breaks?)");
  const Read s = read("u a b\n\ru c\n", options_for(LogFormat::sequences));
  EXPECT_EQ(s.log.users, Strings{"u"});
  EXPECT_EQ(s.report.malformed, 1u);
}

TEST(DirtyRows, ASixtyFifthEventNameIsAMalformedRowNotAnAbort) {
  LogOptions o = options_for(LogFormat::delimited);
  o.columns.user = "0", o.columns.item = "1", o.columns.event = "2";
  std::string log;
  for (int t = 0; t < 66; ++t) log += "u,i" + std::to_string(t) + ",e" + std::to_string(t) + "\n";
  const Read r = read(log, o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.log.event_types.size(), 64u);
  EXPECT_EQ(r.report.malformed, 2u);
  EXPECT_EQ(r.report.first_errors[0],
            "line 65: event type 'e64' would be the 65th; a model tells apart at most 64 (--event-map merges names)");
  std::string bad_name = "u,i,ok\nu,j,b\xFF\n";
  const Read b = read(bad_name, o);
  EXPECT_EQ(b.report.first_errors, Strings{"line 2: the event name is not valid UTF-8"});
}

TEST(DirtyRows, SequenceItemsAreRowsOfTheirOwn) {
  const Read r = read("u a b\xFF c\nv " + std::string(1025, 'x') + "\n\xFFw d\n", options_for(LogFormat::sequences));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(rows_text(r.log), (Strings{"u a purchase 0.000", "u c purchase 1.000"}));
  EXPECT_EQ(r.report.first_errors, (Strings{"line 1: item 2: the item id is not valid UTF-8",
                                            "line 2: item 1: the item id is longer than 1024 bytes",
                                            "line 3: the user id is not valid UTF-8"}));
}

TEST(DirtyRows, ALineOfAMillionSeparatorsIsOneMalformedRow) {
  std::string log = "1,10,5,pv,1\n" + std::string(1'000'000, ',') + "\n2,11,5,pv,2\n";
  const Read r = read(log, options_for(LogFormat::taobao));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.report.first_errors, Strings{"line 2: expected 5 fields, found 1000001"});
  EXPECT_EQ(r.report.rows, 2u);
  LogOptions header = options_for(LogFormat::delimited);
  header.columns.header = true;
  header.columns.user = "a", header.columns.item = "b";
  EXPECT_EQ(read(std::string(5000, ',') + "\n", header).status.message(),
            "input: the header on line 1 has more than 4096 columns");
}


TEST(EventMaps, JsonMapsInTheirOrderAndSkipEventsOfNoInterest) {
  std::vector<std::pair<std::string, std::string>> map;
  ASSERT_TRUE(parse_event_map_json(R"({"view_item": "view", "page_view": null, "add_to_cart": "cart", "purchase": "purchase"})", &map).ok());
  EXPECT_EQ(map, (std::vector<std::pair<std::string, std::string>>{
                     {"view_item", "view"}, {"page_view", ""}, {"add_to_cart", "cart"}, {"purchase", "purchase"}}));
  LogOptions o = options_for(LogFormat::delimited);
  o.columns.user = "0", o.columns.item = "1", o.columns.event = "2", o.columns.time = "3";
  o.columns.event_names = map;
  const Read r = read("u,a,view_item,1\nu,-,page_view,2\nu,b,add_to_cart,3\nu,c,scroll,4\nu,b,purchase,5\n", o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.log.event_types, (Strings{"view", "cart", "purchase"})) << "in the map's order";
  EXPECT_EQ(rows_text(r.log), (Strings{"u a view 1.000", "u b cart 3.000", "u b purchase 5.000"}));
  EXPECT_EQ(r.report.ignored, 1u);
  EXPECT_EQ(r.report.first_errors, Strings{"line 4: unknown event type 'scroll'"});
  EXPECT_EQ(r.log.items, (Strings{"a", "b"})) << "an ignored row adds no ids";

  EXPECT_EQ(parse_event_map_json("[1]", &map).message(),
            "an event map is a JSON object of event names and what they are, e.g. {\"view_item\": \"view\", \"page_view\": null}");
  EXPECT_EQ(parse_event_map_json(R"({"a": 3})", &map).message(), "the event map's 'a' must be an event type name or null");
  EXPECT_EQ(parse_event_map_json("{}", &map).message(), "the event map is empty");
}
}  // namespace
}  // namespace tandem::train
