
-- CreateTable
CREATE TABLE "CareTeamMember" (
    "id" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "agencyId" TEXT,
    "staffId" TEXT,
    "memberKey" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "sourceRef" TEXT NOT NULL DEFAULT '',
    "addedById" TEXT,
    "addedBy" TEXT NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" TEXT NOT NULL,
    "removedAt" TIMESTAMP(3),
    "removedById" TEXT,
    "removedBy" TEXT,
    "removedReason" TEXT,

    CONSTRAINT "CareTeamMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessLogEntry" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "staffId" TEXT,
    "actor" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "what" TEXT NOT NULL,
    "item" TEXT,
    "channel" TEXT NOT NULL,

    CONSTRAINT "AccessLogEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CareTeamMember_participantId_idx" ON "CareTeamMember"("participantId");

-- CreateIndex
CREATE INDEX "CareTeamMember_agencyId_idx" ON "CareTeamMember"("agencyId");

-- CreateIndex
CREATE INDEX "CareTeamMember_staffId_idx" ON "CareTeamMember"("staffId");

-- CreateIndex
CREATE UNIQUE INDEX "CareTeamMember_active_key" ON "CareTeamMember"("participantId", "memberKey", "source", "sourceRef") WHERE "removedAt" IS NULL;

-- CreateIndex
CREATE INDEX "AccessLogEntry_participantId_at_idx" ON "AccessLogEntry"("participantId", "at");

-- CreateIndex
CREATE INDEX "AccessLogEntry_staffId_at_idx" ON "AccessLogEntry"("staffId", "at");

-- AddForeignKey
ALTER TABLE "CareTeamMember" ADD CONSTRAINT "CareTeamMember_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- A membership names an agency or a person, never both, never neither.
ALTER TABLE "CareTeamMember" ADD CONSTRAINT "CareTeamMember_agency_or_staff"
  CHECK (("agencyId" IS NULL) <> ("staffId" IS NULL));

-- Who looked at whom is evidence: it may be added to, never rewritten.
CREATE TRIGGER "AccessLogEntry_append_only" BEFORE UPDATE OR DELETE ON "AccessLogEntry"
  FOR EACH ROW EXECUTE FUNCTION careloop_refuse_change();
CREATE TRIGGER "AccessLogEntry_no_truncate" BEFORE TRUNCATE ON "AccessLogEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION careloop_refuse_change();

-- Records from before the care team existed: the agencies their sprints and plans name.
INSERT INTO "CareTeamMember" ("id", "participantId", "agencyId", "memberKey", "source", "sourceRef", "addedBy", "reason")
SELECT DISTINCT ON (s."participantId", st."agencyId", s."id") 'ct_' || md5(s."id" || st."agencyId"), s."participantId", st."agencyId", 'agency:' || st."agencyId", 'sprint', s."id", 'system', 'coordinates a post-discharge sprint'
FROM "Sprint" s JOIN "Staff" st ON st."id" = s."coordinatorId"
ON CONFLICT DO NOTHING;
INSERT INTO "CareTeamMember" ("id", "participantId", "agencyId", "memberKey", "source", "sourceRef", "addedBy", "reason")
SELECT 'ct_' || md5(p."id" || st."agencyId"), p."participantId", st."agencyId", 'agency:' || st."agencyId", 'plan', p."id", 'system', 'holds the integrated plan'
FROM "CarePlan" p JOIN "Staff" st ON st."id" = p."planHolderId"
ON CONFLICT DO NOTHING;
