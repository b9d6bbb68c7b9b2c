-- Consent that matters (issue 15, part 6): who recorded the person's consent to share plan elements
-- beyond the care team, when, how and for which elements. Append-only, like the plan versions.

-- CreateTable
CREATE TABLE "ConsentRecord" (
    "id" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "given" BOOLEAN NOT NULL,
    "scope" TEXT[],
    "recordedById" TEXT,
    "recordedBy" TEXT NOT NULL,
    "how" TEXT NOT NULL,
    "note" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConsentRecord_participantId_at_idx" ON "ConsentRecord"("participantId", "at");

-- AddForeignKey
ALTER TABLE "ConsentRecord" ADD CONSTRAINT "ConsentRecord_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


CREATE TRIGGER "ConsentRecord_append_only" BEFORE UPDATE OR DELETE ON "ConsentRecord"
  FOR EACH ROW EXECUTE FUNCTION careloop_refuse_change();
CREATE TRIGGER "ConsentRecord_no_truncate" BEFORE TRUNCATE ON "ConsentRecord"
  FOR EACH STATEMENT EXECUTE FUNCTION careloop_refuse_change();

-- The old consent flag, carried over: a person marked as consenting is recorded as having
-- consented to what their plan's latest version marked for sharing (nothing, without a plan).
INSERT INTO "ConsentRecord" ("id", "participantId", "given", "scope", "recordedBy", "how", "note", "at")
SELECT 'consent-carried-' || p."id", p."id", true,
       ARRAY(SELECT jsonb_array_elements_text(COALESCE(v."content" -> 'shareBeyondCareTeam', '[]'::jsonb))),
       'careloop', 'other', 'Carried over from the consent flag kept before consent records, the elements are those the plan marked for sharing.', CURRENT_TIMESTAMP
FROM "Participant" p
LEFT JOIN "CarePlan" c ON c."participantId" = p."id"
LEFT JOIN LATERAL (SELECT pv."content" FROM "PlanVersion" pv WHERE pv."planId" = c."id" ORDER BY pv."number" DESC LIMIT 1) v ON true
WHERE p."consentToShare" = true;
