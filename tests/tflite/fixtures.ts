// Test fixtures built by hand with the generated flatbuffer builders.
import * as flatbuffers from 'flatbuffers';
import { Model } from '../../src/tflite/generated/tflite/model.js';
import { SubGraph } from '../../src/tflite/generated/tflite/sub-graph.js';
import { Tensor as TflTensor } from '../../src/tflite/generated/tflite/tensor.js';
import { Operator as TflOperator } from '../../src/tflite/generated/tflite/operator.js';
import { OperatorCode } from '../../src/tflite/generated/tflite/operator-code.js';

/** A valid file whose one operator is DEPTH_TO_SPACE (builtin code 5), which tinyforge does not support. */
export function unknownOpModel(): Uint8Array {
  const b = new flatbuffers.Builder(256);
  const tensors = [0, 1].map(() => {
    const shape = TflTensor.createShapeVector(b, [1, 2, 2, 4]);
    TflTensor.startTensor(b);
    TflTensor.addShape(b, shape);
    TflTensor.addType(b, 9);
    return TflTensor.endTensor(b);
  });
  const ins = TflOperator.createInputsVector(b, [0]);
  const outs = TflOperator.createOutputsVector(b, [1]);
  TflOperator.startOperator(b);
  TflOperator.addInputs(b, ins);
  TflOperator.addOutputs(b, outs);
  const op = TflOperator.endOperator(b);
  const tv = SubGraph.createTensorsVector(b, tensors);
  const ov = SubGraph.createOperatorsVector(b, [op]);
  SubGraph.startSubGraph(b);
  SubGraph.addTensors(b, tv);
  SubGraph.addOperators(b, ov);
  const sg = SubGraph.endSubGraph(b);
  OperatorCode.startOperatorCode(b);
  OperatorCode.addDeprecatedBuiltinCode(b, 5);
  OperatorCode.addBuiltinCode(b, 5);
  const oc = OperatorCode.endOperatorCode(b);
  const ocs = Model.createOperatorCodesVector(b, [oc]);
  const sgs = Model.createSubgraphsVector(b, [sg]);
  Model.startModel(b);
  Model.addVersion(b, 3);
  Model.addOperatorCodes(b, ocs);
  Model.addSubgraphs(b, sgs);
  Model.finishModelBuffer(b, Model.endModel(b));
  return b.asUint8Array().slice();
}
