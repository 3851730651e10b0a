// Whole-file text I/O shared by the format readers and writers.
#pragma once

#include <string>

namespace dc {

// The bytes of `path`; a dc::Error naming the file when it cannot be opened or read.
std::string read_text_file(const std::string& path);
// Writes `text` to "<path>.tmp.<pid>" and renames it over `path`, so a reader never sees half a
// file; a dc::Error naming the file on failure (the temporary file is removed).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace dc
