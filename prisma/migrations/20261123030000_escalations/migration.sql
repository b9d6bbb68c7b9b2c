-- CreateTable
CREATE TABLE "Escalation" (
    "id" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "riskLevel" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "sourceProcess" TEXT NOT NULL,
    "sourceWorkflowId" TEXT,
    "policyVersion" TEXT NOT NULL,
    "raisedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "chairId" TEXT NOT NULL,
    "promotions" INTEGER NOT NULL DEFAULT 0,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedOnTime" BOOLEAN,
    "respondedAt" TIMESTAMP(3),
    "respondedOnTime" BOOLEAN,
    "responseAction" TEXT,
    "resolvedAt" TIMESTAMP(3),
    "resolvedOnTime" BOOLEAN,
    "outcome" TEXT,
    "tiers" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Escalation_participantId_idx" ON "Escalation"("participantId");

-- CreateIndex
CREATE INDEX "Escalation_status_idx" ON "Escalation"("status");

