-- People leave (issue 12, part 5): API tokens expire, sessions end when idle, and a deactivation
-- is dated.

-- AlterTable
ALTER TABLE "Staff" ADD COLUMN     "apiTokenExpiresAt" TIMESTAMP(3),
ADD COLUMN     "deactivatedAt" TIMESTAMP(3);

-- Tokens issued before expiry existed stop in 90 days rather than never.
UPDATE "Staff" SET "apiTokenExpiresAt" = CURRENT_TIMESTAMP + INTERVAL '90 days' WHERE "apiTokenHash" IS NOT NULL;
-- And every token from now on has an expiry: code that forgets to set one fails loudly here.
ALTER TABLE "Staff" ADD CONSTRAINT "Staff_apiToken_expires" CHECK ("apiTokenHash" IS NULL OR "apiTokenExpiresAt" IS NOT NULL);

-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
