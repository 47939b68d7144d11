// Runs an ONNX model in ONNX Runtime (Node.js) on float32 inputs from a file
// and compares an output with the values our C++ forward pass computed, or
// writes the output to a file.
//
//   node run_onnxruntime.js <onnxruntime-node dir> <model.onnx> <input name> <input.f32> <rows> <columns>
//                           <output name> <expected.f32 | write:output.f32> [repeats]
//
// Prints one line: "max_abs_diff <value> mean_ms <milliseconds per run>", or
// with write: "wrote <values> mean_ms <milliseconds per run>".
// Exits non-zero on any error (missing file, shape mismatch, runtime error).
'use strict';
const fs = require('fs');

function readFloats(path) {
  const bytes = fs.readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

async function main() {
  const [ortDir, modelPath, inputName, inputPath, rowsText, columnsText, outputName, expectedPath, repeatsText] =
      process.argv.slice(2);
  if (!expectedPath) throw new Error('usage: see the top of run_onnxruntime.js');
  const ort = require(ortDir);
  const rows = Number(rowsText), columns = Number(columnsText), repeats = Number(repeatsText || 1);
  const input = readFloats(inputPath);
  if (input.length !== rows * columns) throw new Error(`${inputPath}: ${input.length} values, not ${rows} x ${columns}`);
  const writePath = expectedPath.startsWith('write:') ? expectedPath.slice('write:'.length) : null;
  const session = await ort.InferenceSession.create(modelPath);
  const feeds = {[inputName]: new ort.Tensor('float32', input, [rows, columns])};
  let results = await session.run(feeds);  // warm-up, and the result compared
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeats; ++i) results = await session.run(feeds);
  const meanMs = Number(process.hrtime.bigint() - start) / 1e6 / repeats;
  const output = results[outputName];
  if (!output) throw new Error(`the model has no output '${outputName}'`);
  if (writePath) {
    const values = Float32Array.from(output.data);
    fs.writeFileSync(writePath, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    console.log(`wrote ${values.length} mean_ms ${meanMs}`);
    return;
  }
  const expected = readFloats(expectedPath);
  if (output.data.length !== expected.length) {
    throw new Error(`output '${outputName}' has ${output.data.length} values, expected ${expected.length}`);
  }
  let maxDiff = 0;
  for (let i = 0; i < expected.length; ++i) {
    const diff = Math.abs(output.data[i] - expected[i]);
    if (!(diff <= maxDiff)) maxDiff = diff;  // NaN propagates
  }
  console.log(`max_abs_diff ${maxDiff} mean_ms ${meanMs}`);
}

main().catch((error) => {
  console.error(`run_onnxruntime: ${error.message}`);
  process.exit(1);
});
