# syntax=docker/dockerfile:1
# The tools image of docker-compose.yml: the whole workspace with its dependencies, used by the one-shot
# `migrate` (infra/postgres/prepare.ts) and `topics` (infra/kafka/create-topics.ts) services.
# Build context: the repository root.
FROM node:24-slim
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true \
    PRISMA_SCHEMA_ENGINE_BINARY=/repo/infra/postgres/no-schema-engine
RUN npm install -g pnpm@10.34.8 && pnpm config set store-dir /pnpm/store
WORKDIR /repo
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile && chown -R node:node /repo
USER node
CMD ["node", "--import", "tsx", "infra/kafka/create-topics.ts"]
