#include "ops/dispatch.h"

#include <mutex>

namespace dc {
namespace {

struct TableList {
  std::mutex mu;
  std::vector<const KernelTableInfo*> tables;
};

// Never destroyed: tables live for the whole process and may be made during static init.
TableList& table_list() {
  static auto* list = new TableList();
  return *list;
}

}  // namespace

std::vector<const KernelTableInfo*> all_kernel_tables() {
  TableList& l = table_list();
  std::lock_guard<std::mutex> lock(l.mu);
  return l.tables;
}

namespace detail {
void add_kernel_table(const KernelTableInfo* table) {
  TableList& l = table_list();
  std::lock_guard<std::mutex> lock(l.mu);
  l.tables.push_back(table);
}
}  // namespace detail

}  // namespace dc
