// The metrics wgrl logs, as figures name them (no plotting code here: the CLI's help reads it).

/** What a logged metric is called on a figure's axis, with its unit. */
export interface MetricInfo {
  field: string;
  title: string;
  /** Draw the task's reward threshold. */
  threshold?: boolean;
  /** Already a mean over many episodes (and for evaluations, logged only every N iterations): drawn as is, not smoothed. */
  unsmoothed?: boolean;
}

/** Short names accepted by --metrics, and the axis title of each; any other logged field may be named in full. */
export const METRICS: Record<string, MetricInfo> = {
  return: { field: 'charts/episodic_return', title: 'episodic return (sum of rewards)', threshold: true },
  return_100: { field: 'charts/mean_return_100', title: 'mean return of the last 100 episodes', threshold: true, unsmoothed: true },
  length: { field: 'charts/episodic_length', title: 'episode length (steps)' },
  kl: { field: 'charts/average_kld', title: 'mean per-state KL(π_old ‖ π) (nats)' },
  approx_kl: { field: 'losses/approx_kl', title: 'approximate KL, (r − 1) − log r (nats)' },
  clipfrac: { field: 'losses/clipfrac', title: 'clip fraction (share of samples)' },
  policy_loss: { field: 'losses/policy_loss', title: 'policy loss' },
  value_loss: { field: 'losses/value_loss', title: 'value loss (squared return error)' },
  entropy: { field: 'losses/entropy', title: 'policy entropy (nats)' },
  explained_variance: { field: 'losses/explained_variance', title: 'explained variance of the value function' },
  grad_norm: { field: 'losses/grad_norm', title: 'gradient norm (before clipping)' },
  learning_rate: { field: 'charts/learning_rate', title: 'learning rate' },
  sps: { field: 'charts/SPS', title: 'throughput (environment steps per second)' },
  eval_return: { field: 'eval/mean_return', title: 'deterministic evaluation return', threshold: true, unsmoothed: true },
};

export const DEFAULT_METRICS = ['return', 'kl', 'clipfrac', 'policy_loss', 'value_loss', 'entropy', 'sps', 'eval_return'];
