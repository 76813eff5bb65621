/** Every composite op, re-exported for tensor.ts and the public index. */
export * from './activations.js';
export * from './elementwise.js';
export * from './io.js';
export * from './linalg.js';
export * from './movement.js';
export * from './nn-functional.js';
export * from './norms.js';
export * from './predicates.js';
export * from './reductions.js';
export * from './rounding.js';
export * from './scan.js';
export * from './sort.js';
export * from './split.js';
export * from './svd.js';
