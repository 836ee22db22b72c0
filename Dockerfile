# syntax=docker/dockerfile:1
#
# One image per app, from one Dockerfile:
#   docker build --build-arg APP=rental -t storage-rental/rental .
# APP is one of gateway, rental, manage, assign, view, db-setup (creates the databases and runs
# every app's migrations, then exits: the Kubernetes Job and the compose one-shot service), or ops
# (scripts/ops.ts: `node main.js queues | story <id> | dead-letters …`, the operators' toolbox in the
# cluster: deploy/k8s/base/ops.yaml).
# The image holds the app's compiled code, production node_modules and Node.js; it runs as the
# unprivileged user `node` (uid 1000) and checks itself on GET /health/live (the five apps only).

# Node 24 LTS, the same release as package.json's `node` devDependency (a manifest test keeps them
# equal). Pin it by digest as well in production (node:24.21.0-alpine@sha256:…) for reproducible builds.
ARG NODE_IMAGE=node:24.21.0-alpine

# ---- all dependencies, for the build
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# No dependency needs an install script (no native addons); skipping them keeps the build offline-safe.
RUN npm ci --ignore-scripts --no-audit --no-fund

# ---- the compiled app: one tsc build of the whole tree, then only what $APP needs in /out
FROM deps AS build
ARG APP
RUN test -n "$APP" || { echo 'Set --build-arg APP=<gateway|rental|manage|assign|view|db-setup|ops>' >&2; exit 1; }
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
COPY scripts ./scripts
# /out/main.js links to the entry point (scripts/build-output.ts says where the build puts it);
# node resolves the link, so the entry's relative requires find dist/libs beside it. db-setup and
# ops read every app's config (and db-setup its migrations): they get all of dist/apps.
RUN npx nest build && mkdir -p /out/dist/apps && cp -r dist/libs /out/dist/ && \
    if [ "$APP" = db-setup ]; then \
      cp -r dist/apps dist/scripts /out/dist/ && ln -s dist/scripts/db-setup.js /out/main.js; \
    elif [ "$APP" = ops ]; then \
      cp -r dist/apps dist/scripts /out/dist/ && ln -s dist/scripts/ops.js /out/main.js; \
    else \
      cp -r "dist/apps/$APP" /out/dist/apps/ && ln -s "dist/apps/$APP/src/main.js" /out/main.js; \
    fi && test -f "$(readlink -f /out/main.js)"

# ---- production dependencies only
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional as well: nothing the apps run needs an optional package, and a dev tool's optional
# peer would otherwise be installed as "devOptional".
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime: Node.js, production node_modules, the app's compiled code; no npm, no sources, no compilers
FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production \
    APP=${APP}
# npm and corepack are not needed at run time: less to patch, less to exploit.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /out ./
# uid:gid of `node` in the official images; numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# Liveness only: the process answers. Each app listens on <APP>_PORT (GATEWAY_PORT, RENTAL_PORT, …),
# defaulting to its own port. db-setup and ops serve nothing and listen on no port: for them the
# check passes at once (APP is not one of the five).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const d={gateway:8088,rental:8081,manage:8082,assign:8083,view:8084};const a=process.env.APP;if(!(a in d))process.exit(0);const p=process.env[a.toUpperCase()+'_PORT']||d[a];fetch('http://127.0.0.1:'+p+'/health/live',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM itself (readiness 503, drain, close, exit 0).
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
