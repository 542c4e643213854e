// Every SQLSTATE that docpatch code raises comes from the one table in
// src/core/errors.hpp and is documented in docs/sqlstates.md:
//  * each code defined in errors.hpp has a row in docs/sqlstates.md;
//  * no source file outside errors.hpp writes a code of its own: no
//    docpatch::Error made from a string literal, no local code constant, no
//    errcode()/MAKE_SQLSTATE outside the boundary that raises the table's
//    codes -- so an undocumented code cannot sneak in;
//  * every code a function's page lists among its errors has a row in
//    docs/sqlstates.md too (that is where the HTTP mapping lives).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "support/sqlstates_doc.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kRoot = DOCPATCH_SOURCE_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> matches(const std::string& text, const std::regex& re, int group = 1) {
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[group]);
  return out;
}

std::set<std::string> documented_codes() {
  return docpatch::test::documented_sqlstates_in(kRoot + "/docs/sqlstates.md");
}

std::set<std::string> table_codes() {
  return matches(read(kRoot + "/src/core/errors.hpp"),
                 std::regex(R"re(constexpr const char\* k\w+ = "([0-9A-Z]{5})")re"));
}

}  // namespace

TEST(SqlstatesDoc, EveryCodeInErrorsHppIsDocumented) {
  std::set<std::string> codes = table_codes();
  std::set<std::string> documented = documented_codes();
  EXPECT_GE(codes.size(), 20u);
  for (const std::string& code : codes) {
    EXPECT_TRUE(documented.count(code)) << code << " has no row in docs/sqlstates.md";
    EXPECT_NE(code, "XX000");
  }
}

// Codes are raised by name from errors.hpp, nowhere written out.
TEST(SqlstatesDoc, NoSourceRaisesACodeOutsideTheTable) {
  const std::regex literal_error(R"re(\bError\(\s*")re");
  const std::regex local_code(R"re(constexpr\s+const\s+char\s*\*\s*k\w+\s*=\s*"[0-9A-Z]{5}")re");
  const std::regex raw_errcode(R"re(\berrcode\(|MAKE_SQLSTATE\()re");
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kRoot + "/src")) {
    const fs::path& p = entry.path();
    if (p.extension() != ".cpp" && p.extension() != ".hpp") continue;
    std::string rel = fs::relative(p, kRoot).string();
    if (rel == "src/core/errors.hpp") continue;
    ++files;
    std::string text = read(p);
    EXPECT_FALSE(std::regex_search(text, literal_error))
        << rel << " makes a docpatch::Error from a string literal: use a sqlstate:: constant";
    EXPECT_FALSE(std::regex_search(text, local_code))
        << rel << " defines a SQLSTATE of its own: add it to src/core/errors.hpp and docs/sqlstates.md";
    // The boundary turns the table's codes into ereport(); nothing else calls
    // errcode().  pg_compat.hpp is the one other place: its shims are
    // PostgreSQL's own functions for the majors that lack them, raising what
    // PostgreSQL's own copy raises (InitMaterializedSRF on 14: 0A000).
    if (rel != "src/boundary/boundary.cpp" && rel != "src/boundary/pg_compat.hpp") {
      EXPECT_FALSE(std::regex_search(text, raw_errcode))
          << rel << " raises a SQLSTATE with errcode()/MAKE_SQLSTATE: throw docpatch::Error instead";
    }
  }
  EXPECT_GT(files, 20);
}

// What a function's page lists under its errors is in the SQLSTATE table.
TEST(SqlstatesDoc, EveryCodeAFunctionPageListsIsInTheTable) {
  std::set<std::string> documented = documented_codes();
  std::regex row_code(R"re(^\| `([0-9A-Z]{5})`)re", std::regex::multiline);
  std::regex more_codes(R"re(^\| `[0-9A-Z]{5}`((?:, `[0-9A-Z]{5}`)+))re", std::regex::multiline);
  std::regex code(R"re(`([0-9A-Z]{5})`)re");
  int pages = 0;
  for (const auto& entry : fs::directory_iterator(kRoot + "/docs/functions")) {
    if (entry.path().extension() != ".md") continue;
    ++pages;
    std::string text = read(entry.path());
    std::set<std::string> listed = matches(text, row_code);
    for (const std::string& group : matches(text, more_codes))
      for (const std::string& c : matches(group, code)) listed.insert(c);
    for (const std::string& c : listed)
      EXPECT_TRUE(documented.count(c))
          << entry.path().filename().string() << " lists " << c << ", which docs/sqlstates.md lacks";
  }
  EXPECT_GT(pages, 10);
}
