-- AlterTable
ALTER TABLE "PlanVersion" ADD COLUMN     "acknowledgementRequired" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "PlanAcknowledgement" (
    "id" TEXT NOT NULL,
    "planVersionId" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "acknowledgedAt" TIMESTAMP(3) NOT NULL,
    "channel" TEXT NOT NULL,

    CONSTRAINT "PlanAcknowledgement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PlanAcknowledgement_planVersionId_staffId_key" ON "PlanAcknowledgement"("planVersionId", "staffId");

-- AddForeignKey
ALTER TABLE "PlanAcknowledgement" ADD CONSTRAINT "PlanAcknowledgement_planVersionId_fkey" FOREIGN KEY ("planVersionId") REFERENCES "PlanVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanAcknowledgement" ADD CONSTRAINT "PlanAcknowledgement_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

