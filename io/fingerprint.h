#pragma once
// What makes two runs the same long run (a training run, a landscape grid, an eos series), so that
// a rerun resumes only the run it continues: ordered (key, value) settings, reals in their
// shortest exact form. Stored as a subgroup `settings` with one string attribute per key.
//
//   hess::Fingerprint f;
//   f.add("model_sha256", sha).add("lr", 0.1).add("samples", int64_t{1000});
//   f.write(group);                                       // group/settings
//   std::string diff = f.first_difference(hess::Fingerprint::read(old_group));
//   if (!diff.empty()) ... // "lr 0.05 there, 0.1 in this run"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_file.h"

namespace hess {

class Fingerprint {
 public:
  Fingerprint& add(std::string key, std::string value);
  Fingerprint& add(std::string key, const char* value) {
    return add(std::move(key), std::string(value));
  }
  Fingerprint& add(std::string key, double value);
  Fingerprint& add(std::string key, int64_t value);
  Fingerprint& add(std::string key, uint64_t value);

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  // "key A there, B in this run" for the first setting of this fingerprint that differs from
  // `stored` (a key missing there reads "(absent)"), else "key A there, (absent) in this run" for
  // the first key only `stored` has, "" when they are the same.
  std::string first_difference(const Fingerprint& stored) const;
  // "key=value" lines.
  std::string text() const;

  // Writes the subgroup `settings` of `g` (replacing it).
  void write(h5::Group& g) const;
  // The fingerprint stored in `g` (empty when it has no `settings` subgroup).
  static Fingerprint read(const h5::Group& g);

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Throws std::runtime_error "WHERE holds another WHAT (DIFFERENCE); it is left as it is: …" when
// the fingerprint stored in `g` differs from `here` (a long run's progress or result that a rerun
// must not continue).
void refuse_other(const h5::Group& g, const Fingerprint& here, const std::string& where,
                  const std::string& what);

}  // namespace hess
