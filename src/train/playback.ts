// Greedy playback of a trainer's current policy, one environment step per call, for watching a
// trained agent (the demo animates it). It shares the trainer's parameter buffer (read only)
// and owns one environment, so training and playback can interleave on one device.
import type { Trainer } from './trainer.js';
import { Rollout } from './rollout.js';

/** shaders/rollout.wgsl's env_book: four f32 per environment for the episode in progress. */
const EPISODE_BOOK = { steps: 0, return: 1, discountedReturn: 2 } as const;

export interface PlaybackFrame {
  /** The environment's state after this step (EnvSpec.stateDim values, as the renderers take). */
  state: Float32Array;
  /** Steps taken in the current episode. */
  steps: number;
  /** Sum of rewards in the current episode so far. */
  episodeReturn: number;
  /** Episodes finished since playback started, and the return of the last one. */
  episodes: number;
  lastReturn: number | null;
}

export class PolicyPlayback {
  private readonly rollout: Rollout;
  private stepCount = 0;
  private episodes = 0;
  private lastReturn: number | null = null;

  constructor(readonly trainer: Trainer, seed = trainer.config.seed + 2000) {
    if (trainer.jsRollout) throw new Error('playback runs GPU environments; a JS environment is stepped by its own code, so play it back there');
    const c = trainer.config;
    this.rollout = new Rollout(trainer.dev, trainer.env, trainer.layout, trainer.params, {
      N: 1, T: 1, seed: seed >>> 0, bootstrapTruncation: false, obsNorm: c.normObs, rewardNorm: false, gamma: c.gamma,
      activation: c.activation, deterministic: true, logCapacity: 1, values: 'none',
    });
    trainer.dev.submitEncoder('playback reset', (enc) => {
      const pass = enc.beginComputePass();
      this.rollout.resetKernel.encode(pass);
      pass.end();
    });
  }

  /** One greedy step of the policy as it is now (with the trainer's current normalisation statistics). */
  async step(): Promise<PlaybackFrame> {
    const ro = this.rollout, dev = this.trainer.dev, train = this.trainer.rollout;
    ro.setCounterBase(this.stepCount++);
    dev.submitEncoder('playback step', (enc) => {
      if (this.trainer.config.normObs) enc.copyBufferToBuffer(train.normStats, 0, ro.normStats, 0, ro.normStats.size);
      ro.clearEpisodeLog(enc);
      const pass = enc.beginComputePass();
      ro.rolloutKernel.encode(pass);
      pass.end();
    });
    const [state, book, log] = await Promise.all([dev.readF32(ro.envState), dev.readF32(ro.envBook, 4), dev.read(ro.episodes)]);
    const ended = Rollout.decodeEpisodes(log, 0, ro.logCapacity);
    if (ended.count > 0) { this.episodes += ended.count; this.lastReturn = ended.returns[0]; }
    return { state: state.slice(0, this.trainer.env.stateDim), steps: book[EPISODE_BOOK.steps], episodeReturn: book[EPISODE_BOOK.return], episodes: this.episodes, lastReturn: this.lastReturn };
  }

  destroy(): void {
    this.rollout.destroy();
  }
}
