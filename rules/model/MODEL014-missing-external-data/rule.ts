import { defineRule } from '../../../server/src/engine/rule';
import { forEachGraph } from '../../../server/src/onnx/summary';
import { checkExternalData } from '../../../server/src/onnx/tensor-data';

export default defineRule({
  target: 'onnx',
  meta: {
    id: 'MODEL014',
    name: 'missing-external-data',
    family: 'MODEL',
    severity: 'error',
    practice: 'P9',
    languages: ['onnx'],
    summary: 'A tensor stored as external data points to a file that is missing, outside the model\'s folder, or too short.',
    provenance: ['onnx.load_external_data_for_model', 'onnx.checker (external data path checks)'],
    fix: 'none',
    docs: {
      what: 'For every initializer with `data_location: EXTERNAL`, resolves its `location` relative to the model\'s folder and checks that the file exists inside that folder (absolute paths, `..` and symlinks leading out are refused) and holds `offset + length` bytes.',
      why: 'Models over 2 GB, and many exported with save_as_external_data, keep their weights in side files. Copying only the .onnx (or renaming the data file) leaves a model that fails at load time; a location that leaves the folder lets a model file make the loader read arbitrary files.',
      example: 'onnx.save_model(model, "out/model.onnx", save_as_external_data=True, location="model.data")\nshutil.copy("out/model.onnx", "deploy/")   # model.data left behind\n',
      useInstead: 'shutil.copytree("out", "deploy/model")   # the .onnx and its data files travel together\n',
      references: ['https://onnx.ai/onnx/repo-docs/ExternalData.html'],
    },
  },
  check(ctx) {
    forEachGraph(ctx.model, (graph, where) => {
      for (const tensor of graph.initializer) {
        const problem = checkExternalData(ctx.model, tensor);
        if (problem) ctx.reportModel(`${where}: initializer '${tensor.name}': ${problem}`);
      }
    });
  },
});
