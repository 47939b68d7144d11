#include "eval/inpainting_figures.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "eval/distances.h"

namespace gan::eval {

CompletionScores ScoreCompletions(const std::string& method, const std::vector<float>& completions, int64_t draws,
                                  const data::Dataset& images, const std::vector<float>& masks, Classifier* classifier) {
  const int64_t n = images.rows(), dim = images.dim();
  CompletionScores scores;
  scores.method = method;
  double squared_error = 0, spread = 0;
  int64_t missing = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* mask = masks.data() + i * dim;
    const float* truth = images.Row(i);
    for (int64_t p = 0; p < dim; ++p) {
      if (mask[p] == 0.0f) continue;
      ++missing;
      const double error = completions[i * dim + p] - truth[p];
      squared_error += error * error;
      if (draws < 2) continue;
      double sum = 0, sum_squares = 0;
      for (int64_t d = 0; d < draws; ++d) {
        const double v = completions[(d * n + i) * dim + p];
        sum += v;
        sum_squares += v * v;
      }
      const double mean = sum / draws;
      spread += std::sqrt(std::max(0.0, (sum_squares - draws * mean * mean) / (draws - 1)));
    }
  }
  scores.missing_mse = missing > 0 ? squared_error / missing : 0;
  scores.spread = missing > 0 ? spread / missing : 0;
  if (classifier != nullptr) {
    data::Dataset completed;
    completed.name = images.name;
    completed.shape = images.shape;
    completed.labels = images.labels;
    completed.pixels.assign(completions.begin(), completions.begin() + n * dim);
    scores.accuracy = classifier->Accuracy(completed);
  }
  return scores;
}

namespace {

// Each image's observed pixels, and `fill(i)`'s [dim] on its missing ones.
template <typename Fill>
std::vector<float> FillMissing(const data::Dataset& images, const std::vector<float>& masks, Fill fill) {
  const int64_t n = images.rows(), dim = images.dim();
  std::vector<float> completions(images.pixels.begin(), images.pixels.end());
  for (int64_t i = 0; i < n; ++i) {
    const float* source = fill(i);
    for (int64_t p = 0; p < dim; ++p) {
      if (masks[i * dim + p] != 0.0f) completions[i * dim + p] = source[p];
    }
  }
  return completions;
}

}  // namespace

std::vector<float> NearestTrainingCompletions(const data::Dataset& images, const std::vector<float>& masks,
                                              const data::Dataset& train) {
  // The distance on image i's observed pixels o_i (1 - mask) to training
  // image t is sum o x^2 - 2 sum o x t + sum o t^2: with points
  // [o * x, -o / 2] and centres [t, t^2, b], SquaredDistances' -2 p . c makes
  // the last two terms, its ||p||^2 is the same for every centre, and the
  // balancing column b makes ||c||^2 the same for every centre as well, so
  // the nearest centre is the nearest image on the observed pixels.
  const int64_t n = images.rows(), dim = images.dim(), m = train.rows(), width = 2 * dim + 1;
  std::vector<float> centres(m * width);
  std::vector<double> norms(m);
  double largest = 0;
  for (int64_t j = 0; j < m; ++j) {
    const float* t = train.Row(j);
    float* c = centres.data() + j * width;
    for (int64_t p = 0; p < dim; ++p) {
      c[p] = t[p];
      c[dim + p] = t[p] * t[p];
      norms[j] += double{c[p]} * c[p] + double{c[dim + p]} * c[dim + p];
    }
    largest = std::max(largest, norms[j]);
  }
  for (int64_t j = 0; j < m; ++j) centres[j * width + 2 * dim] = static_cast<float>(std::sqrt(largest - norms[j]));
  std::vector<float> points(n * width, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const float* x = images.Row(i);
    float* point = points.data() + i * width;
    for (int64_t p = 0; p < dim; ++p) {
      const float observed = masks[i * dim + p] == 0.0f ? 1.0f : 0.0f;
      point[p] = observed * x[p];
      point[dim + p] = -0.5f * observed;
    }
  }
  const std::vector<int64_t> nearest = SquaredDistances(centres.data(), m, width).Nearest(points.data(), n);
  return FillMissing(images, masks, [&](int64_t i) { return train.Row(nearest[i]); });
}

std::vector<float> MeanImageCompletions(const data::Dataset& images, const std::vector<float>& masks, const data::Dataset& train) {
  const std::vector<float> mean = train.PixelMean();
  return FillMissing(images, masks, [&](int64_t) { return mean.data(); });
}

data::Image CompletionFigure(const data::Dataset& images, const std::vector<float>& masks, const std::vector<float>& completions,
                             int64_t draws, const std::vector<int64_t>& rows, data::Display display) {
  const int64_t n = images.rows(), dim = images.dim(), columns = draws + 2;
  std::vector<float> cells;
  cells.reserve(rows.size() * columns * dim);
  for (const int64_t i : rows) {
    const float* mask = masks.data() + i * dim;
    const float* truth = images.Row(i);
    for (int64_t p = 0; p < dim; ++p) cells.push_back(mask[p] != 0.0f ? 0.5f : truth[p]);
    for (int64_t d = 0; d < draws; ++d) {
      const float* completion = completions.data() + (d * n + i) * dim;
      cells.insert(cells.end(), completion, completion + dim);
    }
    cells.insert(cells.end(), truth, truth + dim);
  }
  return data::MakeGrid(cells.data(), static_cast<int64_t>(rows.size()) * columns, images.shape, columns, display);
}

std::string FormatCompletionScores(const std::vector<CompletionScores>& scores) {
  std::string text = absl::StrFormat("  %-24s %9s %12s %8s\n", "completed by", "accuracy", "missing MSE", "spread");
  for (const CompletionScores& s : scores) {
    absl::StrAppendFormat(&text, "  %-24s %8s %12.4f %8.4f\n", s.method,
                          s.accuracy < 0 ? "-" : absl::StrFormat("%.2f %%", 100 * s.accuracy), s.missing_mse, s.spread);
  }
  return text;
}

std::string CompletionScoresJson(const std::vector<CompletionScores>& scores) {
  std::string json = "[";
  for (size_t k = 0; k < scores.size(); ++k) {
    const CompletionScores& s = scores[k];
    absl::StrAppendFormat(&json, "%s{\"method\": \"%s\", \"accuracy\": %.6g, \"missing_mse\": %.6g, \"spread\": %.6g}",
                          k == 0 ? "" : ", ", s.method, s.accuracy, s.missing_mse, s.spread);
  }
  return json + "]";
}

}  // namespace gan::eval
