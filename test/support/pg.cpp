#include "support/pg.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <sstream>

namespace docpatch::test {

Result& Result::operator=(Result&& o) noexcept {
  if (this != &o) {
    PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

Connection::Connection(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
  if (PQstatus(c_) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c_);
    PQfinish(c_);
    c_ = nullptr;
    throw std::runtime_error("cannot connect to the test server (is PGHOST set?): " + msg);
  }
  PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
}

namespace {

std::vector<const char*> param_values(const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

// The result of a statement, or its error thrown as ServerError.
Result checked(PGconn* c, PGresult* r) {
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Result(r);
  auto field = [&](int code) {
    const char* f = PQresultErrorField(r, code);
    return std::string(f ? f : "");
  };
  ServerError err(field(PG_DIAG_SQLSTATE), field(PG_DIAG_MESSAGE_PRIMARY),
                  field(PG_DIAG_MESSAGE_DETAIL), field(PG_DIAG_MESSAGE_HINT));
  if (err.sqlstate.empty()) err.message = PQerrorMessage(c);
  PQclear(r);
  throw err;
}

}  // namespace

Result Connection::exec(const std::string& sql,
                        const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values = param_values(params);
  return checked(c_, PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0));
}

void Connection::send(const std::string& sql,
                      const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values = param_values(params);
  if (PQsendQueryParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0) != 1)
    throw std::runtime_error(std::string("cannot send a statement: ") + PQerrorMessage(c_));
}

bool Connection::finished() {
  if (PQconsumeInput(c_) != 1)
    throw std::runtime_error(std::string("lost the test server: ") + PQerrorMessage(c_));
  return PQisBusy(c_) == 0;
}

Result Connection::collect() {
  PGresult* first = PQgetResult(c_);
  // one statement, one result: read up to the end marker
  while (PGresult* more = PQgetResult(c_)) PQclear(more);
  if (first == nullptr) throw std::runtime_error("collect(): no statement was sent");
  return checked(c_, first);
}

std::string Connection::value(const std::string& sql,
                              const std::vector<std::optional<std::string>>& params) {
  Result r = exec(sql, params);
  if (r.rows() < 1 || r.columns() < 1) throw std::runtime_error("no value returned by: " + sql);
  return r.is_null(0, 0) ? std::string("<NULL>") : r.get(0, 0);
}

ServerError Connection::error(const std::string& sql,
                              const std::vector<std::optional<std::string>>& params) {
  try {
    exec(sql, params);
  } catch (const ServerError& e) {
    return e;
  }
  ADD_FAILURE() << "statement succeeded but an error was expected: " << sql;
  return ServerError("", "", "", "");
}

ScratchDatabase::ScratchDatabase(const std::string& name, const std::string& extensions,
                                 const std::string& create_options)
    : name_(name + "_" + std::to_string(getpid())) {
  Connection admin;
  admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  admin.exec("CREATE DATABASE " + name_ + (create_options.empty() ? "" : " " + create_options));
  Connection db(conninfo());
  std::stringstream list(extensions);
  std::string ext;
  while (std::getline(list, ext, ','))
    if (!ext.empty()) db.exec("CREATE EXTENSION " + ext);
}

ScratchDatabase::~ScratchDatabase() {
  try {
    Connection admin;
    admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

}  // namespace docpatch::test
