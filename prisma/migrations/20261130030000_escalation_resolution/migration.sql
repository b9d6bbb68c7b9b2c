-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "resolvedBy" TEXT;


-- Until now only a chair could resolve an escalation.
UPDATE "Escalation" SET "resolvedBy" = 'chair' WHERE "status" = 'resolved';
