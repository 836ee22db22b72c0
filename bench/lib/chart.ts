import { View, parse } from 'vega';
import { TopLevelSpec, compile } from 'vega-lite';
import type { LoadResult } from './load';

/** Latency percentiles against connections, one line per scenario and percentile, as SVG. */
export async function latencyChart(load: LoadResult[], title: string): Promise<string> {
  const values = load.flatMap((result) =>
    (['p50', 'p95', 'p99'] as const).flatMap((percentile) =>
      result.latencyMs
        ? [{ scenario: result.scenario, connections: result.connections, percentile, ms: Math.max(result.latencyMs[percentile], 0.1) }]
        : [],
    ),
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 480,
    height: 320,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'connections',
        type: 'quantitative',
        title: 'concurrent connections',
        axis: { values: [...new Set(values.map((v) => v.connections))] },
      },
      // Log scale: a health check answers in milliseconds, an application under overload in seconds.
      y: { field: 'ms', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
      color: { field: 'scenario', type: 'nominal', title: 'scenario' },
      strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile', sort: ['p50', 'p95', 'p99'] },
      tooltip: [{ field: 'scenario' }, { field: 'connections' }, { field: 'percentile' }, { field: 'ms' }],
    },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
