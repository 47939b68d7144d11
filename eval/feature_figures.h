#ifndef EVAL_FEATURE_FIGURES_H_
#define EVAL_FEATURE_FIGURES_H_

// The figures of eval/sample_metrics.h for a set of images against a data
// set's test split, through the data set's classifier (eval/data_classifier.h),
// as the named figures of a Table 1 row (eval/table1.h), in this order:
//   frechet_distance  between Gaussians fitted to the classifier's features
//                     of the images and of the test images (lower is better)
//   precision         share of the images on the test images' feature manifold (k = 3)
//   recall            share of the test images on the images' manifold (k = 3)
//   inception_score   exp(E KL(p(y|x) || p(y))) of the classifier's p(y|x)
//   classes_covered   classes the images cover (eval/sample_metrics.h)
//   label_kl          KL divergence of the images' label histogram from the
//                     training split's label shares
//   ms_ssim           mean MS-SSIM of random pairs of the images (lower: more
//                     diverse), at the test split's dynamic range

#include <cstdint>
#include <string>
#include <vector>

#include "data/mnist.h"
#include "eval/sample_metrics.h"
#include "eval/table1.h"
#include "eval/classifier.h"

namespace gan::eval {

class FeatureFigures {
 public:
  static constexpr int kNeighbours = 3;           // k of precision and recall
  static constexpr int64_t kMsSsimPairs = 1000;   // pairs of images behind the MS-SSIM mean

  // Runs `classifier` on the test split once (and finds each test image's
  // ball of precision), or, given a `cache_dir`, reads both from there when
  // an earlier call with the same classifier (`key` names it) and the same
  // test images left them (and leaves them there otherwise). The classifier and `splits` must outlive this; the
  // splits must have labelled training and test images of the classifier's
  // input size.
  FeatureFigures(Classifier& classifier, const std::string& key, const data::Splits& splits, const std::string& cache_dir = "");

  // The figures of images [n, image size], n >= 2 (more than kNeighbours).
  std::vector<NamedFigure> Score(const float* images, int64_t n);

  // A Table 1 figure source scoring with this.
  RowFigureSource Source();

 private:
  std::string key_;
  Classifier& classifier_;
  data::ImageShape shape_;
  Classifier::Outputs test_;
  GaussianMoments test_moments_;
  std::vector<float> test_radii_;  // the test images' balls of precision (KthNeighbourSquaredDistances)
  std::vector<double> data_shares_;
  double dynamic_range_;
};

}  // namespace gan::eval

#endif  // EVAL_FEATURE_FIGURES_H_
