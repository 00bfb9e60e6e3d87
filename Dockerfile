# syntax=docker/dockerfile:1
# The production path: `npm run build` compiles TypeScript to dist/, and the image runs `node dist/src/main.js`
# as the unprivileged `node` user. test/deploy.test.ts builds and starts the same output and checks this file.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY approvals ./approvals
RUN npm run build

FROM node:24-bookworm-slim
# MALLOC_ARENA_MAX: glibc gives each thread that mallocs (V8's compiler and GC helpers, libuv's pool) an arena of its
# own, up to 8 per core, and keeps their freed chunks; two arenas held the bot's malloc at 26 MiB where it was
# 33–37 MiB with 1,000 connectors watched (README, "Performance"; man 3 mallopt, M_ARENA_MAX).
ENV NODE_ENV=production PORT=3000 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
# /healthz needs no Slack signature; the slim image has no curl, so node asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself (readiness off, jobs drained, exit 0 within 25 s): no shell
# wrapper in between to swallow the signal.
STOPSIGNAL SIGTERM
# --optimize-for-size: without it V8 keeps the heap pages a burst used and a GC freed (`--trace-gc` counts them as
# "pooled"; only its memory-reducing GC returns them, and that waits for a quiet heap, which a bot polling 1,000 connectors
# every 30 s never has) and grows the old generation by up to 4× on a host with many GiB. With it every full GC
# is a memory-reducing one. It also shrinks the semi-spaces to 1 MiB, which made a 200-command burst scavenge
# so often that the ack p99 suffered (3.9× the bare Bolt app's, against 1.1× without the flag, back to back);
# --max-semi-space-size=8 gives the young generation 16 MiB again (1.6×) and keeps RSS at 135 MiB steady, where it
# was 188 without the flag (README, "Performance"; bench/RESULTS.md).
CMD ["node", "--optimize-for-size", "--max-semi-space-size=8", "dist/src/main.js"]
