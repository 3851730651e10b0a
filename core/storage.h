// A block of memory shared by every view of a tensor.
#pragma once

#include <memory>

#include "core/allocator.h"

namespace dc {

class StorageImpl {
 public:
  StorageImpl(size_t nbytes, Allocator& allocator)
      : nbytes_(nbytes), allocator_(&allocator), data_(allocator.allocate(nbytes)) {}
  ~StorageImpl() { allocator_->deallocate(data_, nbytes_); }
  StorageImpl(const StorageImpl&) = delete;
  StorageImpl& operator=(const StorageImpl&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return allocator_->device(); }

 private:
  size_t nbytes_;
  Allocator* allocator_;
  void* data_;
};

using Storage = std::shared_ptr<StorageImpl>;

}  // namespace dc
