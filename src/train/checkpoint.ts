// Checkpoint files in Node. Writes go to a temporary file that is renamed over the target: a
// crash never leaves a half-written checkpoint. The format itself is in checkpoint_format.ts.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, unlinkSync, existsSync } from 'node:fs';
import type { Trainer } from './trainer.js';
import { onFile } from '../errors.js';
import { checkpointBytes, parseCheckpoint, CheckpointError, type CheckpointMeta, type RunRecord } from './checkpoint_format.js';

export * from './checkpoint_format.js';

/** Writes `bytes` to `path` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  onFile(path, 'write', () => writeAtomic(path, bytes));
}

function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
    fsyncSync(fd);
  } finally { closeSync(fd); }
  try { renameSync(tmp, path); } catch (e) { if (existsSync(tmp)) unlinkSync(tmp); throw e; }
}

/** Reads the trainer's GPU state and writes a checkpoint. */
export async function saveCheckpoint(trainer: Trainer, path: string, run?: RunRecord): Promise<void> {
  writeFileAtomic(path, await checkpointBytes(trainer, run));
}

export function readCheckpoint(path: string): { meta: CheckpointMeta; tensors: Map<string, Float32Array> } {
  if (!existsSync(path)) throw new CheckpointError(`no checkpoint at ${path}`);
  return parseCheckpoint(new Uint8Array(onFile(path, 'read the checkpoint', () => readFileSync(path))), path);
}
