-- Ticketing service: initial schema (matches prisma/schema.prisma; the drift test keeps them equal),
-- plus the seeded defaults: a Mon-Fri 09:00-18:00 calendar, P1..P4 SLA targets and a general queue.
CREATE TABLE "ticket" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "origin_interaction_id" TEXT,
    "subject" TEXT,
    "description" TEXT,
    "category" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "tags" TEXT[],
    "status" TEXT NOT NULL,
    "queue_id" TEXT,
    "assignee_id" TEXT,
    "sla_policy_id" TEXT,
    "first_response_due_at" TIMESTAMPTZ(3),
    "resolution_due_at" TIMESTAMPTZ(3),
    "next_due_at" TIMESTAMPTZ(3),
    "next_sla_check_at" TIMESTAMPTZ(3),
    "first_public_reply_at" TIMESTAMPTZ(3),
    "public_reply_count" INTEGER NOT NULL DEFAULT 0,
    "replies_before_resolve" INTEGER NOT NULL DEFAULT 0,
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "first_resolved_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "reopened_at" TIMESTAMPTZ(3),
    "reopen_count" INTEGER NOT NULL DEFAULT 0,
    "escalation_level" INTEGER NOT NULL DEFAULT 0,
    "erased_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ticket_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "ticket_origin_interaction_id_key" ON "ticket"("origin_interaction_id");
CREATE INDEX "ticket_customer_id_idx" ON "ticket"("customer_id");
CREATE INDEX "ticket_queue_id_status_idx" ON "ticket"("queue_id", "status");
CREATE INDEX "ticket_assignee_id_status_idx" ON "ticket"("assignee_id", "status");
CREATE INDEX "ticket_next_sla_check_at_idx" ON "ticket"("next_sla_check_at");
CREATE INDEX "ticket_next_due_at_idx" ON "ticket"("next_due_at");
CREATE INDEX "ticket_created_at_idx" ON "ticket"("created_at");

CREATE TABLE "ticket_message" (
    "id" TEXT NOT NULL,
    "ticket_id" TEXT NOT NULL,
    "visibility" TEXT NOT NULL,
    "author_type" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "body" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ticket_message_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ticket_message_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "ticket_message_ticket_id_created_at_idx" ON "ticket_message"("ticket_id", "created_at");

CREATE TABLE "ticket_history" (
    "id" BIGSERIAL NOT NULL,
    "ticket_id" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "from_value" TEXT,
    "to_value" TEXT,
    "by" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ticket_history_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ticket_history_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "ticket_history_ticket_id_at_idx" ON "ticket_history"("ticket_id", "at");

CREATE TABLE "queue" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "skills" TEXT[],
    "strategy" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "queue_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "queue_name_key" ON "queue"("name");

CREATE TABLE "agent" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "skills" TEXT[],
    "capacity" INTEGER NOT NULL,
    "available" BOOLEAN NOT NULL DEFAULT true,
    "last_assigned_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "agent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "business_calendar" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "working_hours" JSONB NOT NULL,
    "holidays" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "business_calendar_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "sla_policy" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "category" TEXT,
    "calendar_id" TEXT NOT NULL,
    "first_response_minutes" INTEGER NOT NULL,
    "resolution_minutes" INTEGER NOT NULL,
    "pause_on_hold" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sla_policy_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "sla_policy_priority_idx" ON "sla_policy"("priority");

CREATE TABLE "escalation_rule" (
    "id" TEXT NOT NULL,
    "rule" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "escalation_rule_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "sla_breach" (
    "ticket_id" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "breached_at" TIMESTAMPTZ(3) NOT NULL,
    "detected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sla_breach_pkey" PRIMARY KEY ("ticket_id","metric")
);

CREATE TABLE "applied_escalation" (
    "ticket_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "rule_id" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "applied_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "applied_escalation_pkey" PRIMARY KEY ("ticket_id","key")
);

CREATE TABLE "satisfaction_rating" (
    "ticket_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "rating" INTEGER NOT NULL,
    "comment" TEXT,
    "rated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "satisfaction_rating_pkey" PRIMARY KEY ("ticket_id")
);
CREATE INDEX "satisfaction_rating_customer_id_idx" ON "satisfaction_rating"("customer_id");

-- Seeded defaults.
INSERT INTO "business_calendar" ("id", "name", "time_zone", "working_hours", "holidays") VALUES
  ('cal_default', 'Mon-Fri 09:00-18:00', 'UTC',
   '{"mon":[{"start":"09:00","end":"18:00"}],"tue":[{"start":"09:00","end":"18:00"}],"wed":[{"start":"09:00","end":"18:00"}],"thu":[{"start":"09:00","end":"18:00"}],"fri":[{"start":"09:00","end":"18:00"}],"sat":[],"sun":[]}',
   '[]');
INSERT INTO "sla_policy" ("id", "name", "priority", "category", "calendar_id", "first_response_minutes", "resolution_minutes") VALUES
  ('sla_p1', 'P1 default', 'P1', NULL, 'cal_default', 60, 240),
  ('sla_p2', 'P2 default', 'P2', NULL, 'cal_default', 240, 1080),
  ('sla_p3', 'P3 default', 'P3', NULL, 'cal_default', 480, 2700),
  ('sla_p4', 'P4 default', 'P4', NULL, 'cal_default', 1080, 5400);
INSERT INTO "queue" ("id", "name", "skills", "strategy") VALUES
  ('q_00000000000000000000000001', 'general', '{}', 'round_robin');


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
