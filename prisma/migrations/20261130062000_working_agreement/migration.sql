-- The working agreement as data (issue 16, part 4): escalation tiers, dispute stages, reminder
-- defaults and the calendar, one row per version, the newest in force. Append-only, like the
-- plan versions. Version 1 (careloop's constants as they stood, with the England and Wales bank
-- holidays from the holiday library) is written on first use by record/working-agreement.ts,
-- which can resolve the holidays (SQL cannot).

-- CreateTable
CREATE TABLE "WorkingAgreement" (
    "version" INTEGER NOT NULL,
    "content" JSONB NOT NULL,
    "publicHolidays" JSONB NOT NULL,
    "authorId" TEXT,
    "author" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkingAgreement_pkey" PRIMARY KEY ("version")
);

CREATE TRIGGER "WorkingAgreement_append_only" BEFORE UPDATE OR DELETE ON "WorkingAgreement"
  FOR EACH ROW EXECUTE FUNCTION careloop_refuse_change();
CREATE TRIGGER "WorkingAgreement_no_truncate" BEFORE TRUNCATE ON "WorkingAgreement"
  FOR EACH STATEMENT EXECUTE FUNCTION careloop_refuse_change();
