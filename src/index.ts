/// <reference types="@webgpu/types" preserve="true" />
// wgrl's public API in Node: device acquisition (Dawn, SwiftShader fallback) plus everything
// in the browser-safe core.
export * from './core.js';
export { createNodeDevice, SWIFTSHADER_ICD, type NodeGpuOptions } from './gpu/node.js';
export { runTraining, type RunOptions, type RunSummary, type AgentSummary } from './train/run.js';
export { expandAgents, parseSeeds, parseSweep } from './train/sweep.js';
export { saveCheckpoint, readCheckpoint } from './train/checkpoint.js';
export { evaluateCheckpoint, type EvalResult } from './train/evaluate.js';
