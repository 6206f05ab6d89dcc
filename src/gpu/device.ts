/// <reference types="@webgpu/types" preserve="true" />
// The device wrapper every kernel and trainer uses: adapter description, pipeline cache,
// buffer helpers, error scopes that name the kernel, device-loss reporting, timing.

export type Constants = Record<string, number | boolean>;

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  /** true for CPU emulation (SwiftShader, lavapipe, WARP): kernels pick barrier-free variants. */
  isSoftware: boolean;
}

/** Default bound on one wait for the GPU: far above the slowest iteration measured here (TRPO on SwiftShader, 512 steps at 420–545 SPS). */
export const DEFAULT_GPU_TIMEOUT_MS = 300_000;

export class GpuError extends Error {
  constructor(message: string, readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'lost' | 'no-adapter' | 'input' | 'timeout') {
    super(message);
    this.name = 'GpuError';
  }
}

const STORAGE = 0x80, COPY_SRC = 0x04, COPY_DST = 0x08, MAP_READ = 0x01, UNIFORM = 0x40, QUERY_RESOLVE = 0x200;
export const BufferUsage = { STORAGE, COPY_SRC, COPY_DST, MAP_READ, UNIFORM, QUERY_RESOLVE } as const;

// Allocations are padded to 16 bytes; shape checks must use the size that was asked for.
const requestedBytes = new WeakMap<GPUBuffer, number>();

/** The bytes a buffer was created to hold: what `buffer`/`upload` were asked for, else its size. */
export function usableBytes(buf: GPUBuffer): number {
  return requestedBytes.get(buf) ?? buf.size;
}

/** The storage usage wgrl gives every data buffer: kernels read and write it, tests upload and read back. */
export const DATA_USAGE = STORAGE | COPY_SRC | COPY_DST;

interface PendingCheck { labels: string; promises: Promise<GPUError | null>[] }

export class WgrlDevice {
  readonly adapter: AdapterDescription;
  readonly hasTimestamps: boolean;
  /**
   * The width of every subgroup where the device has subgroup operations and the adapter runs
   * them at one fixed width (SwiftShader: 4); 0 otherwise.
   */
  subgroupSize = 0;
  /**
   * Milliseconds the host blocks between two looks at a pending wait (0: it never does). Dawn's
   * Node bindings poll a pending map or work-done promise from the event loop without pause
   * (setImmediate), so a wait spins a core and allocates garbage all the while; on a software
   * adapter that core is one the adapter's own threads run the shaders on. createNodeDevice sets
   * it on software adapters.
   */
  pollIntervalMs = 0;
  /** Set once the device is lost; every later call throws it. */
  lostReason: string | null = null;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pending: PendingCheck[] = [];
  private readonly lostPromise: Promise<never>;
  /**
   * How long a wait for the GPU (a readback, a queue drain) may take before it fails with a
   * 'timeout' GpuError instead of hanging: a WGSL environment that never returns spins the GPU
   * forever. 0 waits forever. Hardware drivers reset a GPU stuck for seconds (a lost device);
   * software adapters never do, so this is the only bound there.
   */
  gpuTimeoutMs = DEFAULT_GPU_TIMEOUT_MS;
  /** Counts buffers this wrapper created (readback staging too); a training loop that allocates shows up here. */
  buffersCreated = 0;
  bytesAllocated = 0;
  /** Holds whatever must stay referenced for the device's life (Dawn's GPU object in Node). */
  private readonly keepAlive: unknown;
  private readonly staging = new Map<number, GPUBuffer[]>();

  constructor(readonly device: GPUDevice, adapter: AdapterDescription, keepAlive?: unknown) {
    this.adapter = adapter;
    this.keepAlive = keepAlive;
    this.hasTimestamps = device.features.has('timestamp-query');
    this.lostPromise = device.lost.then((info) => {
      this.lostReason = `GPU device lost (${info.reason}): ${info.message || 'no message'}`;
      throw new GpuError(`${this.lostReason}. The run stopped; anything saved before this point is intact.`, 'lost');
    });
    this.lostPromise.catch(() => {});
    device.onuncapturederror = (ev) => {
      // Errors outside our scopes (should not happen) still surface instead of vanishing.
      console.error(`wgrl: uncaptured GPU error: ${ev.error.message}`);
    };
  }

