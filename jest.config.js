/** Unit tests sit beside the code; e2e tests in test/ boot the built apps against the real services. */
require('./scripts/check-node.cjs');
// jose 6 and cockatiel 4 are ES modules only. Jest (30.4+, on Node 24.9+) loads them with Node's own
// require(esm) when node runs it with --experimental-vm-modules: `npm run jest` does.

const moduleNameMapper = {
  '^@app/platform/tracing$': '<rootDir>/libs/platform/src/tracing',
  '^@app/messaging/asyncapi$': '<rootDir>/libs/messaging/src/asyncapi',
  '^@app/(api-client|contracts|correlation|messaging|platform)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': 'ts-jest' };

module.exports = {
  // e2e scenarios wait for sagas, restarts and broker outages; unit tests finish in milliseconds anyway.
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      moduleNameMapper,
      transform,
    },
  ],
};
