#include "plot/contour.h"

#include <cmath>
#include <map>
#include <utility>

namespace hess::plot {

namespace {

// An edge of the grid: horizontal (i, j)-(i+1, j) or vertical (i, j)-(i, j+1).
struct EdgeId {
  size_t i, j;
  bool vertical;
  auto key() const { return std::make_tuple(j, i, vertical); }
  bool operator<(const EdgeId& o) const { return key() < o.key(); }
  bool operator==(const EdgeId& o) const { return key() == o.key(); }
};

Point crossing(const Grid& g, const EdgeId& e, double level) {
  const size_t i1 = e.vertical ? e.i : e.i + 1, j1 = e.vertical ? e.j + 1 : e.j;
  const double a = g.at(e.i, e.j), b = g.at(i1, j1);
  const double t = a == b ? 0.5 : (level - a) / (b - a);
  return {g.xs[e.i] + t * (g.xs[i1] - g.xs[e.i]), g.ys[e.j] + t * (g.ys[j1] - g.ys[e.j])};
}

using Segment = std::pair<EdgeId, EdgeId>;

// The crossing segments of cell (i, j), edges named bottom, right, top, left.
void cell_segments(const Grid& g, size_t i, size_t j, double level, std::vector<Segment>& out) {
  const double v[4] = {g.at(i, j), g.at(i + 1, j), g.at(i + 1, j + 1), g.at(i, j + 1)};
  for (double x : v)
    if (!std::isfinite(x)) return;
  int code = 0;
  for (int k = 0; k < 4; ++k)
    if (v[k] >= level) code |= 1 << k;
  if (code == 0 || code == 15) return;
  const EdgeId bottom{i, j, false}, right{i + 1, j, true}, top{i, j + 1, false}, left{i, j, true};
  // edge k joins corners k and k+1
  const EdgeId edges[4] = {bottom, right, top, left};
  std::vector<int> cut;
  for (int k = 0; k < 4; ++k)
    if (((code >> k) & 1) != ((code >> ((k + 1) % 4)) & 1)) cut.push_back(k);
  if (cut.size() == 2) {
    out.push_back({edges[cut[0]], edges[cut[1]]});
    return;
  }
  // saddle: corners 0 and 2 on one side, 1 and 3 on the other
  const double mean = (v[0] + v[1] + v[2] + v[3]) / 4;
  const bool corner0_high = code & 1;
  const bool joined =
      (mean >= level) == corner0_high;  // corners 0 and 2 connected through the centre
  if (joined) {                         // cut off corners 1 and 3
    out.push_back({edges[0], edges[1]});
    out.push_back({edges[2], edges[3]});
  } else {  // cut off corners 0 and 2
    out.push_back({edges[3], edges[0]});
    out.push_back({edges[1], edges[2]});
  }
}

}  // namespace

std::vector<Polyline> contour_lines(const Grid& g, double level) {
  std::vector<Segment> segs;
  if (g.xs.size() < 2 || g.ys.size() < 2) return {};
  for (size_t j = 0; j + 1 < g.ys.size(); ++j)
    for (size_t i = 0; i + 1 < g.xs.size(); ++i) cell_segments(g, i, j, level, segs);
  // each edge is met by at most two segments; walk chains
  std::map<EdgeId, std::vector<size_t>> at;
  for (size_t s = 0; s < segs.size(); ++s) {
    at[segs[s].first].push_back(s);
    at[segs[s].second].push_back(s);
  }
  std::vector<bool> used(segs.size(), false);
  auto other_segment = [&](const EdgeId& e, size_t s) -> long {
    for (size_t t : at[e])
      if (t != s && !used[t]) return static_cast<long>(t);
    return -1;
  };
  std::vector<Polyline> lines;
  for (size_t s0 = 0; s0 < segs.size(); ++s0) {
    if (used[s0]) continue;
    used[s0] = true;
    std::vector<EdgeId> chain = {segs[s0].first, segs[s0].second};
    // extend forward, then backward
    for (int dir = 0; dir < 2; ++dir) {
      size_t s = s0;
      for (;;) {
        const EdgeId end = dir == 0 ? chain.back() : chain.front();
        const long t = other_segment(end, s);
        if (t < 0) break;
        used[t] = true;
        const EdgeId next = segs[t].first == end ? segs[t].second : segs[t].first;
        if (dir == 0) {
          chain.push_back(next);
        } else {
          chain.insert(chain.begin(), next);
        }
        s = static_cast<size_t>(t);
      }
    }
    Polyline line;
    for (const EdgeId& e : chain) line.push_back(crossing(g, e, level));
    lines.push_back(std::move(line));
  }
  return lines;
}

namespace {

struct Vertex {
  double x, y, f;
};

// The part of a convex polygon where f >= c (keep_above) or f < c, f linear along edges.
std::vector<Vertex> clip(const std::vector<Vertex>& poly, double c, bool keep_above) {
  std::vector<Vertex> out;
  const size_t n = poly.size();
  auto inside = [&](const Vertex& v) { return keep_above ? v.f >= c : v.f < c; };
  for (size_t k = 0; k < n; ++k) {
    const Vertex& a = poly[k];
    const Vertex& b = poly[(k + 1) % n];
    const bool ia = inside(a), ib = inside(b);
    if (ia) out.push_back(a);
    if (ia != ib) {
      const double t = (c - a.f) / (b.f - a.f);
      out.push_back({a.x + t * (b.x - a.x), a.y + t * (b.y - a.y), c});
    }
  }
  return out;
}

}  // namespace

std::vector<Polyline> band_polygons(const Grid& g, double lo, double hi) {
  std::vector<Polyline> out;
  const size_t nx = g.xs.size(), ny = g.ys.size();
  if (nx < 2 || ny < 2) return out;
  auto in_band = [&](double v) { return v >= lo && v < hi; };
  for (size_t j = 0; j + 1 < ny; ++j) {
    size_t run_start = 0;
    bool in_run = false;
    auto end_run = [&](size_t i_end) {
      if (!in_run) return;
      const double x0 = g.xs[run_start], x1 = g.xs[i_end], y0 = g.ys[j], y1 = g.ys[j + 1];
      out.push_back({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}});
      in_run = false;
    };
    for (size_t i = 0; i + 1 < nx; ++i) {
      const Vertex c[4] = {{g.xs[i], g.ys[j], g.at(i, j)},
                           {g.xs[i + 1], g.ys[j], g.at(i + 1, j)},
                           {g.xs[i + 1], g.ys[j + 1], g.at(i + 1, j + 1)},
                           {g.xs[i], g.ys[j + 1], g.at(i, j + 1)}};
      bool finite = true, whole = true;
      for (const Vertex& v : c) {
        finite = finite && std::isfinite(v.f);
        whole = whole && in_band(v.f);
      }
      if (finite && whole) {
        if (!in_run) {
          run_start = i;
          in_run = true;
        }
        continue;
      }
      end_run(i);
      if (!finite) continue;
      for (const auto& tri :
           {std::vector<Vertex>{c[0], c[1], c[2]}, std::vector<Vertex>{c[0], c[2], c[3]}}) {
        const std::vector<Vertex> piece = clip(clip(tri, lo, true), hi, false);
        if (piece.size() < 3) continue;
        Polyline p;
        for (const Vertex& v : piece) p.push_back({v.x, v.y});
        out.push_back(std::move(p));
      }
    }
    end_run(nx - 1);
  }
  return out;
}

}  // namespace hess::plot
