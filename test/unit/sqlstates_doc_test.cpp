// Every SQLSTATE that docpatch code raises is documented: each code defined
// in src/core/errors.hpp has a row in docs/sqlstates.md.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(SqlstatesDoc, EveryCodeInErrorsHppIsDocumented) {
  const std::string root = DOCPATCH_SOURCE_DIR;
  std::string header = read(root + "/src/core/errors.hpp");
  std::string doc = read(root + "/docs/sqlstates.md");
  ASSERT_FALSE(header.empty());
  ASSERT_FALSE(doc.empty());
  std::regex constant(R"re(constexpr const char\* k\w+ = "([0-9A-Z]{5})")re");
  std::set<std::string> codes;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), constant); it != std::sregex_iterator(); ++it)
    codes.insert((*it)[1]);
  EXPECT_GE(codes.size(), 10u);
  for (const std::string& code : codes) {
    EXPECT_NE(doc.find("| `" + code + "` |"), std::string::npos) << code << " has no row in docs/sqlstates.md";
    EXPECT_NE(code, "XX000");
  }
}
