// Preloaded into an app process (NODE_OPTIONS=--require) by a test: its Date.now() runs
// CLOCK_AHEAD_MS ahead of the machine's, as a node's clock can drift from the database's.
const ahead = Number(process.env.CLOCK_AHEAD_MS ?? 0);
const machineNow = Date.now;
Date.now = () => machineNow() + ahead;
