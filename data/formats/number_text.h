// Shortest decimal text of a double that reads back (strtod) to the same value.
#pragma once

#include <string>

namespace dc {

std::string shortest_double(double value);
// Parses a whole token as a finite double; false if it is not one.
bool parse_double(const std::string& token, double* value);

}  // namespace dc
