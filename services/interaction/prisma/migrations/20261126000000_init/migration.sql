-- Interaction service: initial schema (matches prisma/schema.prisma; the drift test keeps them equal).
CREATE TABLE "interaction" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "external_id" TEXT,
    "channel" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "intent" TEXT,
    "subject" TEXT,
    "summary" TEXT,
    "agent_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_seconds" INTEGER,
    "outcome" TEXT,
    "ticket_id" TEXT,
    "campaign_id" TEXT,
    "queue_id" TEXT,
    "queue_wait_seconds" INTEGER,
    "handle_seconds" INTEGER,
    "first_contact_resolution" BOOLEAN,
    "source" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "corrected" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "interaction_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "interaction_external_id_key" ON "interaction"("external_id");
CREATE INDEX "interaction_customer_id_occurred_at_id_idx" ON "interaction"("customer_id", "occurred_at", "id");
CREATE INDEX "interaction_ticket_id_idx" ON "interaction"("ticket_id");
-- Full-text search over subject + summary ('simple' configuration: no language stemming, any language).
-- An expression index: Prisma cannot declare it and the drift check ignores it.
CREATE INDEX "interaction_text_search_idx" ON "interaction"
    USING GIN (to_tsvector('simple', coalesce("subject", '') || ' ' || coalesce("summary", '')));

CREATE TABLE "interaction_revision" (
    "interaction_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "changed_fields" TEXT[],
    "changed_by" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "interaction_revision_pkey" PRIMARY KEY ("interaction_id", "version")
);
ALTER TABLE "interaction_revision" ADD CONSTRAINT "interaction_revision_interaction_id_fkey"
    FOREIGN KEY ("interaction_id") REFERENCES "interaction"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "purchase" (
    "id" TEXT NOT NULL,
    "source_system" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "lines" JSONB NOT NULL DEFAULT '[]',
    "amount" DECIMAL(18,4) NOT NULL,
    "refunded_amount" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "channel" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "campaign_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "purchase_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "purchase_amount_check" CHECK ("amount" >= 0),
    CONSTRAINT "purchase_refunded_check" CHECK ("refunded_amount" >= 0 AND "refunded_amount" <= "amount")
);
CREATE UNIQUE INDEX "purchase_source_system_order_id_key" ON "purchase"("source_system", "order_id");
CREATE INDEX "purchase_customer_id_occurred_at_id_idx" ON "purchase"("customer_id", "occurred_at", "id");

CREATE TABLE "refund" (
    "id" TEXT NOT NULL,
    "purchase_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "currency" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "refund_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "refund_amount_check" CHECK ("amount" > 0)
);
CREATE INDEX "refund_purchase_id_idx" ON "refund"("purchase_id");
CREATE INDEX "refund_customer_id_occurred_at_id_idx" ON "refund"("customer_id", "occurred_at", "id");
ALTER TABLE "refund" ADD CONSTRAINT "refund_purchase_id_fkey"
    FOREIGN KEY ("purchase_id") REFERENCES "purchase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "survey_response" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "score" INTEGER,
    "servqual" JSONB,
    "comment" TEXT,
    "ticket_id" TEXT,
    "interaction_id" TEXT,
    "campaign_id" TEXT,
    "answered_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "survey_response_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "survey_response_customer_id_answered_at_id_idx" ON "survey_response"("customer_id", "answered_at", "id");

CREATE TABLE "customer_ref" (
    "id" TEXT NOT NULL,
    "live_id" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "customer_ref_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "customer_ref_live_id_idx" ON "customer_ref"("live_id");


-- CreateTable
CREATE TABLE "outbox_event" (
    "seq" BIGSERIAL NOT NULL,
    "id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT,
    "type" TEXT NOT NULL,
    "payload" JSONB,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_id_key" ON "outbox_event"("id");

-- The relay polls `WHERE published_at IS NULL ORDER BY seq LIMIT n`. Only this partial index serves that
-- query in time independent of the published history (a plain (published_at, seq) index is not used for the
-- ORDER BY: the planner walks the primary key and filters). Prisma cannot declare partial indexes, so
-- schema.prisma has no @@index for it.
CREATE INDEX "outbox_event_unpublished_idx" ON "outbox_event"("seq") WHERE "published_at" IS NULL;

-- CreateTable
CREATE TABLE "processed_event" (
    "consumer_group" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("consumer_group","event_id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "key" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER,
    "response" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("key","scope")
);
