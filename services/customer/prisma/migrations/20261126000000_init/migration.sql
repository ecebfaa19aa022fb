-- Customer service: initial schema (matches prisma/schema.prisma; the drift test keeps them equal).
CREATE TABLE "customer" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "organisation_name" TEXT,
    "organisation_id" TEXT,
    "stage" TEXT NOT NULL,
    "owner_id" TEXT,
    "country" TEXT,
    "time_zone" TEXT,
    "locale" TEXT,
    "birthday" TEXT,
    "tags" TEXT[],
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "purchase_count" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "merged_into_id" TEXT,
    "erased_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "customer_stage_idx" ON "customer"("stage");
CREATE INDEX "customer_owner_id_idx" ON "customer"("owner_id");
CREATE INDEX "customer_merged_into_id_idx" ON "customer"("merged_into_id");

CREATE TABLE "contact_point" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "normalized" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "primary" BOOLEAN NOT NULL DEFAULT false,
    "address" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "contact_point_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "contact_point_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "contact_point_type_normalized_idx" ON "contact_point"("type", "normalized");
CREATE INDEX "contact_point_customer_id_idx" ON "contact_point"("customer_id");

CREATE TABLE "external_id" (
    "source" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "external_id_pkey" PRIMARY KEY ("source", "external_id"),
    CONSTRAINT "external_id_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "external_id_customer_id_idx" ON "external_id"("customer_id");

CREATE TABLE "consent" (
    "customer_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "granted" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "consent_pkey" PRIMARY KEY ("customer_id", "channel", "purpose"),
    CONSTRAINT "consent_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "consent_history" (
    "id" BIGSERIAL NOT NULL,
    "customer_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "granted" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "consent_history_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "consent_history_customer_id_idx" ON "consent_history"("customer_id");

CREATE TABLE "stage_change" (
    "id" BIGSERIAL NOT NULL,
    "customer_id" TEXT NOT NULL,
    "from_stage" TEXT,
    "to_stage" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "stage_change_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "stage_change_customer_id_idx" ON "stage_change"("customer_id");

CREATE TABLE "lead" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "campaign_id" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "company" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "reason" TEXT,
    "converted_customer_id" TEXT,
    "history" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "erased_at" TIMESTAMPTZ(3),
    CONSTRAINT "lead_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "lead_status_idx" ON "lead"("status");

CREATE TABLE "audit_entry" (
    "id" BIGSERIAL NOT NULL,
    "customer_id" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "fields" TEXT[],
    "request_id" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_entry_customer_id_id_idx" ON "audit_entry"("customer_id", "id");

-- The audit log is append-only: no row is ever changed or removed, by the service or by hand.
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only';
END $$;
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON "audit_entry"
  FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();

CREATE TABLE "erasure_confirmation" (
    "customer_id" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "confirmed_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "erasure_confirmation_pkey" PRIMARY KEY ("customer_id", "service")
);

-- shared platform tables (packages/db/prisma/shared-migration.sql)

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
