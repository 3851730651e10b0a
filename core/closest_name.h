// "Did you mean ...?" suggestions for unknown names (model names, config keys): the candidate with
// the smallest edit distance to what the user typed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace dc {

// Levenshtein distance between a and b (insertions, deletions and substitutions cost 1), comparing
// characters case-insensitively (ASCII).
size_t edit_distance_ignoring_case(const std::string& a, const std::string& b);

// The candidate closest to `query` by edit_distance_ignoring_case, the first one on ties; "" when
// `candidates` is empty. Case is ignored so that Detectron2-style "SOLVER.BASE_LR" finds
// "solver.base_lr" and "ResNet50" finds "resnet50".
std::string closest_name(const std::string& query, const std::vector<std::string>& candidates);

}  // namespace dc
