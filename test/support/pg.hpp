// A small libpq wrapper for the integration tests.  Connects with the
// environment (PGHOST, PGPORT, PGUSER, PGDATABASE) that scripts/pg-throwaway
// writes.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace docpatch::test {

// A server error as the client sees it.
struct ServerError : std::runtime_error {
  ServerError(std::string sqlstate, std::string message, std::string detail, std::string hint)
      : std::runtime_error(sqlstate + ": " + message),
        sqlstate(std::move(sqlstate)),
        message(std::move(message)),
        detail(std::move(detail)),
        hint(std::move(hint)) {}
  std::string sqlstate, message, detail, hint;
};

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result& operator=(Result&& o) noexcept;
  Result(const Result&) = delete;
  ~Result() { PQclear(r_); }

  int rows() const { return PQntuples(r_); }
  int columns() const { return PQnfields(r_); }
  bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string get(int row = 0, int col = 0) const { return PQgetvalue(r_, row, col); }

 private:
  PGresult* r_;
};

class Connection {
 public:
  // Connects to the server in the environment, or to `conninfo`.
  explicit Connection(const std::string& conninfo = "");
  Connection(const Connection&) = delete;
  ~Connection() { PQfinish(c_); }

  // Runs sql (optionally with text parameters; nullopt is NULL) and returns
  // the result; throws ServerError when the server refuses it.
  Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  // exec() and return the first column of the first row.
  std::string value(const std::string& sql,
                    const std::vector<std::optional<std::string>>& params = {});
  // Runs sql and returns the error it raised; fails the test if it succeeded.
  ServerError error(const std::string& sql,
                    const std::vector<std::optional<std::string>>& params = {});

  // exec() in two halves, for a statement that may wait for another
  // session's lock: send() returns at once; finished() reads what arrived
  // and says whether the answer is complete; collect() waits for it and
  // returns it as exec() would (or throws ServerError).
  void send(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  bool finished();
  Result collect();
  // The server process of this connection (for pg_blocking_pids()).
  int backend_pid() const { return PQbackendPID(c_); }

  PGconn* raw() const { return c_; }

 private:
  PGconn* c_;
};

// Creates a fresh database (name_<pid>, so parallel test processes do not
// collide) with the given extensions and drops it on destruction.
// `create_options` follow CREATE DATABASE name (ENCODING ..., TEMPLATE ...).
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& name, const std::string& extensions = "docpatch",
                           const std::string& create_options = "");
  ~ScratchDatabase();
  std::string conninfo() const { return "dbname=" + name_; }

 private:
  std::string name_;
};

}  // namespace docpatch::test
