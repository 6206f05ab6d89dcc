// Training behaviour pinned by a fixture: short runs of every algorithm on CartPole-v1 and
// Pendulum-v1 with a fixed seed, their per-iteration metrics and a digest of the final
// parameters. The fixture was recorded before the training loop became an engine running
// algorithm modules; the same runs must still give the same numbers to the last bit.
// Re-record (only when a change of behaviour is intended, and say why in the commit):
//   WGRL_RECORD_FIXTURE=1 npx vitest run test/behaviour.test.ts
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDevice } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import type { TrainConfig } from '../src/train/config.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'behaviour.json');
const RECORD = process.env.WGRL_RECORD_FIXTURE === '1';

/** The pinned runs: every algorithm on one discrete and one continuous task. */
export const BEHAVIOUR_RUNS: Record<string, Partial<TrainConfig>> = {};
for (const algo of ['ppo', 'ppo-kl', 'spo', 'spo-kl', 'a2c'] as const) {
  BEHAVIOUR_RUNS[`CartPole-v1 ${algo}`] = { env: 'CartPole-v1', algo, seed: 7, numEnvs: 8, numSteps: 32, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 256 * 3 };
  BEHAVIOUR_RUNS[`Pendulum-v1 ${algo}`] = { env: 'Pendulum-v1', algo, seed: 7, numEnvs: 2, numSteps: 64, numMinibatches: 4, updateEpochs: 2, totalTimesteps: 128 * 3 };
}

interface Recorded { metrics: Record<string, number | null>[]; paramsSha256: string }

async function runPinned(config: Partial<TrainConfig>): Promise<Recorded> {
  const dev = await getDevice();
  const trainer = new Trainer(dev, config);
  const metrics: Record<string, number | null>[] = [];
  while (!trainer.done) {
    const m = { ...(await trainer.iterate()) } as Record<string, number | null>;
    delete m['charts/SPS'];   // wall-clock
    // NaN (explained variance of a constant return) does not survive JSON: keep it as a string marker.
    for (const [k, v] of Object.entries(m)) if (typeof v === 'number' && Number.isNaN(v)) m[k] = 'NaN' as unknown as number;
    metrics.push(m);
  }
  const params = await dev.readF32(trainer.params, trainer.layout.size);
  return { metrics, paramsSha256: createHash('sha256').update(new Uint8Array(params.buffer)).digest('hex') };
}

describe('behaviour fixture', () => {
  const fixture: Record<string, Recorded> = !RECORD && existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {};
  const recorded: Record<string, Recorded> = {};
  for (const [name, config] of Object.entries(BEHAVIOUR_RUNS)) {
    it(`${name}: metrics and final parameters equal the recorded run bit for bit`, async () => {
      const got = await runPinned(config);
      if (RECORD) { recorded[name] = got; writeFileSync(FIXTURE, JSON.stringify(recorded, null, 1) + '\n'); return; }
      const want = fixture[name];
      expect(want, `no recorded run '${name}' in ${FIXTURE}`).toBeDefined();
      expect(got.metrics.length).toBe(want.metrics.length);
      for (let i = 0; i < want.metrics.length; i++) {
        // Every recorded metric, compared exactly (JSON keeps f64 values exactly).
        for (const [k, v] of Object.entries(want.metrics[i])) expect(got.metrics[i][k], `${name} iteration ${i + 1} ${k}`).toBe(v);
      }
      expect(got.paramsSha256, `${name} final parameters`).toBe(want.paramsSha256);
    });
  }
});
