// Greedy playback of a trainer's policy (the demo's "watch the trained agent").
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { getDevice, scratchDir } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { PolicyPlayback } from '../src/train/playback.js';
import { saveCheckpoint } from '../src/train/checkpoint.js';
import { evaluateCheckpoint } from '../src/train/evaluate.js';

describe('policy playback', () => {
  it('plays the episode a deterministic evaluation of the same policy and seed plays, one step per call', async () => {
    const dev = await getDevice();
    const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo', numEnvs: 8, numSteps: 64, totalTimesteps: 512 * 6, learningRate: 2.5e-3, seed: 3 });
    for (let i = 0; i < 6; i++) await trainer.iterate();
    const path = join(scratchDir('wgrl-play-'), 'ckpt.safetensors');
    await saveCheckpoint(trainer, path);
    const seed = 77;
    const want = await evaluateCheckpoint(dev, path, { episodes: 1, deterministic: true, seed });
    const play = new PolicyPlayback(trainer, seed);
    let frame = await play.step();
    expect(frame.steps).toBe(1);
    expect(frame.state.length).toBe(4);
    let steps = 1;
    while (frame.episodes === 0 && steps < 600) {
      const before = frame.episodeReturn;
      frame = await play.step();
      steps++;
      // CartPole pays 1 per step: the running return counts the steps (until the episode ends and resets).
      if (frame.episodes === 0) expect(frame.episodeReturn).toBe(before + 1);
    }
    expect(frame.episodes).toBe(1);
    expect(frame.lastReturn).toBe(want.returns[0]);
    expect(steps).toBe(want.lengths[0]);
    // The next episode has started from a reset.
    expect(frame.steps).toBe(0);
    play.destroy();
    // Training goes on unaffected by the playback buffers being gone.
    await trainer.iterate();
  }, 120_000);
});
