/**
 * Stops a script that finds itself on a Node older than package.json's engines.node, in one line.
 * npm puts node_modules/.bin first on every script's PATH, so after `npm ci` the pinned `node`
 * devDependency runs; this catches the system Node before that (or a bare `node` call).
 * Run as `node scripts/check-node.cjs` (prints the version in use) or require it (silent).
 */
const { engines } = require('../package.json');

const minimum = Number(/^>=\s*(\d+)/.exec(engines.node)?.[1]);
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= minimum)) {
  console.error(
    `This project needs Node ${engines.node}, but ${process.execPath} is ${process.version}: ` +
      'run `npm ci` (it installs Node as a devDependency that every npm script uses) or `nvm use`.',
  );
  process.exit(1);
}
if (require.main === module) console.log(`Node ${process.version} (${process.execPath})`);
