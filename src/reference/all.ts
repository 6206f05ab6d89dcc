// f64 CPU references of every kernel family, for users' own checks.
export * from './matmul.js';
export * from './distributions.js';
export * from './objectives.js';
export * from './gae.js';
export * from './adam.js';
export * from './rng.js';
export * from './mlp.js';
export * from './fvp.js';
export * from './cg.js';
