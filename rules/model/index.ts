/**
 * The MODEL rules (practice P9: a model file describes itself), run by `lintModel` over
 * decoded ONNX models.
 */
import type { ModelRule } from '../../server/src/onnx/lint';
import MODEL001 from './MODEL001-missing-producer/rule';
import MODEL002 from './MODEL002-untraceable-model/rule';
import MODEL003 from './MODEL003-undefined-value/rule';
import MODEL004 from './MODEL004-duplicate-value-definition/rule';
import MODEL005 from './MODEL005-unsorted-nodes/rule';
import MODEL006 from './MODEL006-unknown-operator/rule';
import MODEL007 from './MODEL007-unused-initializer/rule';
import MODEL008 from './MODEL008-initializer-as-graph-input/rule';
import MODEL009 from './MODEL009-unnamed-graph-io/rule';
import MODEL010 from './MODEL010-untyped-graph-io/rule';
import MODEL011 from './MODEL011-float64-weights/rule';
import MODEL012 from './MODEL012-unsupported-by-runtime/rule';
import MODEL013 from './MODEL013-non-finite-weights/rule';
import MODEL014 from './MODEL014-missing-external-data/rule';

export const modelRules: readonly ModelRule[] = [
  MODEL001, MODEL002, MODEL003, MODEL004, MODEL005, MODEL006, MODEL007,
  MODEL008, MODEL009, MODEL010, MODEL011, MODEL012, MODEL013, MODEL014,
];
