// The jsonb encoder of the one-pass engine (format: utils/jsonb.h).
#include "jsonb/writer.hpp"

#include <cstring>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"

namespace docpatch::jsonb {
namespace {

// A growable byte buffer in a memory context; reports failure by throwing.
class Buffer {
 public:
  Buffer(MemoryContext context, size_t capacity) : context_(context) { grow(capacity); }

  size_t size() const { return len_; }
  char* at(size_t offset) { return data_ + offset; }
  char* release() { return data_; }

  size_t reserve(size_t n) {  // appends n uninitialized bytes; returns their offset
    ensure(n);
    size_t offset = len_;
    len_ += n;
    return offset;
  }
  void append(const void* p, size_t n) {
    ensure(n);
    std::memcpy(data_ + len_, p, n);
    len_ += n;
  }
  // Pads with zero bytes to a multiple of 4, as jsonb requires before
  // numerics and containers.  Returns the number of bytes added.
  uint32_t pad_to_int() {
    size_t padded = INTALIGN(len_);
    uint32_t padding = static_cast<uint32_t>(padded - len_);
    if (padding != 0) {
      ensure(padding);
      std::memset(data_ + len_, 0, padding);
      len_ = padded;
    }
    return padding;
  }

 private:
  void ensure(size_t n) {
    if (len_ + n > cap_) grow(len_ + n);
  }
  void grow(size_t needed) {
    if (needed > MaxAllocSize)
      throw Error(sqlstate::kProgramLimit, "jsonb result would exceed the maximum size of 1 GB");
    size_t capacity = cap_ == 0 ? 64 : cap_;
    while (capacity < needed) capacity *= 2;
    if (capacity > MaxAllocSize) capacity = MaxAllocSize;
    char* fresh = static_cast<char*>(context_alloc(context_, capacity));
    if (len_ != 0) std::memcpy(fresh, data_, len_);
    if (data_ != nullptr) pfree(data_);
    data_ = fresh;
    cap_ = capacity;
  }

  MemoryContext context_;
  char* data_ = nullptr;
  size_t len_ = 0;
  size_t cap_ = 0;
};

[[noreturn]] void too_large() {
  throw Error(sqlstate::kProgramLimit,
              "total size of jsonb array elements or object members exceeds the maximum of " +
                  std::to_string(JENTRY_OFFLENMASK) + " bytes");
}

class Encoder {
 public:
  explicit Encoder(Buffer* buf) : buf_(buf) {}

  // Writes v's data and returns its JEntry with the length (including any
  // leading padding) in the OFFLEN field.
  JEntry write(const Value& v) {
    switch (v.type) {
      case Type::Null: return JENTRY_ISNULL;
      case Type::False: return JENTRY_ISBOOL_FALSE;
      case Type::True: return JENTRY_ISBOOL_TRUE;
      case Type::String:
        if (v.len > JENTRY_OFFLENMASK) too_large();
        buf_->append(v.raw, v.len);
        return JENTRY_ISSTRING | v.len;
      case Type::Numeric: {
        uint32_t pad = buf_->pad_to_int();
        buf_->append(v.raw, v.len);
        return JENTRY_ISNUMERIC | checked(pad + static_cast<size_t>(v.len));
      }
      case Type::Object:
      case Type::Array: {
        uint32_t pad = buf_->pad_to_int();
        size_t start = buf_->size();
        if (!v.expanded)
          buf_->append(v.raw, v.len);
        else if (v.type == Type::Object)
          write_object(v.object);
        else
          write_array(v.array);
        return JENTRY_ISCONTAINER | checked(pad + (buf_->size() - start));
      }
    }
    return JENTRY_ISNULL;
  }

  void write_array(ArrayNode* node) {
    check_stack();
    size_t n = node->elems.size();
    if (n > JB_CMASK) too_large();
    size_t header = buf_->reserve(sizeof(uint32) + n * sizeof(JEntry));
    put_u32(header, static_cast<uint32>(n) | JB_FARRAY);
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      JEntry e = write(node->elems[i]);
      put_entry(header, i, e, &total);
    }
  }

  void write_object(ObjectNode* node) {
    check_stack();
    const auto& members = node->members();
    size_t n = members.size();
    if (n > JB_CMASK) too_large();
    size_t header = buf_->reserve(sizeof(uint32) + 2 * n * sizeof(JEntry));
    put_u32(header, static_cast<uint32>(n) | JB_FOBJECT);
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      if (members[i].key.len > JENTRY_OFFLENMASK) too_large();
      buf_->append(members[i].key.data, members[i].key.len);
      put_entry(header, i, JENTRY_ISSTRING | members[i].key.len, &total);
    }
    for (size_t i = 0; i < n; ++i) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      JEntry e = write(members[i].value);
      put_entry(header, n + i, e, &total);
    }
  }

 private:
  static uint32_t checked(size_t len) {
    if (len > JENTRY_OFFLENMASK) too_large();
    return static_cast<uint32_t>(len);
  }
  void put_u32(size_t offset, uint32 v) { std::memcpy(buf_->at(offset), &v, sizeof v); }
  // Stores entry i of the container whose header is at `header`: every
  // JB_OFFSET_STRIDE'th entry holds the end offset instead of the length.
  void put_entry(size_t header, size_t i, JEntry e, size_t* total) {
    uint32_t len = JBE_OFFLENFLD(e);
    *total += len;
    if (*total > JENTRY_OFFLENMASK) too_large();
    if (i % JB_OFFSET_STRIDE == 0)
      e = (e & JENTRY_TYPEMASK) | static_cast<uint32_t>(*total) | JENTRY_HAS_OFF;
    put_u32(header + sizeof(uint32) + i * sizeof(JEntry), e);
  }

  Buffer* buf_;
};

}  // namespace

Jsonb* serialize(const Value& root, MemoryContext result_context, size_t size_hint) {
  Buffer buf(result_context, size_hint + VARHDRSZ + 64);
  buf.reserve(VARHDRSZ);
  Encoder enc(&buf);
  if (root.is_container()) {
    if (!root.expanded)
      buf.append(root.raw, root.len);
    else if (root.type == Type::Object)
      enc.write_object(root.object);
    else
      enc.write_array(root.array);
  } else {
    // A scalar document is stored as a one-element "raw scalar" array.
    size_t header = buf.reserve(sizeof(uint32) + sizeof(JEntry));
    uint32 h = 1 | JB_FARRAY | JB_FSCALAR;
    std::memcpy(buf.at(header), &h, sizeof h);
    JEntry e = enc.write(root);
    e = (e & JENTRY_TYPEMASK) | JBE_OFFLENFLD(e) | JENTRY_HAS_OFF;
    std::memcpy(buf.at(header + sizeof(uint32)), &e, sizeof e);
  }
  Jsonb* result = reinterpret_cast<Jsonb*>(buf.release());
  SET_VARSIZE(result, buf.size());
  return result;
}

}  // namespace docpatch::jsonb
