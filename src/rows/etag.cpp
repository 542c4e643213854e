// etags: see etag.hpp.
#include "rows/etag.hpp"

#include <cstring>

namespace docpatch::rows {
namespace {

// 128 bits per etag, drawn from pg_strong_random 64 etags at a time.
constexpr size_t kEtagBytes = 16;
uint8 random_pool[kEtagBytes * 64];
size_t random_pos = sizeof(random_pool);

const char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint32 kUpdateMark = 1;  // in the last character's free bits

bool refill_pool() {
  if (!pg_strong_random(random_pool, sizeof(random_pool))) return false;
  random_pos = 0;
  return true;
}

void encode(const uint8* b, char* out, EtagWrite write) {
  int o = 0;
  size_t i = 0;
  for (; i + 3 <= kEtagBytes; i += 3) {
    uint32 v = (uint32(b[i]) << 16) | (uint32(b[i + 1]) << 8) | b[i + 2];
    out[o++] = kBase64Url[(v >> 18) & 63];
    out[o++] = kBase64Url[(v >> 12) & 63];
    out[o++] = kBase64Url[(v >> 6) & 63];
    out[o++] = kBase64Url[v & 63];
  }
  // The 16th byte: its six high bits, then its two low bits followed by the
  // four bits base64 leaves free, the lowest of which is the mark.
  out[o++] = kBase64Url[b[i] >> 2];
  out[o++] = kBase64Url[((b[i] & 3) << 4) | (write == EtagWrite::Update ? kUpdateMark : 0)];
}

int base64url_value(char c) {
  const char* p = static_cast<const char*>(std::memchr(kBase64Url, c, 64));
  return c != '\0' && p != nullptr ? static_cast<int>(p - kBase64Url) : -1;
}

}  // namespace

void new_etag(char* out, EtagWrite write) {
  if (random_pos + kEtagBytes > sizeof(random_pool) && !refill_pool())
    throw Error(sqlstate::kSystemError, "docpatch_stamp: could not generate random bytes for an etag",
                "pg_strong_random() failed: the server's random source is not available.");
  encode(random_pool + random_pos, out, write);
  random_pos += kEtagBytes;
}

Datum new_etag_text(EtagWrite write) {
  text* t = static_cast<text*>(pg_call<void*>([] { return palloc(VARHDRSZ + kEtagLength); }));
  SET_VARSIZE(t, VARHDRSZ + kEtagLength);
  new_etag(VARDATA(t), write);
  return PointerGetDatum(t);
}

bool etag_drawn_by_insert(const char* etag, size_t len) {
  if (len != static_cast<size_t>(kEtagLength)) return false;
  int last = base64url_value(etag[kEtagLength - 1]);
  return last >= 0 && (static_cast<uint32>(last) & kUpdateMark) == 0;
}

}  // namespace docpatch::rows
