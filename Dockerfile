# One image for every ghl-sync process; the compose file (or a Kubernetes manifest) picks the command.
# Two stages: the build stage installs everything and compiles; the runtime stage holds only the
# production dependencies and the compiled code, and runs as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
COPY bench ./bench
# `npm ci` runs the `prepare` script (turbo build). Any failure fails the image build.
RUN npm ci --no-audit --no-fund
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production LOG_FORMAT=json
WORKDIR /app
COPY --from=build --chown=node:node /app ./
USER node
# Answers for the API (API_PORT, default 3000) and for a worker (WORKER_METRICS_PORT, default
# 9464): both serve GET /health on 127.0.0.1 inside the container. One-shot commands (`db migrate`)
# and the sandbox turn it off in docker-compose.yml.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const ports=[process.env.API_PORT||'3000',process.env.WORKER_METRICS_PORT||'9464'];Promise.any(ports.map(p=>fetch('http://127.0.0.1:'+p+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>{if(!r.ok)throw new Error(String(r.status))}))).then(()=>process.exit(0),()=>process.exit(1))"]
ENTRYPOINT ["node", "apps/cli/bin/ghl-sync.js"]
CMD ["--help"]
