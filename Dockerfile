# One image for every ghl-sync process; the compose file picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund || true
ENV NODE_ENV=production LOG_FORMAT=json
ENTRYPOINT ["node", "apps/cli/bin/ghl-sync.js"]
CMD ["--help"]
