import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError, messageOf } from './errors.ts';
import { loadConfig, type Config } from './config.ts';
import { parseStack } from './stack.ts';
import { parseKernelSpec } from './kernels/spec.ts';
import { parseShard } from './matrix.ts';
import { runCleanups } from './vm/reaper.ts';

const HELP: Record<string, string> = {
  main: `lsm-matrix: boot real kernels in QEMU with a matrix of LSM stacks and check containers in them

Usage: lsm-matrix <command> [options]

Commands:
  run       run the matrix (default config: lsm-matrix.config.ts) and write results/<run-id>/
  shell     boot one cell and open a root shell in it; the guest is torn down on exit
  kernels   list the kernel catalogue and what is in the kernel cache
  kernel    kernel build <spec>: fetch, extract or build one kernel into the cache
  doctor    check this host (QEMU, accelerator, mmdebstrap, disk, cache) and say how to fix it
  report    regenerate a run's reports; --against an older run lists regressions (exit 1)
  merge     merge shard runs (--shard k/n) into one run and regenerate every report
  publish   make a run the published support table: results/SUPPORT.md + results/published/
  bench     measure boot-to-first-command against the busybox-initramfs floor

Run \`lsm-matrix <command> --help\` for its options.
Exit codes: 0 all good, 1 a cell or test failed, 2 bad input or the harness could not run.`,
  run: `Usage: lsm-matrix run [options]

  --config <file>     matrix config (default: lsm-matrix.config.ts)
  --kernel <spec>     kernel to test, repeatable; replaces the config's list (and its
                      include cells). Specs:
                        debian-6.1, debian-6.12 (catalogue), debian:<package>,
                        deb:<path-or-url>[+<path-or-url>...], bzimage:<path>[,modules=<dir>],
                        source:<debian-6.12|tree|tarball>[,fragments=a+b][,patches=<dir|mbox>]
  --stack <stack>     LSM stack, repeatable; replaces the config's list:
                        default | apparmor | smack,apparmor | lsm=<list> | security=<list>
  --scenario <glob>   scenario files to run in every cell, repeatable: apparmor/**,
                        docker/*, seccomp/docker-seccomp (default: the config's; none: boot and probe only)
  --out <dir>         where results go (default: results/<run-id>/)
  --jobs <n>          cells at once, each in a process of its own (default: from cores and memory)
  --shard <k/n>       run only the k-th of n deterministic slices of the cells
  --boot-timeout <s>  seconds from QEMU start to SSH login (default 240)
  --test <name>       only the tests whose name contains <name>
  --shell-on-fail     when a test fails, open a shell in the guest right there (exit it to go on)
  --resume <run-dir>  finish an interrupted run: its finished cells stay, pending ones run
                      (give the same --config/--scenario options as the first time)
  --no-snapshot-cache boot every cell (default: a cell whose kernel, stack, image and QEMU
                      are unchanged starts from its saved booted state in <cache>/snapshots;
                      LSM_MATRIX_SNAPSHOTS=0 does the same)
  --refresh-snapshots boot every cell and save its snapshot-cache entry anew
  --retries <n>       automatic retries of a cell whose guest or harness broke (default 1;
                      a kernel panic only under TCG, where the emulator may cause it)

Writes <out>/run.json (the whole truth), matrix.md, matrix.html, junit.xml and kcidb.json.`,
  report: `Usage: lsm-matrix report <run-dir> [--against <older-run-dir>]

Regenerates matrix.md, matrix.html, junit.xml and kcidb.json from <run-dir>/run.json.
With --against: prints regressions, fixes, new and vanished cells; exit 1 on a regression.`,
  merge: `Usage: lsm-matrix merge <run-dir>... --out <dir>

Merges the runs of the shards of one matrix (run --shard k/n) into <dir>/run.json
and regenerates every report, as Playwright's merge-reports does.`,
  publish: `Usage: lsm-matrix publish <run-dir> [--to <dir>]

Copies <run-dir>/run.json to <dir>/published/run.json (default dir: results), writes
<dir>/published/matrix.html, and renders <dir>/SUPPORT.md from the copied run.json.`,
  shell: `Usage: lsm-matrix shell --kernel <spec> [--stack <stack>] [--exec <command>]

Boots one guest (default stack: the kernel's own), logs in as root over SSH
and gives you its shell. Leaving the shell stops QEMU and removes the overlay.
--exec runs one command instead (its output on stdout/stderr) and exits with
the command's exit status, as virtme-ng's --exec does:
  lsm-matrix shell --kernel debian-6.12+smack --stack smack,apparmor --exec 'cat /sys/kernel/security/lsm'`,
  kernel: `Usage: lsm-matrix kernel build <spec>...

Resolves each kernel into the cache and prints where it is: downloads and
extracts Debian/Ubuntu packages, imports a bzImage, or builds a source: kernel:
  source:debian-6.12,fragments=containers+smack-apparmor   Debian's linux-source-6.12
  source:~/linux,patches=~/series.mbox,fragments=...        your tree (copied, never modified)
  source:linux-6.12.tar.xz,patches=patches/                 a tarball and a directory of .patch files
A source build is defconfig + kvm_guest.config + kernels/fragments/base.config
+ the named fragments (kernels/fragments/<name>.config or a path), every module
built in. It is cached by its inputs: building it again is a lookup. A patch
that does not apply ends with exit 2, naming the patch and hunk; the log of a
failed build is kept under <cache>/kernels/logs/.`,
  kernels: `Usage: lsm-matrix kernels

Lists the kernel catalogue and the kernels already in the cache.`,
  doctor: `Usage: lsm-matrix doctor

Checks every host requirement and prints the command that fixes each missing one.`,
  bench: `Usage: lsm-matrix bench [--kernel <spec>]... [--source-kernel <spec>|none] [--matrix probe|full|skip]

Per kernel: the busybox-initramfs floor boot, the full boot to a first SSH
command, a warm start from the snapshot cache, scenario resets (loadvm + SSH
login) and QEMU's peak memory, each beside a baseline measured in the same
run. Then the source kernel's build time (default debian-6.12+smack; built
first if it is not cached yet: tens of minutes) cold as recorded, and cached;
--source-kernel none leaves that row out (with --matrix skip, as the default
matrix has that kernel, the bench then builds nothing).
Last, the default matrix end to end, cold (snapshots saved anew) and warm:
--matrix probe (default) boots and probes every cell (minutes); full runs
every scenario as \`lsm-matrix run\` does (hours on 2 cores under TCG) and
keeps each pass's run directory as results/bench-matrix-cold-<time> and -warm-<time>.`,
};

