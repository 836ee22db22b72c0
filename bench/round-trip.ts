/**
 * What one database round trip and one loopback TCP exchange cost on this machine, the unit in
 * which the saga's cost is counted (docs/benchmarks.md, "The ceiling").
 * Usage: npx tsx bench/round-trip.ts [postgres-url]
 */
import { createServer, connect } from 'node:net';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';

const ROUNDS = 3000;

async function measure(label: string, once: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await once();
  const wallUs = Number(process.hrtime.bigint() - started) / 1000 / ROUNDS;
  const used = process.cpuUsage(cpu);
  console.log(`${label}: ${wallUs.toFixed(0)} µs wall, ${((used.user + used.system) / ROUNDS).toFixed(0)} µs of this process's CPU each`);
}

async function main(): Promise<void> {
  const postgres = new Client({ connectionString: process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await postgres.connect();
  let i = 0;
  await measure('PostgreSQL round trip (SELECT $1, node-postgres)', () => postgres.query('SELECT $1::int', [i++]));
  await postgres.end();

  const server = createServer((socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  await measure(
    'loopback TCP ping-pong (both ends in this process)',
    () =>
      new Promise((resolve) => {
        socket.once('data', resolve);
        socket.write('x');
      }),
  );
  socket.destroy();
  server.close();
}

void main();
