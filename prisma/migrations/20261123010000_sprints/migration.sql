-- AlterTable
ALTER TABLE "ActionToken" ADD COLUMN     "notificationKey" TEXT,
ADD COLUMN     "revokedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Sprint" (
    "id" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "coordinatorId" TEXT NOT NULL,
    "dischargeAt" TIMESTAMP(3) NOT NULL,
    "closesAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'open',
    "closedAt" TIMESTAMP(3),
    "firstContactMinutes" INTEGER,
    "tasksTotal" INTEGER NOT NULL DEFAULT 0,
    "tasksOnTime" INTEGER NOT NULL DEFAULT 0,
    "outcome" JSONB,

    CONSTRAINT "Sprint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SprintTask" (
    "sprintId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "statusReason" TEXT,
    "managedHow" TEXT,
    "endedAt" TIMESTAMP(3),
    "endedById" TEXT,
    "onTime" BOOLEAN NOT NULL DEFAULT false,
    "wasOverdue" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "SprintTask_pkey" PRIMARY KEY ("sprintId","key")
);

-- CreateIndex
CREATE INDEX "Sprint_participantId_idx" ON "Sprint"("participantId");

-- CreateIndex
CREATE INDEX "Sprint_status_idx" ON "Sprint"("status");

-- CreateIndex
CREATE INDEX "ActionToken_notificationKey_idx" ON "ActionToken"("notificationKey");

-- AddForeignKey
ALTER TABLE "Sprint" ADD CONSTRAINT "Sprint_participantId_fkey" FOREIGN KEY ("participantId") REFERENCES "Participant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sprint" ADD CONSTRAINT "Sprint_coordinatorId_fkey" FOREIGN KEY ("coordinatorId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SprintTask" ADD CONSTRAINT "SprintTask_sprintId_fkey" FOREIGN KEY ("sprintId") REFERENCES "Sprint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SprintTask" ADD CONSTRAINT "SprintTask_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