const RUN_OPTIONS = {
  config: { type: 'string' },
  kernel: { type: 'string', multiple: true },
  stack: { type: 'string', multiple: true },
  scenario: { type: 'string', multiple: true },
  out: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  'boot-timeout': { type: 'string' },
  test: { type: 'string' },
  'shell-on-fail': { type: 'boolean' },
  resume: { type: 'string' },
  'no-snapshot-cache': { type: 'boolean' },
  'refresh-snapshots': { type: 'boolean' },
  retries: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UserError(`${command}: ${messageOf(e).replace(/\. To specify.*$/s, '')} (see lsm-matrix ${command} --help)`);
  }
}

/** Options plus positional arguments (run directories), with errors as UserErrors. */
function parseWithDirs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UserError(`${command}: ${messageOf(e)} (see lsm-matrix ${command} --help)`);
  }
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} must be a positive whole number, got \`${v}\``);
  return n;
}

/** The config file, with command-line lists replacing the file's (validated the same way). */
async function configFrom(values: { config?: string; kernel?: string[]; stack?: string[]; scenario?: string[]; 'boot-timeout'?: string }): Promise<Config> {
  const config = await loadConfig(values.config ?? 'lsm-matrix.config.ts');
  if (values.kernel) {
    for (const k of values.kernel) parseKernelSpec(k);
    config.kernels = values.kernel;
  }
  if (values.stack) config.stacks = values.stack.map(parseStack);
  // Command-line lists say exactly which cells: the config's extra cells go.
  if (values.kernel || values.stack) config.include = [];
  // `--scenario none`: boot and probe only.
  if (values.scenario) config.scenarios = values.scenario.filter((x) => x !== 'none');
  const t = positiveInt(values['boot-timeout'], '--boot-timeout');
  if (t) config.bootTimeoutSeconds = t;
  return config;
}

