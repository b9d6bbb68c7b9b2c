-- CreateTable
CREATE TABLE "PlanAction" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "controlId" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "ownerAgencyId" TEXT NOT NULL,
    "holderAgencyId" TEXT NOT NULL,
    "fromVersion" INTEGER NOT NULL,
    "lastVersion" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "endedAt" TIMESTAMP(3),
    "endedById" TEXT,
    "channel" TEXT,
    "reason" TEXT,
    "onTime" BOOLEAN,
    "wasOverdue" BOOLEAN NOT NULL DEFAULT false,
    "escalationId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanReview" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "holderAgencyId" TEXT NOT NULL,
    "triggers" TEXT[],
    "startedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "endedAt" TIMESTAMP(3),
    "endedById" TEXT,
    "reason" TEXT,
    "byVersion" INTEGER,
    "onTime" BOOLEAN,
    "wasOverdue" BOOLEAN NOT NULL DEFAULT false,
    "escalationId" TEXT,
    "updateRequests" JSONB NOT NULL DEFAULT '[]',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanReview_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PlanAction_planId_idx" ON "PlanAction"("planId");

-- CreateIndex
CREATE INDEX "PlanAction_participantId_idx" ON "PlanAction"("participantId");

-- CreateIndex
CREATE INDEX "PlanAction_dueAt_idx" ON "PlanAction"("dueAt");

-- CreateIndex
CREATE INDEX "PlanReview_planId_idx" ON "PlanReview"("planId");

-- CreateIndex
CREATE INDEX "PlanReview_participantId_idx" ON "PlanReview"("participantId");

-- CreateIndex
CREATE INDEX "PlanReview_startedAt_idx" ON "PlanReview"("startedAt");

