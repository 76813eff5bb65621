/**
 * Benchmark entry point: `node bench/dist/run.js <name> [args...]` (or `pnpm bench <name>` at the
 * root, which builds first). Each benchmark is a module with `main(args)` that prints its tables
 * and writes them to bench/results/; modules load lazily so one benchmark's peers (WebGPU, WASM)
 * are never initialised by another. Register a new benchmark with one line in BENCHMARKS.
 */

interface Benchmark {
  describe: string;
  load: () => Promise<{ main: (args: string[]) => Promise<void> }>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  peak: {
    describe: 'WebAssembly SIMD128 peak GFLOP/s: mul+add stream on 1 and 2 cores, matmul micro-kernel in L1',
    load: () => import('./peak.js'),
  },
  matmul: { describe: 'float32 matmul GFLOP/s, webgrad CPU vs tfjs cpu/wasm', load: () => import('./matmul.js') },
  elementwise: {
    describe: 'elementwise chain, reductions, broadcast add vs tfjs cpu',
    load: () => import('./elementwise.js'),
  },
  overhead: {
    describe: 'tiny-op overhead (ops/s), with/without autograd, vs tfjs cpu',
    load: () => import('./overhead.js'),
  },
  abba: { describe: 'one adapted layer fwd+bwd: ABBA fused/plain/naive vs LoRA', load: () => import('./abba.js') },
  webgpu: {
    describe: 'WebGPU matmul, elementwise, dispatch overhead vs tfjs-webgpu',
    load: () => import('./webgpu.js'),
  },
  training: {
    describe: 'training steps (MLP, tiny and wide GPT): webgrad vs tfjs cpu/wasm vs jax-js eager/jit',
    load: () => import('./training.js'),
  },
  transforms: {
    describe: 'per-example MLP gradients: vmap(grad) vs a loop of grad vs jax-js jit(vmap(grad))',
    load: () => import('./transforms.js'),
  },
  profile: {
    describe: 'where a webgrad training step spends its time: phases, dispatches, CPU profile by part',
    load: () => import('./profile-step.js'),
  },
  hessian: {
    describe: 'Hessians: forward-over-reverse vs reverse-over-reverse vs n^2 forward, vs jax-js',
    load: () => import('./hessian.js'),
  },
};

function usage(): void {
  console.log('usage: node bench/dist/run.js <name> [args...]\n');
  for (const [name, b] of Object.entries(BENCHMARKS)) console.log(`  ${name.padEnd(14)} ${b.describe}`);
}

async function run(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const bench = name === undefined ? undefined : BENCHMARKS[name];
  if (!bench) {
    if (name !== undefined && name !== '--help') console.log(`unknown benchmark '${name}'\n`);
    usage();
    process.exitCode = name === undefined || name === '--help' ? 0 : 1;
    return;
  }
  const mod = await bench.load();
  await mod.main(args);
}

await run();
