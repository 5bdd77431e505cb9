/**
 * Everything the harness starts that must not outlive it (QEMU processes,
 * overlays) registers a cleanup here. On SIGINT/SIGTERM the cleanups run,
 * the partial results already on disk stay, and the process exits 130/143.
 */
type Cleanup = () => Promise<void> | void;
const cleanups = new Set<Cleanup>();
let installed = false;
let interrupted: NodeJS.Signals | undefined;

export function onCleanup(fn: Cleanup): () => void {
  install();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/**
 * A synchronous last resort for a process that ends without running the
 * cleanups above (an uncaught exception, a bare process.exit): QEMU is
 * killed by execa then, but files would stay. Removed again on a clean stop.
 */
const lastResorts = new Set<() => void>();
let exitHooked = false;
export function onExitSync(fn: () => void): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const f of lastResorts) {
        try { f(); } catch { /* keep going */ }
      }
    });
  }
  lastResorts.add(fn);
  return () => lastResorts.delete(fn);
}

export function interruptedBy(): NodeJS.Signals | undefined {
  return interrupted;
}

/**
 * For work that notices the signal part-way: wait here for the signal
 * handler, which ends the process once its cleanups ran, instead of writing
 * a state that would race the one the cleanups record.
 */
export function untilExit(): Promise<never> {
  return new Promise<never>(() => undefined);
}

export async function runCleanups(): Promise<void> {
  // Newest first: guests stop before the run that started them records its state.
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of all) {
    try {
      await fn();
    } catch {
      // keep cleaning the rest
    }
  }
}

function install() {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (interrupted) return; // a second Ctrl-C while cleaning up changes nothing
      interrupted = sig;
      process.stderr.write(`\nlsm-matrix: ${sig}: stopping guests and removing overlays…\n`);
      void runCleanups().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}
