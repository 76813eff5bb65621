/**
 * A small WebAssembly module builder: kernel generators describe functions with the methods of
 * `Code`, and `ModuleBuilder.emit()` lays out the binary format (WebAssembly core spec 2.0,
 * chapter 5 "Binary Format"). Only what our kernels need: one imported memory, functions with
 * locals, exports, structured control flow, scalar and SIMD128 arithmetic.
 *
 * @example
 *   const m = new ModuleBuilder({ shared: false });
 *   m.func('twice', ['f64'], ['f64'], (c) => c.get(0).get(0).op(OP.f64Add));
 *   const { exports } = await WebAssembly.instantiate(m.emit(), { env: { memory } });
 */
import { BLOCK_VOID, OP, SIMD, VALTYPE, type ValType } from './opcodes.js';

// ---- LEB128 and constants (spec 5.2.2: integers are variable-length, little-endian base 128) ----

export function unsignedLeb(value: number, out: number[] = []): number[] {
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

export function signedLeb(value: number, out: number[] = []): number[] {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7; // arithmetic shift keeps the sign
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function floatBytes(value: number, bytes: 4 | 8): number[] {
  const buf = new DataView(new ArrayBuffer(bytes));
  if (bytes === 4) buf.setFloat32(0, value, true);
  else buf.setFloat64(0, value, true);
  return Array.from(new Uint8Array(buf.buffer));
}

/** A name (spec 5.2.4): its UTF-8 byte length, then the bytes. */
function nameBytes(name: string): number[] {
  const utf8 = Array.from(new TextEncoder().encode(name));
  return [...unsignedLeb(utf8.length), ...utf8];
}

/** A vector (spec 5.1.3): its length, then the items. */
function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

// ---- function bodies ----------------------------------------------------------------------------

/** The instructions of one function. Parameters are locals 0..n-1; `local()` adds more. */
export class Code {
  readonly bytes: number[] = [];
  private readonly extraLocals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** A fresh local of `type`; returns its index. */
  local(type: ValType): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  /** A plain one-byte instruction. */
  op(code: number): this {
    this.bytes.push(code);
    return this;
  }

  /** A SIMD instruction: the 0xfd prefix, then its number as LEB128. */
  simd(code: number): this {
    this.bytes.push(0xfd);
    unsignedLeb(code, this.bytes);
    return this;
  }

  /** `local.get`: pushes local `index` (a parameter or a `local()`). */
  get(index: number): this {
    this.bytes.push(OP.localGet);
    unsignedLeb(index, this.bytes);
    return this;
  }

  /** `local.set`: pops the top of the stack into local `index`. */
  set(index: number): this {
    this.bytes.push(OP.localSet);
    unsignedLeb(index, this.bytes);
    return this;
  }

  /** `local.tee`: stores the top of the stack into local `index` and keeps it on the stack. */
  tee(index: number): this {
    this.bytes.push(OP.localTee);
    unsignedLeb(index, this.bytes);
    return this;
  }

  /** `i32.const value`. */
  i32(value: number): this {
    this.bytes.push(OP.i32Const);
    signedLeb(value, this.bytes);
    return this;
  }

  /** `f32.const value` (rounded to float32). */
  f32(value: number): this {
    this.bytes.push(OP.f32Const, ...floatBytes(value, 4));
    return this;
  }

  /** `f64.const value`. */
  f64(value: number): this {
    this.bytes.push(OP.f64Const, ...floatBytes(value, 8));
    return this;
  }

  /**
   * A load or store (plain or SIMD) with its memarg (spec 5.4.6): alignment as log2 of bytes (a
   * hint only) and a constant byte offset added to the address operand.
   */
  mem(code: number, offset = 0, alignLog2 = 0, simd = false): this {
    if (simd) this.simd(code);
    else this.bytes.push(code);
    unsignedLeb(alignLog2, this.bytes);
    unsignedLeb(offset, this.bytes);
    return this;
  }

  /** `v128.load` / `v128.store` at address + offset. */
  v128Load(offset = 0): this {
    return this.mem(SIMD.v128Load, offset, 0, true);
  }

  /** `v128.store` of the top vector at (the address below it) + offset. */
  v128Store(offset = 0): this {
    return this.mem(SIMD.v128Store, offset, 0, true);
  }

  /** A lane index immediate (extract_lane / replace_lane). */
  lane(code: number, lane: number): this {
    this.simd(code);
    this.bytes.push(lane);
    return this;
  }

  /** `block ... end` (a `br` to it jumps past its end). */
  block(body: () => void): this {
    this.bytes.push(OP.block, BLOCK_VOID);
    body();
    this.bytes.push(OP.end);
    return this;
  }

  /** `loop ... end` (a `br` to it jumps back to its start). */
  loop(body: () => void): this {
    this.bytes.push(OP.loop, BLOCK_VOID);
    body();
    this.bytes.push(OP.end);
    return this;
  }

  /**
   * `if ... (else ...) end`, consuming an i32 condition already on the stack; with `result`, both
   * arms leave one value of that type (an expression-valued if).
   */
  ifThen(then: () => void, otherwise?: () => void, result?: ValType): this {
    this.bytes.push(OP.if, result === undefined ? BLOCK_VOID : VALTYPE[result]);
    then();
    if (otherwise) {
      this.bytes.push(OP.else);
      otherwise();
    }
    this.bytes.push(OP.end);
    return this;
  }

  /** Calls function `index` of this module (arguments already on the stack). */
  call(index: number): this {
    this.bytes.push(OP.call);
    unsignedLeb(index, this.bytes);
    return this;
  }

  /** `br depth`: jumps to the end of the enclosing block `depth` levels out (or the start of a loop). */
  br(depth: number): this {
    this.bytes.push(OP.br);
    unsignedLeb(depth, this.bytes);
    return this;
  }

  /** `br_if depth`: pops an i32 and branches as `br` when it is non-zero. */
  brIf(depth: number): this {
    this.bytes.push(OP.brIf);
    unsignedLeb(depth, this.bytes);
    return this;
  }

  /**
   * `for (i = start; i < end; i += step) body()` over i32 locals/constants, as
   * block { loop { br_if (i >= end) 1; body; i += step; br 0 } }. Directly inside `body`,
   * `br(1)` leaves the loop.
   */
  forRange(i: number, start: () => void, end: () => void, step: number, body: () => void): this {
    start();
    this.set(i);
    return this.block(() =>
      this.loop(() => {
        this.get(i);
        end();
        this.op(OP.i32GeS).brIf(1);
        body();
        this.get(i).i32(step).op(OP.i32Add).set(i).br(0);
      }),
    );
  }

  /** Locals grouped by type as the code section wants them (spec 5.5.13). */
  localDeclarations(): number[][] {
    const groups: number[][] = [];
    let i = 0;
    while (i < this.extraLocals.length) {
      const type = this.extraLocals[i] as ValType;
      let n = 0;
      while (this.extraLocals[i + n] === type) n++;
      groups.push([...unsignedLeb(n), VALTYPE[type]]);
      i += n;
    }
    return groups;
  }
}

// ---- modules ------------------------------------------------------------------------------------

interface FuncDef {
  name: string;
  typeIndex: number;
  code: Code;
  exported: boolean;
}

/**
 * The one memory a module imports, as `env.memory`; its limits must match the
 * `WebAssembly.Memory` passed at instantiation.
 * @example
 *   const m = new ModuleBuilder({ shared: true, minPages: 16, maxPages: 1024 });
 *   const memory = new WebAssembly.Memory({ initial: 16, maximum: 1024, shared: true });
 */
export interface MemoryImport {
  /** A shared memory (threads) must declare its maximum; a private one may. */
  shared: boolean;
  /** Pages of 64 KiB. */
  minPages?: number;
  maxPages?: number;
}

/** One module: imports `env.memory`, holds functions, exports those marked so. */
export class ModuleBuilder {
  private readonly types: number[][] = [];
  private readonly typeKeys = new Map<string, number>();
  private readonly funcs: FuncDef[] = [];

  constructor(readonly memory: MemoryImport) {}

  /**
   * Adds a function; `body` writes its instructions. Returns its index, for `call` from later
   * functions. Exported under `name` unless `exported` is false.
   */
  func(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
    body: (c: Code) => void,
    exported = true,
  ): number {
    const code = new Code(params);
    body(code);
    this.funcs.push({ name, typeIndex: this.typeIndex(params, results), code, exported });
    return this.funcs.length - 1;
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    const known = this.typeKeys.get(key);
    if (known !== undefined) return known;
    // A function type (spec 5.3.6): 0x60, parameter types, result types.
    this.types.push([0x60, ...vector(params.map((p) => [VALTYPE[p]])), ...vector(results.map((r) => [VALTYPE[r]]))]);
    this.typeKeys.set(key, this.types.length - 1);
    return this.types.length - 1;
  }

  /** The module's bytes (spec 5.5: magic, version, then sections in id order). */
  emit(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1
    const section = (id: number, payload: number[]) => {
      out.push(id, ...unsignedLeb(payload.length));
      for (const b of payload) out.push(b); // no spread: bodies can exceed the argument limit
    };

    // Type section (1): the distinct signatures.
    section(1, vector(this.types));

    // Import section (2): env.memory. Limits flag 0 = min only, 1 = min and max, 3 = shared (max required).
    const { shared, minPages = 1, maxPages } = this.memory;
    const limits =
      shared || maxPages !== undefined
        ? [shared ? 0x03 : 0x01, ...unsignedLeb(minPages), ...unsignedLeb(maxPages ?? minPages)]
        : [0x00, ...unsignedLeb(minPages)];
    section(2, vector([[...nameBytes('env'), ...nameBytes('memory'), 0x02, ...limits]]));

    // Function section (3): each function's type index; bodies come later, in the code section.
    section(3, vector(this.funcs.map((f) => unsignedLeb(f.typeIndex))));

    // Export section (7): name, kind 0x00 (function), function index (imports hold no functions).
    const exported = this.funcs.map((f, i) => ({ f, i })).filter(({ f }) => f.exported);
    section(7, vector(exported.map(({ f, i }) => [...nameBytes(f.name), 0x00, ...unsignedLeb(i)])));

    // Code section (10): per function, its byte size, local declarations, instructions, `end`.
    const bodies = this.funcs.map(({ code }) => {
      const body = [...vector(code.localDeclarations()), ...code.bytes, OP.end];
      return [...unsignedLeb(body.length), ...body];
    });
    section(10, vector(bodies));
    return new Uint8Array(out);
  }
}
