import { chargeOf, ownerOf, samplesOf } from '../bench/perf-summary';

/** Two samples as `perf script` prints them: a socket write under pg, and a scavenge under our code. */
const SCRIPT = `MainThread  4242 [001]   896.462526:    2004008 cpu-clock:ppp:
\tffffffff81c0b4e1 tcp_sendmsg+0x31 ([kernel.kallsyms])
\t          7f00aa __GI___writev+0x12 (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t          6e835a node::StreamBase::Writev+0xaa (/work/main/node_modules/node/bin/node)
\t    7f3a11d0a0c2 JS:*writevGeneric node:internal/stream_base_commons:120:23 (/tmp/perf-4242.map)
\t    7f3a11d0b000 JS:+submit /work/main/node_modules/pg/lib/query.js:151:9 (/tmp/perf-4242.map)

MainThread  4242 [000]   896.464531:    2004008 cpu-clock:ppp:
\t          9a1b2c v8::internal::Scavenger::ScavengePage+0x51 (/work/main/node_modules/node/bin/node)
\t    7f3a11d0c000 JS:+apply /work/main/dist/apps/view/main.js:44:10 (/tmp/perf-4242.map)
`;

describe('perf-summary: charging CPU samples to what caused them', () => {
  it('reads each sample with its pid and frames, kernel and JavaScript frames told apart', () => {
    const samples = [...samplesOf(SCRIPT)];
    expect(samples.map((s) => [s.pid, s.frames.length])).toEqual([
      [4242, 5],
      [4242, 2],
    ]);
    expect(samples[0].frames.map((f) => [f.kernel, f.javascript])).toEqual([
      [true, false],
      [false, false],
      [false, false],
      [false, true],
      [false, true],
    ]);
  });

  it('charges a sample to its innermost JavaScript frame that has an owner, and a collection to the collector', () => {
    const [write, scavenge] = [...samplesOf(SCRIPT)];
    expect(chargeOf(write.frames)).toBe('node:stream_base_commons');
    expect(chargeOf(scavenge.frames)).toBe('(garbage collector)');
    expect(chargeOf(write.frames.slice(0, 3))).toBe('(no JavaScript frame: libuv, V8 runtime, kernel)');
  });

  it('names packages, scoped ones included, Node.js modules and our code', () => {
    expect(ownerOf('JS:+submit /work/main/node_modules/pg/lib/query.js:151:9')).toBe('pg');
    expect(ownerOf('JS:*handler /work/main/node_modules/@nestjs/core/router/router-proxy.js:6:1')).toBe('@nestjs/core');
    expect(ownerOf('JS:+consume /work/main/dist/libs/messaging/src/event-consumer.js:77:3')).toBe(
      'our code: libs/messaging/event-consumer',
    );
    expect(ownerOf('JS:+apply /work/main/dist/apps/view/main.js:44:10')).toBe('our code: view');
    expect(ownerOf('JS:*emit node:events:489:40')).toBe('node:events');
    expect(ownerOf('Builtins_LoadIC_Megamorphic')).toBeUndefined();
  });
});
