#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (CPU) on inputs from a JSON file and writes the outputs as JSON.
//
//   node run.js job.json result.json
//
// job.json:    { "model": "path/to/model.onnx",
//                "inputs": { "<name>": { "type": "float32" | "int32" | "int64" | "bool",
//                                        "dims": [2, 3], "data": [ ...row-major values... ] } } }
// result.json: { "outputs": { "<name>": { "type": "float32", "dims": [2, 4], "data": [ ... ] } },
//                "inputNames": [...], "outputNames": [...] }
// On failure the message goes to stderr and the exit code is 1.
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

const ARRAYS = {
  float32: Float32Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

function toTensor(name, spec) {
  const Ctor = ARRAYS[spec.type];
  if (!Ctor) throw new Error(`input '${name}': unsupported type '${spec.type}'`);
  const data = spec.type === 'int64' ? Ctor.from(spec.data, (v) => BigInt(v)) : Ctor.from(spec.data, (v) => (spec.type === 'bool' ? (v ? 1 : 0) : v));
  const size = spec.dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`input '${name}': ${data.length} values for dims [${spec.dims}]`);
  return new ort.Tensor(spec.type, data, spec.dims);
}

function fromTensor(t) {
  let data;
  if (t.type === 'int64') data = Array.from(t.data, (v) => Number(v));
  else if (t.type === 'bool') data = Array.from(t.data, (v) => (v ? 1 : 0));
  else data = Array.from(t.data);
  return { type: t.type, dims: Array.from(t.dims), data };
}

async function main() {
  const [jobPath, resultPath] = process.argv.slice(2);
  if (!jobPath || !resultPath) throw new Error('usage: node run.js job.json result.json');
  const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
  const session = await ort.InferenceSession.create(job.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const feeds = {};
  for (const [name, spec] of Object.entries(job.inputs)) feeds[name] = toTensor(name, spec);
  const results = await session.run(feeds);
  const outputs = {};
  for (const name of session.outputNames) outputs[name] = fromTensor(results[name]);
  fs.writeFileSync(resultPath, JSON.stringify({ outputs, inputNames: session.inputNames, outputNames: session.outputNames }));
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
