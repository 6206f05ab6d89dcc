/** A problem with what the user asked for (config, environment, checkpoint, paths): the CLI exits 2. */
export class InputError extends Error {
  constructor(message: string) { super(message); this.name = 'InputError'; }
}