  get limits(): GPUSupportedLimits { return this.device.limits; }

  /** `work`, or a GpuError when the device is lost or `gpuTimeoutMs` passes first (the device is then unusable). */
  private async waitGpu<T>(work: Promise<T>, what: string): Promise<T> {
    return this.gently(this.raceGpu(work, what));
  }

  /** Resolves as `p` does; where pollIntervalMs is set, holds the event loop between looks (see there). */
  private async gently<T>(p: Promise<T>): Promise<T> {
    if (!this.pollIntervalMs) return p;
    let settled = false;
    p.then(() => { settled = true; }, () => { settled = true; });
    const cell = new Int32Array(new SharedArrayBuffer(4));
    while (!settled) {
      Atomics.wait(cell, 0, 0, this.pollIntervalMs);
      // One turn of the event loop: Dawn's poll, and any timer or signal handler that is due.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return p;
  }

  private async raceGpu<T>(work: Promise<T>, what: string): Promise<T> {
    if (!this.gpuTimeoutMs) return Promise.race([work, this.lostPromise]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = this.gpuTimeoutMs;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.lostReason = `the GPU did not finish ${what} within ${limit / 1000} s`;
        reject(new GpuError(`${this.lostReason}: a WGSL environment whose env_step, env_reset or env_observe never returns (an unbounded loop) ` +
          `is the usual cause; very large batches on a software adapter can also take this long: raise the limit with --gpu-timeout SECONDS ` +
          `(0 waits forever). The device cannot be used any more; anything saved before this point is intact.`, 'timeout'));
      }, limit);
    });
    try {
      return await Promise.race([work, this.lostPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private checkAlive(): void {
    if (this.lostReason) throw new GpuError(`${this.lostReason}. Create a new device to continue.`, 'lost');
  }

  /** Compiles (once per source, entry point and constants) a compute pipeline. */
  pipeline(label: string, code: string, entryPoint: string, constants: Constants = {}): GPUComputePipeline {
    this.checkAlive();
    const key = `${entryPoint}|${JSON.stringify(constants)}|${code}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    const consts: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants)) consts[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label, code });
    p = this.device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint, constants: consts } });
    this.trackErrors(`pipeline ${label}`, 1);
    this.pipelines.set(key, p);
    return p;
  }

  /** Runs `fn` inside validation and out-of-memory scopes; `sync()` throws what they caught, named `label`. */
  guard<T>(label: string, fn: () => T): T {
    this.checkAlive();
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    try { return fn(); } finally { this.trackErrors(label, 2); }
  }

  get pipelineCount(): number { return this.pipelines.size; }

  /** Pops `n` error scopes and records them; `sync()` throws the first with its label. */
  private trackErrors(labels: string, n: number): void {
    const promises: Promise<GPUError | null>[] = [];
    for (let i = 0; i < n; i++) promises.push(this.device.popErrorScope());
    this.pending.push({ labels, promises });
  }

  buffer(label: string, sizeBytes: number, usage: number = DATA_USAGE): GPUBuffer {
    this.checkAlive();
    const size = Math.max(16, Math.ceil(sizeBytes / 16) * 16);
    if (size > this.limits.maxBufferSize || ((usage & STORAGE) && size > this.limits.maxStorageBufferBindingSize)) {
      throw new GpuError(
        `buffer '${label}' needs ${size} bytes but this adapter allows ${Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize)} ` +
        `per storage buffer; use fewer environments, shorter rollouts or a smaller network`, 'input');
    }
    this.device.pushErrorScope('out-of-memory');
    const b = this.device.createBuffer({ label, size, usage });
    requestedBytes.set(b, sizeBytes);
    this.trackErrors(`buffer ${label}`, 1);
    this.buffersCreated++;
    this.bytesAllocated += size;
    return b;
  }

  /** A storage buffer holding `data` (f32 unless an Int32Array/Uint32Array is given). */
  upload(label: string, data: ArrayLike<number> | Float32Array | Uint32Array | Int32Array, usage: number = DATA_USAGE): GPUBuffer {
    const arr = ArrayBuffer.isView(data) ? (data as Float32Array) : Float32Array.from(data);
    const b = this.buffer(label, arr.byteLength, usage | COPY_DST);
    this.write(b, arr);
    return b;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, offsetBytes = 0): void {
    this.checkAlive();
    // writeBuffer needs a multiple of 4 bytes; every wgrl element is 4 bytes.
    this.device.queue.writeBuffer(buffer, offsetBytes, data.buffer, data.byteOffset, data.byteLength);
  }

  /**
   * Encodes `record` into one compute pass and submits it, inside validation and
   * out-of-memory scopes labelled with `label` (the kernel or pass name).
   */
  submit(label: string, record: (pass: GPUComputePassEncoder, enc: GPUCommandEncoder) => void, timing?: GpuTimer): void {
    this.checkAlive();
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('internal');
    const enc = this.device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label, timestampWrites: timing?.writes() });
    record(pass, enc);
    pass.end();
    timing?.resolve(enc);
    this.device.queue.submit([enc.finish()]);
    this.trackErrors(label, 3);
  }

  /** Encodes `record` with a bare command encoder (copies, several passes). */
  submitEncoder(label: string, record: (enc: GPUCommandEncoder) => void): void {
    this.checkAlive();
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const enc = this.device.createCommandEncoder({ label });
    record(enc);
    this.device.queue.submit([enc.finish()]);
    this.trackErrors(label, 2);
  }

  /**
   * Records `record` into a command buffer for submitRecorded: a loop whose commands are the same
   * every time (only the contents of buffers change, by writes queued before each submit) can
   * record its next submit while the GPU runs the current one.
   */
  record(label: string, record: (enc: GPUCommandEncoder) => void): GPUCommandBuffer {
    this.checkAlive();
    this.device.pushErrorScope('validation');
    const enc = this.device.createCommandEncoder({ label });
    record(enc);
    const commands = enc.finish();
    this.trackErrors(`recording ${label}`, 1);
    return commands;
  }

  submitRecorded(label: string, commands: GPUCommandBuffer): void {
    this.checkAlive();
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.device.queue.submit([commands]);
    this.trackErrors(label, 2);
  }

  /** Waits for the queue and throws the first recorded GPU error, named after its kernel. */
  async sync(): Promise<void> {
    this.checkAlive();
    await this.waitGpu(this.device.queue.onSubmittedWorkDone(), 'the submitted work');
    await this.flushErrors();
  }

  private async flushErrors(): Promise<void> {
    const pending = this.pending.splice(0);
    for (const p of pending) {
      const errs = await this.waitGpu(Promise.all(p.promises), `checking ${p.labels} for errors`);
      const e = errs.find((x) => x);
      if (e) {
        const kind = e.constructor?.name === 'GPUOutOfMemoryError' || /memory/i.test(e.message) ? 'out-of-memory'
          : e.constructor?.name === 'GPUInternalError' ? 'internal' : 'validation';
        throw new GpuError(`GPU ${kind} error in ${p.labels}: ${e.message}`, kind);
      }
    }
  }

  /** Copies `bytes` from `src` (at `offsetBytes`) back to the CPU. One queue round trip. */
  async read(src: GPUBuffer, bytes = src.size, offsetBytes = 0): Promise<ArrayBuffer> {
    this.checkAlive();
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    // Staging buffers are pooled by size, so a loop that reads back every iteration allocates once.
    const pool = this.staging.get(size) ?? [];
    this.staging.set(size, pool);
    let staging = pool.pop();
    if (!staging) {
      staging = this.device.createBuffer({ label: `readback ${size}B`, size, usage: MAP_READ | COPY_DST });
      this.buffersCreated++;
    }
    const enc = this.device.createCommandEncoder({ label: `readback ${src.label}` });
    enc.copyBufferToBuffer(src, offsetBytes, staging, 0, Math.ceil(bytes / 4) * 4);
    this.device.queue.submit([enc.finish()]);
    await this.waitGpu(staging.mapAsync(MAP_READ), `reading back ${src.label}`);
    try {
      await this.flushErrors();
      return staging.getMappedRange().slice(0, bytes);
    } finally {
      staging.unmap();
      pool.push(staging);
    }
  }

  async readF32(src: GPUBuffer, count?: number, offset = 0): Promise<Float32Array> {
    const n = count ?? (src.size / 4 - offset);
    return new Float32Array(await this.read(src, n * 4, offset * 4));
  }

  async readU32(src: GPUBuffer, count?: number, offset = 0): Promise<Uint32Array> {
    const n = count ?? (src.size / 4 - offset);
    return new Uint32Array(await this.read(src, n * 4, offset * 4));
  }

  /** Resolves when the device is lost (for callers that want to react). */
  get lost(): Promise<never> { return this.lostPromise; }

  destroy(): void {
    this.device.destroy();
    void this.keepAlive;
  }
}

/**
 * GPU-side timing of one pass with timestamp queries where the adapter has them;
 * `null` where it does not, so callers fall back to wall-clock time around `sync()`.
 */
export class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private constructor(private readonly dev: WgrlDevice) {
    this.querySet = dev.device.createQuerySet({ type: 'timestamp', count: 2 });
    this.resolveBuf = dev.buffer('timer resolve', 16, QUERY_RESOLVE | COPY_SRC);
  }
  static create(dev: WgrlDevice): GpuTimer | null {
    return dev.hasTimestamps ? new GpuTimer(dev) : null;
  }
  writes(): GPUComputePassTimestampWrites {
    return { querySet: this.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 };
  }
  resolve(enc: GPUCommandEncoder): void {
    enc.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf, 0);
  }
  /** Nanoseconds between the start and end of the last timed pass. */
  async elapsedNs(): Promise<number> {
    const t = new BigUint64Array(await this.dev.read(this.resolveBuf, 16));
    return Number(t[1] - t[0]);
  }
}

export function describeAdapter(info: GPUAdapterInfo | undefined, isFallback: boolean): AdapterDescription {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const description = info?.description ?? '';
  const text = `${vendor} ${architecture} ${description}`.toLowerCase();
  const isSoftware = isFallback || /swiftshader|llvmpipe|lavapipe|warp|software/.test(text);
  return { vendor, architecture, description, isSoftware };
}

export function adapterName(a: AdapterDescription): string {
  return [a.description || a.architecture || 'unknown adapter', a.vendor && `(${a.vendor}${a.architecture ? ' ' + a.architecture : ''})`, a.isSoftware ? '[software]' : '']
    .filter(Boolean).join(' ');
}

/** Asks `gpu` for an adapter and a device with the features wgrl can use. */
export async function deviceFromGpu(gpu: GPU, keepAlive?: unknown, opts: { powerPreference?: GPUPowerPreference } = {}): Promise<WgrlDevice | null> {
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) return null;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  // Subgroup operations where the adapter has them (the subgroup matmul on SwiftShader).
  if (adapter.features.has('subgroups' as GPUFeatureName)) requiredFeatures.push('subgroups' as GPUFeatureName);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    label: 'wgrl',
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info as (GPUAdapterInfo & { isFallbackAdapter?: boolean; subgroupMinSize?: number; subgroupMaxSize?: number }) | undefined;
  const isFallback = info?.isFallbackAdapter ?? false;
  const dev = new WgrlDevice(device, describeAdapter(info, isFallback), keepAlive);
  // A fixed subgroup width is what kernels written for one width (matmul_subgroup: 4) rely on.
  if (device.features.has('subgroups') && info?.subgroupMinSize && info.subgroupMinSize === info.subgroupMaxSize) dev.subgroupSize = info.subgroupMinSize;
  return dev;
}