async function cmdRun(args: string[]): Promise<number> {
  const { values } = parse(args, RUN_OPTIONS, 'run');
  if (values.help) return help('run');
  if (values.resume && values.out && values.out !== values.resume) throw new UserError('run: --resume writes into the run it finishes; drop --out');
  const config = await configFrom(values);
  const { runMatrix } = await import('./run.ts');
  const { result, outDir, exitCode } = await runMatrix({
    config,
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.jobs ? { jobs: positiveInt(values.jobs, '--jobs')! } : {}),
    ...(values.shard ? { shard: parseShard(values.shard) } : {}),
    ...(values.test ? { testName: values.test } : {}),
    ...(values['shell-on-fail'] ? { shellOnFail: true } : {}),
    ...(values.resume ? { resume: values.resume } : {}),
    ...(values['no-snapshot-cache'] ? { snapshotCache: false } : values['refresh-snapshots'] ? { snapshotCache: 'refresh' as const } : {}),
    ...(values.retries !== undefined ? { retries: values.retries === '0' ? 0 : positiveInt(values.retries, '--retries')! } : {}),
    log,
  });
  for (const c of result.cells) {
    for (const t of c.tests.filter((x) => x.verdict === 'fail' || x.verdict === 'error')) {
      log(`${t.verdict.toUpperCase()} ${c.id} :: ${t.id}: ${t.reason ?? ''}${t.triage ? `\n    likely cause: ${t.triage.cause}` : ''}\n    reproduce: ${t.reproduce}`);
    }
  }
  const ok = result.cells.filter((c) => c.status === 'ok').length;
  log(`done: ${ok}/${result.cells.length} cell(s) ok; results in ${outDir}/run.json`);
  return exitCode;
}

async function cmdReport(args: string[]): Promise<number> {
  const parsed = parseWithDirs(args, { against: { type: 'string' } } as const, 'report');
  if (parsed.values.help) return help('report');
  const dir = parsed.positionals[0];
  if (!dir || parsed.positionals.length > 1) throw new UserError('report: give one run directory (results/<run-id>)');
  const { report } = await import('./report/command.ts');
  return report(dir, parsed.values.against, (l) => process.stdout.write(l));
}

async function cmdPublish(args: string[]): Promise<number> {
  const parsed = parseWithDirs(args, { to: { type: 'string' } } as const, 'publish');
  if (parsed.values.help) return help('publish');
  const dir = parsed.positionals[0];
  if (!dir || parsed.positionals.length > 1) throw new UserError('publish: give one run directory (results/<run-id>)');
  const { publish } = await import('./report/publish.ts');
  return publish(dir, parsed.values.to ?? 'results', (l) => process.stdout.write(l));
}

async function cmdMerge(args: string[]): Promise<number> {
  const parsed = parseWithDirs(args, { out: { type: 'string' } } as const, 'merge');
  if (parsed.values.help) return help('merge');
  if (!parsed.values.out) throw new UserError('merge: --out <dir> is required');
  const { merge } = await import('./report/merge.ts');
  return merge(parsed.positionals, parsed.values.out, (l) => process.stdout.write(l));
}

