// closest_name: the "did you mean" rule shared by the model registry and the config schema.
#include "core/closest_name.h"

#include <gtest/gtest.h>

namespace dc {
namespace {

TEST(ClosestName, EditDistanceIgnoresCase) {
  EXPECT_EQ(edit_distance_ignoring_case("", ""), 0u);
  EXPECT_EQ(edit_distance_ignoring_case("abc", ""), 3u);
  EXPECT_EQ(edit_distance_ignoring_case("", "ab"), 2u);
  EXPECT_EQ(edit_distance_ignoring_case("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance_ignoring_case("SOLVER.BASE_LR", "solver.base_lr"), 0u);
  EXPECT_EQ(edit_distance_ignoring_case("slover", "solver"), 2u);
}

TEST(ClosestName, PicksNearestFirstOnTiesEmptyWhenNoCandidates) {
  EXPECT_EQ(closest_name("resnet5O", {"resnet18", "resnet50", "vgg19"}), "resnet50");
  EXPECT_EQ(closest_name("ResNet18", {"resnet50", "resnet18"}), "resnet18");
  EXPECT_EQ(closest_name("ab", {"ax", "xb"}), "ax");
  EXPECT_EQ(closest_name("anything", {}), "");
}

}  // namespace
}  // namespace dc
