// Units of docpatch::Error, the PostgreSQL-free error type the boundary turns
// into ereport(ERROR).
#include "core/errors.hpp"

#include <gtest/gtest.h>

TEST(Error, CarriesSqlstateAndTexts) {
  docpatch::Error e(docpatch::sqlstate::kPathNotFound, "message", "detail", "hint");
  EXPECT_STREQ(e.sqlstate(), "DP002");
  EXPECT_STREQ(e.what(), "message");
  EXPECT_EQ(e.detail(), "detail");
  EXPECT_EQ(e.hint(), "hint");
}

TEST(Error, SqlstateIsCopiedNotReferenced) {
  char code[] = "DP003";
  docpatch::Error e(code, "m");
  code[4] = '9';
  EXPECT_STREQ(e.sqlstate(), "DP003");
}

TEST(Error, DocumentedCodesAreFiveCharacters) {
  using namespace docpatch::sqlstate;
  for (const char* c : {kInvalidPatch, kPathNotFound, kTypeMismatch, kTestFailed, kInvalidArgument,
                        kRowNotFound, kEtagMismatch, kCreatedAtImmutable, kProgramLimit})
    EXPECT_EQ(std::string(c).size(), 5u) << c;
}