async function cmdShell(args: string[]): Promise<number> {
  const { values } = parse(args, { kernel: { type: 'string' }, stack: { type: 'string' }, exec: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const, 'shell');
  if (values.help) return help('shell');
  if (!values.kernel) throw new UserError('shell: --kernel is required (e.g. --kernel debian-6.12)');
  const { openShell } = await import('./shell.ts');
  return openShell(values.kernel, parseStack(values.stack ?? 'default'), log, values.exec);
}

async function cmdKernels(args: string[]): Promise<number> {
  const { values } = parse(args, { help: { type: 'boolean', short: 'h' } } as const, 'kernels');
  if (values.help) return help('kernels');
  const { listKernels } = await import('./kernels/list.ts');
  process.stdout.write(await listKernels());
  return 0;
}

async function cmdKernel(args: string[]): Promise<number> {
  const { values, positionals } = parseWithDirs(args, {} as const, 'kernel');
  if (values.help) return help('kernel');
  const [verb, ...specs] = positionals;
  if (verb !== 'build' || specs.length === 0) throw new UserError('usage: lsm-matrix kernel build <spec>... (e.g. debian-6.12+smack; see lsm-matrix kernel --help)');
  const { resolveKernel } = await import('./kernels/resolve.ts');
  for (const spec of specs) {
    parseKernelSpec(spec);
    const started = Date.now();
    const k = await resolveKernel(spec, log);
    process.stdout.write(`${spec}: ${k.files.version} (${k.source}) in ${k.dir} [${((Date.now() - started) / 1000).toFixed(1)} s]\n`);
  }
  return 0;
}

async function cmdDoctor(args: string[]): Promise<number> {
  const { values } = parse(args, { help: { type: 'boolean', short: 'h' } } as const, 'doctor');
  if (values.help) return help('doctor');
  const { doctor } = await import('./doctor.ts');
  return doctor((l) => process.stdout.write(`${l}\n`));
}

async function cmdBench(args: string[]): Promise<number> {
  const { values } = parse(args, { kernel: { type: 'string', multiple: true }, 'source-kernel': { type: 'string' }, matrix: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const, 'bench');
  if (values.help) return help('bench');
  const matrix = values.matrix ?? 'probe';
  if (matrix !== 'probe' && matrix !== 'full' && matrix !== 'skip') throw new UserError(`--matrix \`${matrix}\`: known are probe, full, skip`);
  const { bench } = await import('../bench/bench.ts');
  const source = values['source-kernel'] ?? 'debian-6.12+smack';
  return bench({ kernels: values.kernel ?? ['debian-6.1', 'debian-6.12'], ...(source === 'none' || source === '' ? {} : { sourceKernel: source }), matrix, log });
}

function help(topic: string): number {
  process.stdout.write(`${HELP[topic] ?? HELP.main}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run': return await cmdRun(rest);
      case 'shell': return await cmdShell(rest);
      case 'report': return await cmdReport(rest);
      case 'publish': return await cmdPublish(rest);
      case 'merge': return await cmdMerge(rest);
      case 'kernels': return await cmdKernels(rest);
      case 'kernel': return await cmdKernel(rest);
      case 'doctor': return await cmdDoctor(rest);
      case 'bench': return await cmdBench(rest);
      // Internal: one cell of a `run --jobs N` in a process of its own (harness/cell-child.ts).
      case '__cell': return await (await import('./cell-child.ts')).cellChildMain();
      case undefined: case 'help': case '--help': case '-h':
        return help(rest[0] ?? 'main');
      default:
        throw new UserError(`unknown command \`${command}\`: known are run, shell, report, publish, merge, kernels, kernel, doctor, bench (see lsm-matrix --help)`);
    }
  } catch (e) {
    await runCleanups();
    if (e instanceof UserError) {
      process.stderr.write(`lsm-matrix: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`lsm-matrix: the harness could not run: ${messageOf(e)}\n`);
    if (process.env.LSM_MATRIX_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 2;
  }
}
