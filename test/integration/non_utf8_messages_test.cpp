// Messages quoting user text in a database whose server encoding is not
// UTF-8.  An excerpt of a long JSON pointer, key or path is cut at a
// character boundary of the server encoding (EUC_JP here, whose characters
// are two bytes, none of them below 0x80): cut inside a character, the
// message is not valid in the encoding and the client, which reads UTF-8,
// gets 22021 "invalid byte sequence" instead of docpatch's error.
//
// Two characters show the two ways a UTF-8 walk misjudges EUC_JP: the bytes
// of 日 (0xC6 0xFC) look like UTF-8 lead bytes, so the walk cuts inside it;
// those of あ (0xA4 0xA2) look like continuation bytes, so the walk backs up
// to the first ASCII byte and the excerpt loses everything.
#include <gtest/gtest.h>

#include <string>

#include "fuzz/utf8.hpp"
#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using docpatch::test::ServerError;

namespace {

class NonUtf8Database : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new ScratchDatabase("docpatch_eucjp", "docpatch",
                              "ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  // The client reads UTF-8: the server converts every message from EUC_JP.
  static Connection connect() { return Connection(db_->conninfo() + " client_encoding=UTF8"); }
  static ScratchDatabase* db_;
};
ScratchDatabase* NonUtf8Database::db_ = nullptr;

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A JSON string literal of text (which needs no escaping here).
std::string json_string(const std::string& text) { return "\"" + text + "\""; }

// What every refusal here must hold: docpatch's SQLSTATE (not 22021), and
// a message and detail that are valid text.
void expect_refusal(const ServerError& e, const char* sqlstate) {
  EXPECT_EQ(e.sqlstate, sqlstate) << e.message;
  EXPECT_TRUE(valid_utf8(e.message)) << e.message;
  EXPECT_TRUE(valid_utf8(e.detail)) << e.detail;
}

}  // namespace

TEST_F(NonUtf8Database, TheServerEncodingIsEucJp) {
  Connection c = connect();
  EXPECT_EQ(c.value("SELECT pg_catalog.getdatabaseencoding()"), "EUC_JP");
}

// A missing member of a long pointer: the message quotes the path (200
// bytes) and the member (100 bytes).  "/" and 150 日 are 301 bytes in
// EUC_JP: byte 200 is the second of a character, so the path keeps "/" and
// 99 characters; the member keeps 50.
TEST_F(NonUtf8Database, PatchOpsQuotesALongPathUpToACharacter) {
  Connection c = connect();
  std::string path = "/" + repeat("日", 150);
  ServerError e = c.error("SELECT jsonb_patch_ops('{}', $1::jsonb)",
                          {"[{\"op\": \"remove\", \"path\": " + json_string(path) + "}]"});
  expect_refusal(e, "DP002");
  EXPECT_NE(e.message.find("(remove at \"/" + repeat("日", 99) + "...\")"), std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("member \"" + repeat("日", 50) + "...\" does not exist"), std::string::npos)
      << e.message;
}

// A malformed pointer is quoted in the detail (200 bytes): "x" and 150
// characters are 301 bytes, "x" and 99 characters are kept.
TEST_F(NonUtf8Database, PatchOpsQuotesAMalformedPointerUpToACharacter) {
  Connection c = connect();
  for (const char* character : {"日", "あ"}) {
    std::string pointer = "x" + repeat(character, 150);
    ServerError e = c.error("SELECT jsonb_patch_ops('{}', $1::jsonb)",
                            {"[{\"op\": \"remove\", \"path\": " + json_string(pointer) + "}]"});
    expect_refusal(e, "DP001");
    EXPECT_EQ(e.detail, "The pointer was \"x" + repeat(character, 99) + "...\".") << character;
  }
}

// jsonb_merge_diff cannot express a null member: the message quotes its
// path, "/" and a 150-character key, cut to "/" and 99 characters.
TEST_F(NonUtf8Database, MergeDiffQuotesALongKeyUpToACharacter) {
  Connection c = connect();
  for (const char* character : {"日", "あ"}) {
    std::string key = repeat(character, 150);
    ServerError e = c.error("SELECT jsonb_merge_diff('{}', $1::jsonb)",
                            {"{" + json_string(key) + ": null}"});
    expect_refusal(e, "DP003");
    EXPECT_EQ(e.message, "jsonb_merge_diff: cannot set \"/" + repeat(character, 99) +
                             "...\" to null with a merge patch")
        << character;
  }
}

// The rows toolkit clips its excerpts (ids, etags: 100 bytes) with the same
// rule: "x" and 150 あ, cut to "x" and 49 characters.
TEST_F(NonUtf8Database, RowFunctionsQuoteALongIdUpToACharacter) {
  Connection c = connect();
  c.exec("CREATE TABLE docs (id text PRIMARY KEY, doc jsonb)");
  c.exec("SELECT docpatch_enable('docs')");
  for (const char* character : {"日", "あ"}) {
    std::string id = "x" + repeat(character, 150);
    ServerError e = c.error("SELECT * FROM etag_guarded_update('docs', $1, NULL, '{}')", {id});
    expect_refusal(e, "DP010");
    EXPECT_NE(e.message.find("id = 'x" + repeat(character, 49) + "...'"), std::string::npos)
        << e.message;
  }
}
