#!/usr/bin/env bash
# //tools:evaluate's feature figures end to end on Fashion-MNIST (Debian's
# package): a missing classifier is trained once and cached, then read back; a
# classifier file given by --classifier is used; every row carries every
# figure, and real held-out images score a lower Frechet distance than a
# one-epoch model; an exported generator, conditional or not, scores as its checkpoint;
# --draws scores the model over several draws of its samples; a data set
# without test images gets its figures only; bad input gets a clear error.
set -euo pipefail
export XDG_CACHE_HOME="$TEST_TMPDIR/cache"
fail() { echo "FAIL: $*" >&2; exit 1; }

tools/train --max_train_examples=500 --epochs=1 --parzen_every_epochs=0 --output_dir="$TEST_TMPDIR/run" \
  > /dev/null 2> "$TEST_TMPDIR/train.log" || fail "train failed: $(cat "$TEST_TMPDIR/train.log")"

cat > "$TEST_TMPDIR/small_classifier.pbtxt" <<'PBTXT'
name: "small_classifier" classes: 10 batch_size: 50 epochs: 1 seed: 1
data { dataset: "fashion_mnist" max_train_examples: 2000 }
net {
  layers { linear { units: 64 activation: RELU weight_irange: 0.05 } }
  layers { linear { units: 10 activation: IDENTITY weight_irange: 0.05 } }
}
optimizer { adam { learning_rate: 0.002 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
PBTXT
evaluate() {
  tools/evaluate --checkpoint="$TEST_TMPDIR/run/checkpoint.ckpt" --samples=2000 --kmeans_iterations=0 "$@"
}
# The value of figure $2 in row $1 of parzen.json (or of file $4) in directory $3.
figure() { grep "\"name\": \"$1\"" "$3/${4:-parzen.json}" | grep -o "\"$2\": [-0-9.e+]*" | cut -d' ' -f2; }

# 1. First call: the classifier is trained and cached.
evaluate --classifier_experiment="$TEST_TMPDIR/small_classifier.pbtxt" --output_dir="$TEST_TMPDIR/first" \
  > "$TEST_TMPDIR/first.txt" 2> "$TEST_TMPDIR/first.log" || fail "evaluate failed: $(cat "$TEST_TMPDIR/first.log")"
grep -q "small_classifier: not in the cache .*training it once" "$TEST_TMPDIR/first.log" || fail "no training of the classifier: $(cat "$TEST_TMPDIR/first.log")"
ls "$XDG_CACHE_HOME"/gan/classifiers/small_classifier-*.classifier > /dev/null || fail "the classifier was not cached"
for row in model training_set held_out; do
  for name in frechet_distance precision recall inception_score classes_covered label_kl ms_ssim; do
    [[ -n "$(figure $row $name "$TEST_TMPDIR/first")" ]] || fail "row $row has no $name: $(cat "$TEST_TMPDIR/first/parzen.json")"
  done
done
grep -q "frechet_distance" "$TEST_TMPDIR/first.txt" || fail "the printed table has no figure columns: $(cat "$TEST_TMPDIR/first.txt")"
awk -v real="$(figure held_out frechet_distance "$TEST_TMPDIR/first")" -v model="$(figure model frechet_distance "$TEST_TMPDIR/first")" \
  'BEGIN { exit !(real + 0 < model + 0) }' || fail "held-out images do not rank above a one-epoch model: $(cat "$TEST_TMPDIR/first.txt")"

# 2. Second call: read from the cache, same figures.
evaluate --classifier_experiment="$TEST_TMPDIR/small_classifier.pbtxt" --output_dir="$TEST_TMPDIR/second" \
  > /dev/null 2> "$TEST_TMPDIR/second.log" || fail "evaluate failed: $(cat "$TEST_TMPDIR/second.log")"
grep -q "training it" "$TEST_TMPDIR/second.log" && fail "the cached classifier was trained again"
[[ "$(figure model frechet_distance "$TEST_TMPDIR/second")" == "$(figure model frechet_distance "$TEST_TMPDIR/first")" ]] ||
  fail "the cached classifier gives other figures"

# 3. A classifier file from //tools:train_classifier, given by --classifier.
tools/train_classifier --experiment="$TEST_TMPDIR/small_classifier.pbtxt" --output="$TEST_TMPDIR/given.classifier" \
  2> "$TEST_TMPDIR/train_classifier.log" || fail "train_classifier failed: $(cat "$TEST_TMPDIR/train_classifier.log")"
grep -q "small_classifier epoch 1 of 1: loss [0-9.]*, validation accuracy [0-9.]* %" "$TEST_TMPDIR/train_classifier.log" ||
  fail "train_classifier shows no epoch: $(cat "$TEST_TMPDIR/train_classifier.log")"
grep -q "test accuracy [0-9.]* %" "$TEST_TMPDIR/train_classifier.log" || fail "train_classifier shows no test accuracy"
evaluate --classifier="$TEST_TMPDIR/given.classifier" --reference_rows=false --output_dir="$TEST_TMPDIR/given" \
  > /dev/null 2> "$TEST_TMPDIR/given.log" || fail "evaluate --classifier failed: $(cat "$TEST_TMPDIR/given.log")"
[[ "$(figure model frechet_distance "$TEST_TMPDIR/given")" == "$(figure model frechet_distance "$TEST_TMPDIR/first")" ]] ||
  fail "the same classifier, trained again from the same seed, gives other figures"

# 4. The same generator as an ONNX file (//tools:export) scores as its
# checkpoint does: the same samples up to float rounding of the products
# (ONNX Runtime's against our oneDNN passes), so the figures agree to their
# third decimal.
tools/export --checkpoint="$TEST_TMPDIR/run/checkpoint.ckpt" --output="$TEST_TMPDIR/generator.onnx" 2> "$TEST_TMPDIR/export.log" ||
  fail "export failed: $(cat "$TEST_TMPDIR/export.log")"
tools/evaluate --onnx="$TEST_TMPDIR/generator.onnx" --samples=2000 --classifier="$TEST_TMPDIR/given.classifier" --reference_rows=false \
  --output_dir="$TEST_TMPDIR/onnx" > /dev/null 2> "$TEST_TMPDIR/onnx.log" || fail "evaluate --onnx failed: $(cat "$TEST_TMPDIR/onnx.log")"
grep -q "2000 samples of the ONNX generator" "$TEST_TMPDIR/onnx/parzen.json" || fail "the row does not say what it scored"
for name in test_mean frechet_distance precision recall inception_score ms_ssim; do
  awk -v a="$(figure model $name "$TEST_TMPDIR/onnx")" -v b="$(figure model $name "$TEST_TMPDIR/given")" \
    'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(a != "" && d <= 1e-3 * (s > 1 ? s : 1)) }' ||
    fail "$name: ONNX $(figure model $name "$TEST_TMPDIR/onnx"), checkpoint $(figure model $name "$TEST_TMPDIR/given")"
done
# Without metadata the data set and noise must be given; a bad --noise is named.
if tools/evaluate --onnx="$TEST_TMPDIR/generator.onnx" --noise=gaussian:0,1 --feature_figures=false --reference_rows=false \
  --output_dir="$TEST_TMPDIR/bad" 2> "$TEST_TMPDIR/bad.log"; then
  fail "a malformed --noise was accepted"
fi
grep -q "noise must be uniform:LOW,HIGH or normal:MEAN,STDDEV, not 'gaussian:0,1'" "$TEST_TMPDIR/bad.log" || fail "unclear error: $(cat "$TEST_TMPDIR/bad.log")"
# A generator's output range maps to [0, 1]: read as spanning [-1, 1], the
# same samples become other images and score another figure; a malformed
# range, and images of another data set's shape, are refused by name.
tools/evaluate --onnx="$TEST_TMPDIR/generator.onnx" --output_range=-1,1 --samples=2000 --feature_figures=false --reference_rows=false \
  --output_dir="$TEST_TMPDIR/range" > /dev/null 2> "$TEST_TMPDIR/range.log" || fail "evaluate --output_range failed: $(cat "$TEST_TMPDIR/range.log")"
[[ "$(figure model test_mean "$TEST_TMPDIR/range")" != "$(figure model test_mean "$TEST_TMPDIR/onnx")" ]] || fail "--output_range=-1,1 changed nothing"
if tools/evaluate --onnx="$TEST_TMPDIR/generator.onnx" --output_range=1,1 --output_dir="$TEST_TMPDIR/bad" 2> "$TEST_TMPDIR/bad.log"; then
  fail "an empty output range was accepted"
fi
grep -q "\-\-output_range: '1,1' is not LOW,HIGH with LOW < HIGH" "$TEST_TMPDIR/bad.log" || fail "unclear error: $(cat "$TEST_TMPDIR/bad.log")"
if tools/evaluate --onnx="$TEST_TMPDIR/generator.onnx" --dataset=faces --output_dir="$TEST_TMPDIR/bad" 2> "$TEST_TMPDIR/bad.log"; then
  fail "images of another shape were accepted"
fi
grep -q "its generator makes 784 values per sample, an image of data set 'faces' has [0-9]* (1 x [0-9]* x [0-9]*)" "$TEST_TMPDIR/bad.log" ||
  fail "unclear error: $(cat "$TEST_TMPDIR/bad.log")"

# 4b. --draws: the model's figure over several draws of samples. Draw d is
# what a single call with --seed + d scores; the mean and the sample standard
# deviation are those of the draws' figures; --draws=0 is refused by name.
# draws member $1 of parzen.json in directory $2, as space-separated values.
draws() { grep '"draws"' "$2/parzen.json" | grep -oE "\"$1\": (\[[^]]*\]|[-0-9.e+]+)" | sed -E 's/^"[a-z_]+": //; s/[][,]//g'; }
evaluate --seed=5 --draws=3 --feature_figures=false --reference_rows=false --output_dir="$TEST_TMPDIR/draws" \
  > "$TEST_TMPDIR/draws.txt" 2> "$TEST_TMPDIR/draws.log" || fail "evaluate --draws failed: $(cat "$TEST_TMPDIR/draws.log")"
evaluate --seed=7 --feature_figures=false --reference_rows=false --output_dir="$TEST_TMPDIR/seed7" \
  > /dev/null 2> "$TEST_TMPDIR/seed7.log" || fail "evaluate --seed=7 failed: $(cat "$TEST_TMPDIR/seed7.log")"
read -r -a tests <<< "$(draws test_mean "$TEST_TMPDIR/draws")"
[[ "$(draws seeds "$TEST_TMPDIR/draws")" == "5 6 7" && ${#tests[@]} == 3 ]] || fail "draws: $(cat "$TEST_TMPDIR/draws/parzen.json")"
[[ "${tests[0]}" == "$(figure model test_mean "$TEST_TMPDIR/draws")" ]] || fail "draw 0 is not the model row"
[[ "${tests[2]}" == "$(figure model test_mean "$TEST_TMPDIR/seed7")" ]] || fail "draw 2 (${tests[2]}) is not --seed=7's figure"
[[ "${tests[0]}" != "${tests[1]}" ]] || fail "two draws scored the same figure: the noise did not change"
awk -v a="${tests[0]}" -v b="${tests[1]}" -v c="${tests[2]}" -v mean="$(draws mean "$TEST_TMPDIR/draws")" -v sd="$(draws sd "$TEST_TMPDIR/draws")" \
  'BEGIN { m = (a + b + c) / 3; s = sqrt(((a - m)^2 + (b - m)^2 + (c - m)^2) / 2);
           exit !((mean - m)^2 < 1e-6 && (sd - s)^2 < 1e-6 && s > 0) }' || fail "mean or sd is not the draws': $(cat "$TEST_TMPDIR/draws/parzen.json")"
grep -q "The model over 3 draws of 2000 samples (seeds 5-7): test " "$TEST_TMPDIR/draws.txt" || fail "no spread printed: $(cat "$TEST_TMPDIR/draws.txt")"
if evaluate --draws=0 --output_dir="$TEST_TMPDIR/bad" 2> "$TEST_TMPDIR/bad.log"; then fail "--draws=0 was accepted"; fi
grep -q "\-\-draws must be positive, not 0" "$TEST_TMPDIR/bad.log" || fail "unclear error: $(cat "$TEST_TMPDIR/bad.log")"

# 5. A data set without validation and test images (faces): the figures only.
tools/train --experiment=faces --epochs=1 --output_dir="$TEST_TMPDIR/faces" > /dev/null 2> "$TEST_TMPDIR/faces_train.log" ||
  fail "train faces failed: $(cat "$TEST_TMPDIR/faces_train.log")"
tools/evaluate --checkpoint="$TEST_TMPDIR/faces/checkpoint.ckpt" --output_dir="$TEST_TMPDIR/faces_eval" 2> "$TEST_TMPDIR/faces.log" ||
  fail "evaluate of faces failed: $(cat "$TEST_TMPDIR/faces.log")"
grep -q "no Table 1 rows, the figures only" "$TEST_TMPDIR/faces.log" || fail "no note: $(cat "$TEST_TMPDIR/faces.log")"
[[ -s "$TEST_TMPDIR/faces_eval/figure2.png" && ! -e "$TEST_TMPDIR/faces_eval/parzen.json" ]] || fail "faces: figures missing or a table written"

# 6. Bad classifiers: a missing file, and an experiment for another data set.
if evaluate --classifier=/nonexistent.classifier --reference_rows=false --output_dir="$TEST_TMPDIR/bad" 2> "$TEST_TMPDIR/bad.log"; then
  fail "a missing classifier file was accepted"
fi
grep -q "/nonexistent.classifier" "$TEST_TMPDIR/bad.log" || fail "the error does not name the file: $(cat "$TEST_TMPDIR/bad.log")"
sed 's/fashion_mnist/mnist/' "$TEST_TMPDIR/small_classifier.pbtxt" > "$TEST_TMPDIR/mnist_classifier.pbtxt"
if evaluate --classifier_experiment="$TEST_TMPDIR/mnist_classifier.pbtxt" --reference_rows=false --output_dir="$TEST_TMPDIR/bad" 2> "$TEST_TMPDIR/bad.log"; then
  fail "a classifier of another data set was accepted"
fi
grep -q "is for data set 'mnist', the model's is 'fashion_mnist'" "$TEST_TMPDIR/bad.log" || fail "unclear error: $(cat "$TEST_TMPDIR/bad.log")"
# 7. A conditional generator: the class-by-class rows (Parzen, the
# classifier's accuracy and the feature figures per class) and the figure
# with a row per class.
cat > "$TEST_TMPDIR/conditional.pbtxt" <<'PBTXT'
name: "small_conditional" noise_dim: 10 batch_size: 50 epochs: 1 seed: 1 update_mode: SIMULTANEOUS
noise { uniform { low: 0 high: 1 } } data { dataset: "fashion_mnist" max_train_examples: 1000 } conditioning { classes: 10 }
generator {
  layers { linear { units: 64 activation: RELU join { inputs: 10 units: 32 weight_irange: 0.05 } join { inputs: 10 units: 32 weight_irange: 0.05 } } }
  layers { linear { units: 784 activation: SIGMOID weight_irange: 0.05 } }
}
discriminator {
  layers { maxout { units: 40 pieces: 2 join { inputs: 784 units: 32 weight_irange: 0.005 } join { inputs: 10 units: 8 weight_irange: 0.005 } } }
  layers { maxout { units: 16 pieces: 2 weight_irange: 0.005 } }
  layers { linear { units: 1 weight_irange: 0.005 } }
}
generator_optimizer { sgd { learning_rate: 0.1 initial_momentum: 0.5 final_momentum: 0.5 } }
discriminator_optimizer { sgd { learning_rate: 0.1 initial_momentum: 0.5 final_momentum: 0.5 } }
PBTXT
tools/train --experiment="$TEST_TMPDIR/conditional.pbtxt" --parzen_every_epochs=0 --output_dir="$TEST_TMPDIR/conditional" \
  > /dev/null 2> "$TEST_TMPDIR/conditional_train.log" || fail "train conditional failed: $(cat "$TEST_TMPDIR/conditional_train.log")"
tools/evaluate --checkpoint="$TEST_TMPDIR/conditional/checkpoint.ckpt" --samples=2000 --classifier="$TEST_TMPDIR/given.classifier" \
  --reference_rows=false --output_dir="$TEST_TMPDIR/conditional_eval" > "$TEST_TMPDIR/conditional_eval.txt" 2> "$TEST_TMPDIR/conditional_eval.log" ||
  fail "evaluate of a conditional generator failed: $(cat "$TEST_TMPDIR/conditional_eval.log")"
grep -q "classifier's accuracy on the class-conditioned samples: [0-9.]* %" "$TEST_TMPDIR/conditional_eval.txt" ||
  fail "no accuracy printed: $(cat "$TEST_TMPDIR/conditional_eval.txt")"
for c in 0 1 2 3 4 5 6 7 8 9; do
  for name in accuracy frechet_distance precision recall; do
    [[ -n "$(figure "class $c" $name "$TEST_TMPDIR/conditional_eval" classes.json)" ]] ||
      fail "class $c has no $name: $(cat "$TEST_TMPDIR/conditional_eval/classes.json")"
  done
done
[[ -s "$TEST_TMPDIR/conditional_eval/class_figure.png" ]] || fail "no class_figure.png"
# The same conditional generator exported (two inputs, noise and class)
# scores class by class as its checkpoint does.
tools/export --checkpoint="$TEST_TMPDIR/conditional/checkpoint.ckpt" --output="$TEST_TMPDIR/conditional.onnx" \
  2> "$TEST_TMPDIR/conditional_export.log" || fail "export of a conditional generator failed: $(cat "$TEST_TMPDIR/conditional_export.log")"
tools/evaluate --onnx="$TEST_TMPDIR/conditional.onnx" --samples=2000 --classifier="$TEST_TMPDIR/given.classifier" \
  --reference_rows=false --output_dir="$TEST_TMPDIR/conditional_onnx" > /dev/null 2> "$TEST_TMPDIR/conditional_onnx.log" ||
  fail "evaluate --onnx of a conditional generator failed: $(cat "$TEST_TMPDIR/conditional_onnx.log")"
for c in 0 1 2 3 4 5 6 7 8 9; do
  for name in test_mean accuracy frechet_distance; do
    a="$(figure "class $c" $name "$TEST_TMPDIR/conditional_onnx" classes.json)"
    b="$(figure "class $c" $name "$TEST_TMPDIR/conditional_eval" classes.json)"
    awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(a != "" && d <= 1e-3 * (s > 1 ? s : 1)) }' ||
      fail "class $c $name: ONNX $a, checkpoint $b"
  done
done

echo PASS
