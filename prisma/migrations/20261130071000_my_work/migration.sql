-- AlterTable
ALTER TABLE "Staff" ADD COLUMN     "weeklyDigest" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "PlanAction_ownerId_status_idx" ON "PlanAction"("ownerId", "status");

-- CreateIndex
CREATE INDEX "PlanReview_ownerId_status_idx" ON "PlanReview"("ownerId", "status");

