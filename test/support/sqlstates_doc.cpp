#include "support/sqlstates_doc.hpp"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace docpatch::test {

std::set<std::string> documented_sqlstates(const std::string& markdown) {
  std::set<std::string> out;
  std::istringstream lines(markdown);
  std::string line;
  const std::regex code(R"re(`([0-9A-Z]{5})`)re");
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::string first_cell = line.substr(0, line.find('|', 1));
    for (auto it = std::sregex_iterator(first_cell.begin(), first_cell.end(), code);
         it != std::sregex_iterator(); ++it)
      out.insert((*it)[1]);
  }
  return out;
}

std::set<std::string> documented_sqlstates_in(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return documented_sqlstates(s.str());
}

}  // namespace docpatch::test
