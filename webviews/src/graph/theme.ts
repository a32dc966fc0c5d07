/**
 * Colours of the graph view: VS Code's theme variables for everything around the ops,
 * and one fixed colour per operator category (as Netron does) for the ops themselves.
 */

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  edge: string;
  groupFill: string;
  groupBorder: string;
  frameFill: string;
  frameBorder: string;
  ioFill: string;
  ioText: string;
  focus: string;
  highlight: string;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  const s = getComputedStyle(document.body);
  const family = cssVar(s, '--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif');
  return {
    background: cssVar(s, '--vscode-editor-background', '#1e1e1e'),
    foreground: cssVar(s, '--vscode-editor-foreground', '#d4d4d4'),
    muted: cssVar(s, '--vscode-descriptionForeground', '#9d9d9d'),
    edge: cssVar(s, '--vscode-editorLineNumber-foreground', '#858585'),
    groupFill: cssVar(s, '--vscode-editorWidget-background', '#252526'),
    groupBorder: cssVar(s, '--vscode-editorWidget-border', '#454545'),
    frameFill: cssVar(s, '--vscode-sideBar-background', '#252526'),
    frameBorder: cssVar(s, '--vscode-panel-border', '#80808059'),
    ioFill: cssVar(s, '--vscode-badge-background', '#4d4d4d'),
    ioText: cssVar(s, '--vscode-badge-foreground', '#ffffff'),
    focus: cssVar(s, '--vscode-focusBorder', '#007fd4'),
    highlight: cssVar(s, '--vscode-editorOverviewRuler-findMatchForeground', '#d18616'),
    font: family,
  };
}

const CATEGORY: Record<string, string[]> = {
  layer: ['Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'Gemm', 'MatMul', 'MatMulInteger', 'QLinearMatMul', 'Einsum', 'LSTM', 'GRU', 'RNN', 'Attention', 'MultiHeadAttention', 'DeformConv'],
  activation: ['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'FastGelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softmax', 'LogSoftmax', 'Softplus', 'Softsign', 'Mish', 'ThresholdedRelu', 'Clip', 'Hardmax'],
  norm: ['BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'LRN', 'RMSNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'MeanVarianceNormalization', 'LpNormalization', 'Dropout'],
  pool: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool', 'MaxRoiPool', 'RoiAlign', 'MaxUnpool'],
  shape: ['Reshape', 'Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements', 'GatherND', 'Scatter', 'ScatterElements', 'ScatterND', 'Squeeze', 'Unsqueeze', 'Flatten', 'Shape', 'Size', 'Expand', 'Tile', 'Pad', 'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'Identity', 'Cast', 'CastLike', 'Range', 'NonZero', 'Where', 'TopK', 'OneHot', 'Trilu'],
  control: ['If', 'Loop', 'Scan', 'SequenceMap'],
  constant: ['Constant', 'ConstantOfShape', 'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'EyeLike'],
  quant: ['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear'],
};

/** Fill colours per category; chosen to keep white text readable on light and dark themes. */
const CATEGORY_FILL: Record<string, string> = {
  layer: '#33598c',
  activation: '#8c3a33',
  norm: '#2f6b4a',
  pool: '#2f5f66',
  shape: '#7a5a30',
  control: '#6a4a8c',
  constant: '#555b63',
  quant: '#8c6a1f',
  math: '#4a5466',
};

const categoryOf = new Map<string, string>();
for (const [category, ops] of Object.entries(CATEGORY)) for (const op of ops) categoryOf.set(op, category);

export function opCategory(opType: string): string {
  return categoryOf.get(opType) ?? 'math';
}

export function opFill(opType: string): string {
  return CATEGORY_FILL[opCategory(opType)];
}

export const OP_TEXT = '#ffffff';

/** Heat colour for a profile share in [0, 1] (transparent yellow to opaque red). */
export function heatColor(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  const hue = 50 - 50 * t;
  return `hsla(${hue.toFixed(0)}, 95%, 50%, ${(0.35 + 0.6 * t).toFixed(2)})`;
}
