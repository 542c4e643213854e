// The SQL of a guide is SQL the tests run: every ```sql block of
// docs/guides/patching-arrays-of-objects.md is in the regression test
// sql/guide_patching_arrays.sql, verbatim, so the guide cannot drift from
// what the suite checks.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> sql_blocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  const std::string open = "```sql\n";
  for (size_t at = markdown.find(open); at != std::string::npos; at = markdown.find(open, at)) {
    size_t start = at + open.size();
    size_t end = markdown.find("```", start);
    if (end == std::string::npos) break;
    blocks.push_back(markdown.substr(start, end - start));
    at = end + 3;
  }
  return blocks;
}

}  // namespace

TEST(GuidesDoc, PatchingArraysOfObjectsRunsInTheRegressionSuite) {
  const std::string root = DOCPATCH_SOURCE_DIR;
  std::string guide = read(root + "/docs/guides/patching-arrays-of-objects.md");
  std::string sql = read(root + "/sql/guide_patching_arrays.sql");
  ASSERT_FALSE(guide.empty());
  ASSERT_FALSE(sql.empty());
  std::vector<std::string> blocks = sql_blocks(guide);
  EXPECT_GE(blocks.size(), 6u);
  for (const std::string& block : blocks)
    EXPECT_NE(sql.find(block), std::string::npos) << "not in sql/guide_patching_arrays.sql:\n" << block;
}
