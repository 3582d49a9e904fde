// png_stats FILE.png: decodes an 8-bit PNG (grey, RGB or RGBA, non-interlaced; what Chromium's
// screenshots are) with zlib and prints "width height variance ink", the variance of the pixels'
// grey levels (0..255) and the share of pixels that are not near-white. Used by
// tests/browser_test.sh to tell a rendered page from a blank one. Exit 1 on a file it cannot read.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr int kNearWhite = 245;  // grey level at and above which a pixel counts as background

uint32_t u32(const std::string& b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3]));
}

int fail(const char* what) {
  std::fprintf(stderr, "png_stats: %s\n", what);
  return 1;
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: png_stats FILE.png");
  std::ifstream in(argv[1], std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 33 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return fail("not a PNG");
  const uint32_t w = u32(b, 16), h = u32(b, 20);
  const int depth = static_cast<uint8_t>(b[24]), type = static_cast<uint8_t>(b[25]);
  const int interlace = static_cast<uint8_t>(b[28]);
  const int channels = type == 0 ? 1 : type == 2 ? 3 : type == 6 ? 4 : type == 4 ? 2 : 0;
  if (depth != 8 || channels == 0 || interlace != 0) return fail("unsupported PNG kind");
  std::string z;
  for (size_t at = 8; at + 8 <= b.size();) {
    const uint32_t len = u32(b, at);
    const std::string kind = b.substr(at + 4, 4);
    if (kind == "IDAT") z += b.substr(at + 8, len);
    at += 12 + len;
  }
  const size_t stride = static_cast<size_t>(w) * channels;
  std::vector<uint8_t> raw((stride + 1) * h);
  uLongf n = raw.size();
  if (uncompress(raw.data(), &n, reinterpret_cast<const Bytef*>(z.data()), z.size()) != Z_OK ||
      n != raw.size())
    return fail("bad image data");
  std::vector<uint8_t> px(stride * h), prev(stride, 0);
  for (uint32_t r = 0; r < h; ++r) {
    const uint8_t f = raw[r * (stride + 1)];
    const uint8_t* line = &raw[r * (stride + 1) + 1];
    uint8_t* out = &px[r * stride];
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<size_t>(channels) ? out[i - channels] : 0;
      const int up = prev[i];
      const int c = i >= static_cast<size_t>(channels) ? prev[i - channels] : 0;
      int v = line[i];
      if (f == 1) v += a;
      if (f == 2) v += up;
      if (f == 3) v += (a + up) / 2;
      if (f == 4) v += paeth(a, up, c);
      if (f > 4) return fail("bad filter");
      out[i] = static_cast<uint8_t>(v);
    }
    std::copy(out, out + stride, prev.begin());
  }
  double sum = 0, sum2 = 0, ink = 0;
  const double count = static_cast<double>(w) * h;
  for (size_t p = 0; p < static_cast<size_t>(w) * h; ++p) {
    const uint8_t* q = &px[p * channels];
    const double g = channels >= 3 ? (q[0] + q[1] + q[2]) / 3.0 : q[0];
    sum += g;
    sum2 += g * g;
    if (g < kNearWhite) ink += 1;
  }
  const double mean = sum / count;
  std::printf("%u %u %.3f %.5f\n", w, h, sum2 / count - mean * mean, ink / count);
  return 0;
}
