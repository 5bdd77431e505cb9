/**
 * A problem the user can fix (bad input, missing tool, unknown kernel).
 * The CLI prints its message once, on one line, and exits 2.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** The harness or the guest broke while doing its job: a verdict of `error`, never `fail`. */
export class InfraError extends Error {
  override name = 'InfraError';
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
