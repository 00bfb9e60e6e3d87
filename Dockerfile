# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY approvals ./approvals
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
# node is PID 1 here: the bot handles SIGTERM itself and shuts down cleanly.
# --max-semi-space-size: on a machine with many GiB V8 lets the young generation grow to 128 MiB under the alert
# poll's churn and keeps it; live objects are ~40 MiB (bench/RESULTS.md, "The Slack edge"). 8 MiB semi-spaces
# cap it at 16 MiB.
CMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]
