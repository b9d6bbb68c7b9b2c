-- CreateTable
CREATE TABLE "Dispute" (
    "id" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "raisedById" TEXT NOT NULL,
    "interimOwnerId" TEXT NOT NULL,
    "partyAgencyIds" TEXT[],
    "agreementVersion" TEXT NOT NULL,
    "raisedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "closedAt" TIMESTAMP(3),
    "secondsToClose" INTEGER,
    "workingDaysToClose" INTEGER,
    "proposalId" TEXT,
    "stages" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Dispute_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Dispute_participantId_idx" ON "Dispute"("participantId");

-- CreateIndex
CREATE INDEX "Dispute_status_idx" ON "Dispute"("status");

