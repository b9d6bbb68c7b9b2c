-- CreateTable
CREATE TABLE "Huddle" (
    "id" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "scheduleId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "roster" JSONB NOT NULL,
    "rosterProblem" TEXT,
    "status" TEXT NOT NULL,
    "notesCloseAt" TIMESTAMP(3) NOT NULL,
    "notesClosedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Huddle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HuddleAttendance" (
    "huddleId" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "invited" BOOLEAN NOT NULL DEFAULT false,
    "attended" BOOLEAN NOT NULL DEFAULT false,
    "recordedById" TEXT,
    "recordedAt" TIMESTAMP(3),

    CONSTRAINT "HuddleAttendance_pkey" PRIMARY KEY ("huddleId","staffId")
);

-- CreateTable
CREATE TABLE "HuddleDecision" (
    "id" TEXT NOT NULL,
    "huddleId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "participantId" TEXT,
    "text" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "ownerAgencyId" TEXT NOT NULL,
    "decidedById" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "endedAt" TIMESTAMP(3),
    "endedById" TEXT,
    "channel" TEXT,
    "note" TEXT,
    "onTime" BOOLEAN,
    "wasOverdue" BOOLEAN NOT NULL DEFAULT false,
    "escalationId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HuddleDecision_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Huddle_agencyId_startedAt_idx" ON "Huddle"("agencyId", "startedAt");

-- CreateIndex
CREATE INDEX "HuddleAttendance_staffId_idx" ON "HuddleAttendance"("staffId");

-- CreateIndex
CREATE INDEX "HuddleDecision_huddleId_idx" ON "HuddleDecision"("huddleId");

-- CreateIndex
CREATE INDEX "HuddleDecision_ownerId_idx" ON "HuddleDecision"("ownerId");

-- CreateIndex
CREATE INDEX "HuddleDecision_participantId_idx" ON "HuddleDecision"("participantId");

-- AddForeignKey
ALTER TABLE "HuddleAttendance" ADD CONSTRAINT "HuddleAttendance_huddleId_fkey" FOREIGN KEY ("huddleId") REFERENCES "Huddle"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HuddleDecision" ADD CONSTRAINT "HuddleDecision_huddleId_fkey" FOREIGN KEY ("huddleId") REFERENCES "Huddle"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

