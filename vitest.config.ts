import { defineConfig } from 'vitest/config';

// One project per package, plus `webgpu`: every packages/*/test/webgpu/** suite, run against a real
// adapter (lavapipe in CI) after its setup file has initialised the device. Tests import packages
// by name; the `source` export condition points them at src/ so the suite needs no build step.
const WEBGPU_TESTS = 'packages/*/test/webgpu/**/*.test.ts';

// Kernel outputs that skip the zero fill (packages/tensor/src/kernel-outputs.ts) are poisoned with
// NaN or a sentinel in the tensor and autograd suites, so a kernel that leaves an element unwritten
// fails the tests that read it instead of passing on a lucky zero.
const POISON = { WEBGRAD_POISON_OUTPUTS: '1' };

const pkg = (name: string, env?: Record<string, string>) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/test/**/*.test.ts`], exclude: [WEBGPU_TESTS], ...(env && { env }) },
});

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    testTimeout: 120_000,
    projects: [
      pkg('tensor', POISON),
      pkg('autograd', POISON),
      pkg('nn'),
      pkg('abba'),
      // The CPU-backend suites again on the readable TypeScript kernels (the default runs use the
      // generated wasm kernels where the engine has SIMD128 and shared memory).
      {
        extends: true,
        test: {
          name: 'cpu-ts-kernels',
          include: ['packages/tensor/test/**/*.test.ts', 'packages/autograd/test/**/*.test.ts'],
          exclude: [WEBGPU_TESTS],
          env: { WEBGRAD_CPU_KERNELS: 'ts', ...POISON },
        },
      },
      { extends: true, test: { name: 'examples', include: ['examples/test/**/*.test.ts'] } },
      // Files checked against the real Python libraries (torch, safetensors, PEFT, transformers) in
      // the environment scripts/setup-python.sh makes; skipped without it, except under CI=true.
      { extends: true, test: { name: 'interop', include: ['interop/test/**/*.test.ts'], fileParallelism: false } },
      {
        extends: true,
        test: {
          name: 'webgpu',
          include: [WEBGPU_TESTS],
          setupFiles: ['packages/tensor/test/webgpu/setup.ts'],
          // One device per worker process; Dawn is not re-entrant across many forks on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
