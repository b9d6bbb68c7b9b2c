-- Why a task was refused or did not apply, as the person recorded it: the evidence report lists refusals with how they were managed.
ALTER TABLE "SprintTask" ADD COLUMN "reason" TEXT;
