-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "acknowledgeDueAt" TIMESTAMP(3),
ADD COLUMN     "causeResolvedAt" TIMESTAMP(3),
ADD COLUMN     "respondDueAt" TIMESTAMP(3),
ADD COLUMN     "responderIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "sourceItem" TEXT;

-- CreateTable
CREATE TABLE "NoticeBatch" (
    "id" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "sendAt" TIMESTAMP(3) NOT NULL,
    "claimedBy" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NoticeBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HeldNotice" (
    "idempotencyKey" TEXT NOT NULL,
    "batchId" TEXT NOT NULL,
    "escalationId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HeldNotice_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateIndex
CREATE INDEX "NoticeBatch_recipientId_participantId_sentAt_idx" ON "NoticeBatch"("recipientId", "participantId", "sentAt");

-- CreateIndex
CREATE UNIQUE INDEX "NoticeBatch_recipientId_participantId_seq_key" ON "NoticeBatch"("recipientId", "participantId", "seq");

-- CreateIndex
CREATE INDEX "HeldNotice_batchId_idx" ON "HeldNotice"("batchId");

-- CreateIndex
CREATE INDEX "Escalation_chairId_idx" ON "Escalation"("chairId");

-- AddForeignKey
ALTER TABLE "HeldNotice" ADD CONSTRAINT "HeldNotice_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "NoticeBatch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

