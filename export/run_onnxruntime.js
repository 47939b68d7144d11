// Runs an ONNX model in ONNX Runtime (Node.js) on float32 inputs read from
// files, and compares an output with the values our C++ forward computed, or
// writes the output to a file.
//
//   node run_onnxruntime.js <onnxruntime-node dir> <model.onnx> <output name>
//                           <expected.f32 | write:output.f32>
//                           --input <name> <input.f32> <dims> [--input ...] [options]
//
// Each --input names one of the graph's inputs, the file of its values and
// its shape, comma-separated, rows first (e.g. 7,100 or 7,100,1,1); every
// input has the same number of rows. Options:
//   --repeats=N  time N runs after the warm-up (default 1)
//   --batch=B    run B rows at a time (default: all at once); with --pad the
//                last slice is filled up to B rows with zeros and their
//                outputs dropped (for a model whose batch dimension is fixed)
//
// Prints one line: "max_abs_diff <value> mean_ms <ms per run>", or with
// write: "wrote <values> dims <output dims, comma-separated> mean_ms <ms per run>".
// Exits non-zero on any error (missing file, shape mismatch, runtime error).
'use strict';
const fs = require('fs');

function readFloats(path) {
  const bytes = fs.readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

// The options and the inputs ({name, values, dims}).
function parseOptions(args) {
  const options = {repeats: 1, batch: 0, pad: false, inputs: []};
  for (let i = 0; i < args.length; ++i) {
    const arg = args[i];
    const [key, value] = arg.split('=');
    if (arg === '--input') {
      if (i + 3 >= args.length) throw new Error('--input takes a name, a file and dims');
      const [name, path, dimsText] = args.slice(i + 1, i + 4);
      const dims = dimsText.split(',').map(Number);
      const values = readFloats(path);
      if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${path}: ${values.length} values, not [${dims}]`);
      options.inputs.push({name, values, dims});
      i += 3;
    } else if (key === '--repeats') options.repeats = Number(value);
    else if (key === '--batch') options.batch = Number(value);
    else if (key === '--pad') options.pad = true;
    else throw new Error(`unknown option '${arg}'`);
  }
  return options;
}

// The output for all rows: slices of `batch` rows of every input, run
// together, their outputs concatenated.
async function runInSlices(ort, session, inputs, outputName, options) {
  const rows = inputs[0].dims[0];
  const batch = options.batch > 0 ? options.batch : rows;
  const parts = [];
  let outputDims = null;
  for (let first = 0; first < rows; first += batch) {
    const count = Math.min(batch, rows - first);
    const fed = options.pad ? batch : count;
    const feeds = {};
    for (const input of inputs) {
      const rowSize = input.values.length / rows;
      const slice = new Float32Array(fed * rowSize);
      slice.set(input.values.subarray(first * rowSize, (first + count) * rowSize));
      feeds[input.name] = new ort.Tensor('float32', slice, [fed, ...input.dims.slice(1)]);
    }
    const results = await session.run(feeds);
    const output = results[outputName];
    if (!output) throw new Error(`the model has no output '${outputName}'`);
    if (output.dims[0] !== fed) throw new Error(`output '${outputName}' has ${output.dims[0]} rows for ${fed} input rows`);
    const outputRowSize = output.data.length / fed;
    parts.push(Float32Array.from(output.data.subarray(0, count * outputRowSize)));
    outputDims = [rows, ...output.dims.slice(1)];
  }
  const values = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    values.set(part, offset);
    offset += part.length;
  }
  return {values, dims: outputDims};
}

async function main() {
  const [ortDir, modelPath, outputName, expectedPath, ...rest] = process.argv.slice(2);
  if (!expectedPath) throw new Error('usage: see the top of run_onnxruntime.js');
  const options = parseOptions(rest);
  const inputs = options.inputs;
  if (inputs.length === 0) throw new Error('no --input given');
  for (const input of inputs) {
    if (input.dims[0] !== inputs[0].dims[0]) {
      throw new Error(`input '${input.name}' has ${input.dims[0]} rows, input '${inputs[0].name}' ${inputs[0].dims[0]}`);
    }
  }
  const ort = require(ortDir);
  const session = await ort.InferenceSession.create(modelPath);
  let output = await runInSlices(ort, session, inputs, outputName, options);  // warm-up, and the result used
  const start = process.hrtime.bigint();
  for (let i = 0; i < options.repeats; ++i) output = await runInSlices(ort, session, inputs, outputName, options);
  const meanMs = Number(process.hrtime.bigint() - start) / 1e6 / options.repeats;
  if (expectedPath.startsWith('write:')) {
    const values = output.values;
    fs.writeFileSync(expectedPath.slice('write:'.length), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    console.log(`wrote ${values.length} dims ${output.dims.join(',')} mean_ms ${meanMs}`);
    return;
  }
  const expected = readFloats(expectedPath);
  if (output.values.length !== expected.length) {
    throw new Error(`output '${outputName}' has ${output.values.length} values, expected ${expected.length}`);
  }
  let maxDiff = 0;
  for (let i = 0; i < expected.length; ++i) {
    const diff = Math.abs(output.values[i] - expected[i]);
    if (Number.isNaN(diff)) {
      maxDiff = NaN;
      break;
    }
    maxDiff = Math.max(maxDiff, diff);
  }
  console.log(`max_abs_diff ${maxDiff} mean_ms ${meanMs}`);
}

main().catch((error) => {
  console.error(`run_onnxruntime: ${error.message}`);
  process.exit(1);
});
