// `nest build db-setup` bundles scripts/db-setup.ts like an app (node_modules stay external), and
// this puts it beside the apps' bundles as dist/apps/db-setup/main.js: the image (Dockerfile,
// APP=db-setup) then runs it exactly as it runs an app, without ts-node.
module.exports = (options) => ({
  ...options,
  output: { ...options.output, filename: 'apps/db-setup/main.js' },
});
