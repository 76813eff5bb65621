/**
 * Explicit pipeline layouts shared by every kernel (binding 0: the uniform block at a dynamic
 * offset into the batch's arena; 1: the output; 2, 3, ...: read-only inputs; then, for kernels
 * that check their indices, one read-write flag buffer, see index-checks.ts) and a cache of bind
 * groups keyed by the buffers they bind. With the uniform offset dynamic, a bind group depends
 * only on the buffers, and the pool recycles a few buffers in loops, so most dispatches reuse
 * one (creating a bind group costs ~12 us in Dawn here, a third of a small dispatch).
 */

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE
/** Cached bind groups before the cache is emptied (they pin their buffers). */
const MAX_GROUPS = 4096;

export interface KernelLayout {
  bindGroupLayout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
}

export class BindGroupCache {
  private readonly layouts = new Map<number, KernelLayout>();
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly arena: GPUBuffer,
  ) {}

  /** The layout for kernels with `inputs` read-only storage bindings (and a flag buffer after them). */
  layout(inputs: number, flagged = false): KernelLayout {
    const key = 2 * inputs + (flagged ? 1 : 0);
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        { binding: 1, visibility: COMPUTE, buffer: { type: 'storage' } },
      ];
      for (let k = 0; k < inputs; k++) {
        entries.push({ binding: k + 2, visibility: COMPUTE, buffer: { type: 'read-only-storage' } });
      }
      if (flagged) entries.push({ binding: inputs + 2, visibility: COMPUTE, buffer: { type: 'storage' } });
      const bindGroupLayout = this.device.createBindGroupLayout({ entries });
      const pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
      l = { bindGroupLayout, pipelineLayout };
      this.layouts.set(key, l);
    }
    return l;
  }

  private id(b: GPUBuffer): number {
    let i = this.ids.get(b);
    if (i === undefined) {
      i = this.nextId++;
      this.ids.set(b, i);
    }
    return i;
  }

  /** A bind group for `output` and `inputs` (and `flags`) with a uniform window of `metaBytes`. */
  group(metaBytes: number, output: GPUBuffer, inputs: readonly GPUBuffer[], flags?: GPUBuffer): GPUBindGroup {
    let key = `${metaBytes}:${this.id(output)}`;
    for (const b of inputs) key += `,${this.id(b)}`;
    if (flags) key += `|${this.id(flags)}`;
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= MAX_GROUPS) this.groups.clear();
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: this.arena, offset: 0, size: metaBytes } },
        { binding: 1, resource: { buffer: output } },
      ];
      inputs.forEach((buffer, k) => {
        entries.push({ binding: k + 2, resource: { buffer } });
      });
      if (flags) entries.push({ binding: inputs.length + 2, resource: { buffer: flags } });
      const layout = this.layout(inputs.length, flags !== undefined).bindGroupLayout;
      g = this.device.createBindGroup({ layout, entries });
      this.groups.set(key, g);
    }
    return g;
  }

  /** Forgets every bind group (call when a buffer is destroyed: its groups became invalid). */
  clear(): void {
    this.groups.clear();
  }
}
