/** Every composite op, re-exported for tensor.ts and the public index. */
export * from './activations.js';
export * from './elementwise.js';
export * from './io.js';
export * from './linalg.js';
export * from './movement.js';
export * from './nn-functional.js';
export * from './reductions.js';
export * from './svd.js';
