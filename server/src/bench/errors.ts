/** Benchmark failures: a kind, a message that says what to do, and onnxruntime's own words. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchErrorInfo, BenchErrorKind, DimensionHint } from '../../../protocol/bench';

export class BenchError extends Error {
  override readonly name = 'BenchError';
  constructor(
    readonly kind: BenchErrorKind,
    message: string,
    readonly detail?: string,
    readonly dims?: DimensionHint[],
  ) {
    super(message);
  }

  toInfo(): BenchErrorInfo {
    const info: BenchErrorInfo = { kind: this.kind, message: this.message };
    if (this.detail) info.detail = this.detail;
    if (this.dims) info.dims = this.dims;
    return info;
  }

  static fromInfo(info: BenchErrorInfo): BenchError {
    return new BenchError(info.kind, info.message, info.detail, info.dims);
  }
}

/** Provider libraries that onnxruntime-node's install step downloads (linux x64, `cuda12`). */
const PROVIDER_LIBRARIES: Record<string, string[]> = {
  cuda: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
  tensorrt: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so', 'libonnxruntime_providers_cuda.so'],
};

/**
 * Says exactly why a requested execution provider could not load and how to get it.
 * `binDir` is onnxruntime-node's native folder (bin/napi-v6/<platform>/<arch>).
 */
export function explainProviderFailure(provider: string, ortMessage: string, binDir: string | undefined): BenchError {
  const platform = `${process.platform}/${process.arch}`;
  const lead = `The '${provider}' execution provider is not available, so nothing was measured (onnxruntime has no fallback, and ML Hygiene never measures on the CPU instead).`;
  if (/backend not found|no available backend/i.test(ortMessage)) {
    const where = provider === 'dml' ? 'DirectML is in the Windows build only' : provider === 'coreml' ? 'CoreML is in the macOS build only' : `onnxruntime-node has no '${provider}' backend`;
    return new BenchError('providerUnavailable', `${lead} ${where}; this is ${platform}. Use --provider cpu (or webgpu/cuda where available).`, ortMessage);
  }
  if (provider === 'webgpu') {
    return new BenchError(
      'providerUnavailable',
      `${lead} WebGPU is bundled in onnxruntime-node's linux x64 build but needs a GPU adapter through a working Vulkan driver, and none was found. Install the GPU's Vulkan driver (NVIDIA's driver with libvulkan, or Debian's mesa-vulkan-drivers); \`vulkaninfo --summary\` must list a GPU.`,
      ortMessage,
    );
  }
  if (provider === 'cuda' || provider === 'tensorrt') {
    if (platform !== 'linux/x64' && platform !== 'win32/x64')
      return new BenchError('providerUnavailable', `${lead} onnxruntime-node ships ${provider} for linux x64 and Windows x64 only; this is ${platform}.`, ortMessage);
    const missing = binDir ? (PROVIDER_LIBRARIES[provider] ?? []).filter((f) => !fs.existsSync(path.join(binDir, process.platform === 'win32' ? f.replace(/^lib/, '').replace(/\.so$/, '.dll') : f))) : [];
    if (missing.length) {
      return new BenchError(
        'providerUnavailable',
        `${lead} The ${provider} provider libraries are not installed: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing from ${binDir}. ` +
          `onnxruntime-node's install step downloads them (package Microsoft.ML.OnnxRuntime.Gpu.Linux from nuget.org) but it was skipped (\`onnxruntime-node-install=skip\` in .npmrc, or an extension installed from a .vsix, which never runs it). ` +
          `Get them with \`npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12\`; they also need CUDA 12 and cuDNN 9${provider === 'tensorrt' ? ' and TensorRT 10' : ''} on the library path.`,
        ortMessage,
      );
    }
    return new BenchError(
      'providerUnavailable',
      `${lead} The ${provider} provider libraries are installed in ${binDir ?? 'onnxruntime-node'} but failed to load: usually CUDA 12 (libcudart.so.12, libcublas.so.12) or cuDNN 9 (libcudnn.so.9)${provider === 'tensorrt' ? ' or TensorRT 10 (libnvinfer.so.10)' : ''} is missing from the library path (LD_LIBRARY_PATH), or no NVIDIA driver is loaded. onnxruntime's log below names the library.`,
      ortMessage,
    );
  }
  return new BenchError('providerUnavailable', `${lead} ${ortMessage}`, ortMessage);
}
