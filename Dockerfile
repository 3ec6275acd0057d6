# syntax=docker/dockerfile:1
# One image, both apps. Default: crm-api. The activity-logger, with its node flags (the list
# in scripts/lib/node-flags.js; test/unit/launchers/node-flags.spec.ts holds this line to it):
#   docker run IMAGE node --max-semi-space-size=8 dist/apps/activity-logger/main.js
# Migrations (both apps, in order): docker run IMAGE node scripts/migrate.js
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, then `nest build` of both apps
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json .swcrc ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# ---- production dependencies only (the bundles keep node_modules external)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime: no compiler, no dev dependencies, not root
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node scripts/migrate.js ./scripts/migrate.js
COPY --chown=node:node scripts/lib/node-flags.js ./scripts/lib/node-flags.js
USER node
# crm-api on 3000, activity-logger's health and metrics on 3001.
EXPOSE 3000 3001
CMD ["node", "--no-allocation-site-pretenuring", "--heap-growing-percent=50", "dist/apps/crm-api/main.js"]
