/**
 * Colours of the graph view: VS Code's theme variables for everything around the ops,
 * and one fixed colour per operator category (as Netron does) for the ops themselves.
 */

/** VS Code's theme kinds, from the class it puts on the webview's body. */
export type ThemeKind = 'dark' | 'light' | 'hcDark' | 'hcLight';

export interface Theme {
  kind: ThemeKind;
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
  /** High-contrast themes only: the outline every box gets (`contrastBorder`). */
  contrastBorder?: string;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

/** `#rgb`, `#rrggbb` or `#rrggbbaa` without its alpha; other colour syntaxes as given. */
export function opaque(color: string): string {
  const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (!m) return color;
  const hex = m[1];
  return hex.length <= 4 ? `#${hex.slice(0, 3)}` : `#${hex.slice(0, 6)}`;
}

function rgbOf(color: string): [number, number, number] | undefined {
  const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (!m) return undefined;
  const hex = m[1].length <= 4 ? [...m[1].slice(0, 3)].map((c) => c + c).join('') : m[1].slice(0, 6);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * `color`, moved toward black or white (whichever is further from `background`) just
 * enough to stand `ratio`:1 against it (WCAG's 3:1 for graphics). Only hex colours are
 * adjusted; others are returned as given.
 */
export function withContrast(color: string, background: string, ratio: number): string {
  const c = rgbOf(color), bg = rgbOf(background);
  if (!c || !bg || contrast(c, bg) >= ratio) return color;
  const target = luminance(bg) > 0.18 ? 0 : 255;
  for (let t = 0.05; t <= 1; t += 0.05) {
    const mixed = c.map((v) => Math.round(v + (target - v) * t)) as [number, number, number];
    if (contrast(mixed, bg) >= ratio) return `#${mixed.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  }
  return target ? '#ffffff' : '#000000';
}

function themeKind(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'hcLight';
  if (c.contains('vscode-high-contrast')) return 'hcDark';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): Theme {
  const s = getComputedStyle(document.body);
  const family = cssVar(s, '--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif');
  const kind = themeKind(document.body);
  const contrastBorder = cssVar(s, '--vscode-contrastBorder', '');
  const background = cssVar(s, '--vscode-editor-background', '#1e1e1e');
  // Lines and rings are graphics: at least 3:1 against the background.
  const graphic = (color: string) => withContrast(opaque(color), background, 3);
  return {
    kind,
    background,
    foreground: cssVar(s, '--vscode-editor-foreground', '#d4d4d4'),
    muted: cssVar(s, '--vscode-descriptionForeground', '#9d9d9d'),
    edge: graphic(cssVar(s, '--vscode-editorLineNumber-foreground', '#858585')),
    groupFill: cssVar(s, '--vscode-editorWidget-background', '#252526'),
    // Widget and panel borders are faint on purpose (e5e5e5 on white); a group's outline is all that marks it.
    groupBorder: withContrast(opaque(cssVar(s, '--vscode-editorWidget-border', '#454545')), background, 2.5),
    frameFill: cssVar(s, '--vscode-sideBar-background', '#252526'),
    frameBorder: withContrast(opaque(cssVar(s, '--vscode-panel-border', '#80808059')), background, 1.5),
    ioFill: cssVar(s, '--vscode-badge-background', '#4d4d4d'),
    ioText: cssVar(s, '--vscode-badge-foreground', '#ffffff'),
    focus: graphic(cssVar(s, '--vscode-focusBorder', '#007fd4')),
    // The overview ruler's colour is translucent (it lies over the scrollbar); a ring needs it solid.
    highlight: graphic(cssVar(s, '--vscode-editorOverviewRuler-findMatchForeground', '#d18616')),
    ...(contrastBorder && (kind === 'hcDark' || kind === 'hcLight') ? { contrastBorder: opaque(contrastBorder) } : {}),
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

/**
 * Heat colour for a profile share in [0, 1], on a square-root scale (most ops take a few
 * percent; those should still differ). On dark backgrounds: translucent yellow to
 * near-opaque red. On light ones yellow cannot stand out from white, so the scale runs
 * from a dark orange to red, opaque, each step at least 3:1 against white.
 */
export function heatColor(share: number, kind: ThemeKind = 'dark'): string {
  const t = Math.sqrt(Math.max(0, Math.min(1, share)));
  if (kind === 'light' || kind === 'hcLight') return `hsl(${(36 - 36 * t).toFixed(0)}, 100%, ${(36 - 4 * t).toFixed(0)}%)`;
  return `hsla(${(50 - 50 * t).toFixed(0)}, 95%, 50%, ${(0.5 + 0.45 * t).toFixed(2)})`;
}
