import { parseArgs } from 'node:util';

export interface BenchOptions {
  smoke: boolean;
  /** A running system's gateway; unset: the bench starts its own system. */
  url?: string;
  rentalUrl?: string;
  viewUrl?: string;
  viewDatabaseUrl?: string;
  connections: number[];
  durationSeconds: number;
  warmupSeconds: number;
  overloadConnections: number;
  overloadSeconds: number;
  unitsPerSize: number;
  assignUnits: number[];
  viewRentals: number[];
  scaleProbes: number;
  phases: Set<'load' | 'overload' | 'scale'>;
  settleSeconds: number;
  cpuProfDir?: string;
  perfFile?: string;
  out: string;
}

const USAGE = `Usage: tsx bench/run.ts [options]

  --smoke                    a few seconds of each phase and tiny scale curves; for CI
  --url <gateway>            use a running system (no databases created; no scale curves)
  --rental-url, --view-url   its rental and view apps, for /metrics (default: ports 8081 and 8084)
  --view-db <url>            its view database, where saga lag is read (default: VIEW_DATABASE_URL or the local view)
  --connections 50,200       load levels for the baseline and the applications
  --duration 30              seconds per load level and scenario
  --warmup 5                 seconds of applications before measuring (not counted)
  --overload-connections 200 --overload-duration 60
  --units-per-size 500       inventory the load may rent, per size, in the run's own location
  --assign-units 1000,10000,100000   inventory sizes of the assignment scale curve
  --view-rentals 10000,100000,1000000   read-model sizes of the list-query scale curve
  --scale-max N              drop scale sizes above N (if all would go, use N alone)
  --scale-probes 200         timed assignments / list queries per size
  --phases load,overload,scale
  --settle 30                seconds to wait, after a phase, for sampled applications to settle
  --cpu-prof <dir>           run the apps with --cpu-prof into <dir>/<app> (profiles land when they stop)
  --perf <file>              perf record the whole machine during the first measured applications load (bench/perf-summary.ts)
  --out bench/results        where <date>.json and <date>-latency.svg go (--smoke: a temp dir)
`;

const list = (value: string) => value.split(',').map((v) => Number(v.trim()));

export function readOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      url: { type: 'string' },
      'rental-url': { type: 'string' },
      'view-url': { type: 'string' },
      'view-db': { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'overload-connections': { type: 'string' },
      'overload-duration': { type: 'string' },
      'units-per-size': { type: 'string' },
      'assign-units': { type: 'string' },
      'view-rentals': { type: 'string' },
      'scale-max': { type: 'string' },
      'scale-probes': { type: 'string' },
      phases: { type: 'string' },
      settle: { type: 'string' },
      'cpu-prof': { type: 'string' },
      perf: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  // The smoke run only proves that every part still works end to end: seconds, not minutes.
  const defaults = smoke
    ? {
        connections: '10,50',
        duration: '3',
        warmup: '1',
        overloadConnections: '50',
        overloadDuration: '3',
        units: '50',
        scaleMax: '2000',
        probes: '20',
        settle: '15',
      }
    : {
        connections: '50,200',
        duration: '30',
        warmup: '5',
        overloadConnections: '200',
        overloadDuration: '60',
        units: '500',
        scaleMax: undefined,
        probes: '200',
        settle: '30',
      };

  const scaleMax = Number(values['scale-max'] ?? defaults.scaleMax ?? Infinity);
  const capped = (sizes: number[]) => (sizes.some((n) => n <= scaleMax) ? sizes.filter((n) => n <= scaleMax) : [scaleMax]);
  const phases = new Set((values.phases ?? 'load,overload,scale').split(',').map((p) => p.trim()));
  for (const phase of phases) if (!['load', 'overload', 'scale'].includes(phase)) throw new Error(`Unknown phase ${phase}\n\n${USAGE}`);
  if (values.url && phases.has('scale')) {
    // The scale curves write 100k units and 1M rentals straight into the databases: only our own.
    phases.delete('scale');
    process.stderr.write("--url: skipping the scale curves, which need the bench's own databases\n");
  }

  const options: BenchOptions = {
    smoke,
    url: values.url?.replace(/\/$/, ''),
    rentalUrl: values['rental-url'],
    viewUrl: values['view-url'],
    viewDatabaseUrl: values['view-db'],
    connections: list(values.connections ?? defaults.connections),
    durationSeconds: Number(values.duration ?? defaults.duration),
    warmupSeconds: Number(values.warmup ?? defaults.warmup),
    overloadConnections: Number(values['overload-connections'] ?? defaults.overloadConnections),
    overloadSeconds: Number(values['overload-duration'] ?? defaults.overloadDuration),
    unitsPerSize: Number(values['units-per-size'] ?? defaults.units),
    assignUnits: capped(list(values['assign-units'] ?? '1000,10000,100000')),
    viewRentals: capped(list(values['view-rentals'] ?? '10000,100000,1000000')),
    scaleProbes: Number(values['scale-probes'] ?? defaults.probes),
    phases: phases as BenchOptions['phases'],
    settleSeconds: Number(values.settle ?? defaults.settle),
    cpuProfDir: values['cpu-prof'],
    perfFile: values.perf,
    out: values.out ?? (smoke ? '' : 'bench/results'),
  };
  const numbers = [
    ...options.connections,
    options.durationSeconds,
    options.overloadConnections,
    options.overloadSeconds,
    options.unitsPerSize,
    ...options.assignUnits,
    ...options.viewRentals,
    options.scaleProbes,
  ];
  if (numbers.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`Every count and duration must be a positive number\n\n${USAGE}`);
  return options;
}
