#!/usr/bin/env bash
# Installs everything this project needs on Debian 12, from Debian's packages
# (and, for the ONNX export tests, npm). Safe to run again: when everything is
# present it only checks and returns.
set -euo pipefail

# One list, one reason each. third_party/system.BUILD names the libraries.
DEBIAN_PACKAGES=(
  bazel-bootstrap        # Bazel 4.2.3 (and its JDK)
  bazel-rules-cc         # @rules_cc, patched for Bazel 4.2.3 in third_party/
  bazel-rules-java       # @rules_java, which toolchain resolution loads
  build-essential        # g++ 12
  libdnnl-dev            # oneDNN 2.6: the MLP's forward and backward passes
  libonnx-dev            # ONNX 1.12: model export and checker
  libprotobuf-dev        # protobuf: ONNX models, experiment files
  protobuf-compiler      # protoc
  libabsl-dev            # Abseil: Status, flags, strings
  libgtest-dev           # GoogleTest
  libgmock-dev           # GoogleMock
  libbenchmark-dev       # Google Benchmark
  zlib1g-dev             # .gz data files
  libmatio-dev           # MATLAB .mat data files (TFD, Olivetti faces)
  libpng-dev             # PNG figures
  nlohmann-json3-dev     # JSON: the training report reads metrics.jsonl
  libeigen3-dev          # Eigen: the matrix square root of the Frechet distance
  libopenmpi-dev         # Open MPI 4.1: distributed training's collectives
  libopencv-dnn-dev      # OpenCV 4.6's DNN module: the exports' second runtime in the tests
  openmpi-bin            # mpirun
  iproute2               # ip netns and tc: the distributed tests' two-host network
  chromium               # headless browser: the training report's page test
  libcurl4-openssl-dev   # optional data-set downloads
  libssl-dev             # MD5 of downloads
  clang                  # libFuzzer targets of the data parsers
  libclang-rt-14-dev     # libFuzzer and sanitizer runtimes for clang
  dataset-fashion-mnist  # a data set every offline machine can have
)

# Node.js and npm run ONNX Runtime in the export tests; a machine that already
# has a node (e.g. a newer one from elsewhere) keeps it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  DEBIAN_PACKAGES+=(nodejs npm)
fi

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "setup.sh: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup.sh: run as root (or install sudo) to install packages" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup.sh: all packages present"

# npm packages, each folder pinned by its package-lock.json and installed with
# --ignore-scripts (onnxruntime-node's install script fetches GPU parts from the
# internet; the CPU runtime needs none of it).
root="$(cd "$(dirname "$0")" && pwd)"
npm_folder() {  # npm_folder FOLDER PACKAGE@VERSION...: npm ci unless every package is at its version
  local folder="$root/$1" package version installed
  shift
  for spec in "$@"; do
    package="${spec%@*}" version="${spec##*@}"
    installed=$(node -p "require('$folder/node_modules/$package/package.json').version" 2>/dev/null || true)
    if [[ "$installed" != "$version" ]]; then
      echo "setup.sh: installing $* (npm) into $folder"
      (cd "$folder" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
      return
    fi
  done
}
# ONNX Runtime for Node.js: the export tests run the exported models in it.
npm_folder third_party/onnxruntime onnxruntime-node@1.30.0
# uPlot, the report's charts (inlined into report.html by the build), and
# playwright-core, which drives Debian's chromium in the report's page test.
npm_folder third_party/report_js uplot@1.6.32 playwright-core@1.65.1
echo "setup.sh: npm packages present"
