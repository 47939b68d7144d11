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

# ONNX Runtime for Node.js, pinned by third_party/onnxruntime/package-lock.json.
# --ignore-scripts: its install script fetches GPU parts from the internet; the
# CPU runtime needs none of it.
ort_dir="$(cd "$(dirname "$0")" && pwd)/third_party/onnxruntime"
ort_version=$(node -p "require('$ort_dir/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
if [[ "$ort_version" != "1.30.0" ]]; then
  echo "setup.sh: installing onnxruntime-node 1.30.0 (npm) into $ort_dir"
  (cd "$ort_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
echo "setup.sh: onnxruntime-node present"
