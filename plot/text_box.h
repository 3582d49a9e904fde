#pragma once
// Where text lands, estimated without a font engine: a box per text element from its length, size
// and anchor (DejaVu Sans advance widths rounded up), and a Placer that keeps labels apart.

#include <string>
#include <vector>

namespace hess::plot {

// Font sizes (px) of the figure's texts.
constexpr double kTitleSize = 15;
constexpr double kLabelSize = 12;
constexpr double kTickSize = 11;
constexpr double kNoteSize = 11;
constexpr double kLegendSize = 11;
constexpr double kContourLabelSize = 10;

enum class Anchor { Start, Middle, End };

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// Estimated advance width of UTF-8 text at a font size (an upper bound for DejaVu Sans).
double text_width(const std::string& text, double size);
// The box of horizontal text whose baseline starts (Start), centres (Middle) or ends (End) at x.
Box text_box(double x, double baseline, const std::string& text, double size, Anchor anchor);
// The box of text rotated by -90 degrees about (x, baseline) (reading upwards).
Box rotated_text_box(double x, double baseline, const std::string& text, double size,
                     Anchor anchor);
bool overlaps(const Box& a, const Box& b);
bool inside(const Box& inner, const Box& outer);
std::string anchor_name(Anchor a);

// Boxes already used by text; a label is placed only where it meets none of them.
class Placer {
 public:
  bool is_free(const Box& b) const;
  void take(const Box& b) { taken_.push_back(b); }

 private:
  std::vector<Box> taken_;
};

}  // namespace hess::plot
