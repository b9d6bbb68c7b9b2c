// The weekly digest's Temporal Schedule (`careloop-weekly-digest`): every Monday at 08:00 in the
// partnership's time zone it starts workflows/digest.ts, which emails each person who chose it on
// their home page one list of what they owe. The worker makes sure it exists when it starts (a
// second worker finds it there and brings its time zone and task queue up to date, leaving a
// pause as it was), so `npm start` and a deployed worker alike have it with nothing to set up.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { weeklyDigestWorkflow, type WeeklyDigestWorkflowInput } from '../workflows/digest';

export const DIGEST_SCHEDULE_ID = 'careloop-weekly-digest';
/** A Monday missed while Temporal was down is still sent later that day; after that it waits for the next. */
const CATCHUP_WINDOW = '12 hours';

export function digestScheduleSpec(timeZone: string) {
  return { calendars: [{ dayOfWeek: 'MONDAY' as const, hour: 8, minute: 0, comment: 'careloop weekly digest' }], timezone: timeZone };
}

/** Creates the schedule, or brings an existing one's time, zone and task queue up to date. Answers whether it created it. */
export async function ensureDigestSchedule(client: Client, opts: { taskQueue: string; timeZone: string }): Promise<'created' | 'updated'> {
  const spec = digestScheduleSpec(opts.timeZone);
  const input: WeeklyDigestWorkflowInput = { timeZone: opts.timeZone };
  const action = { type: 'startWorkflow' as const, workflowType: weeklyDigestWorkflow, workflowId: DIGEST_SCHEDULE_ID, taskQueue: opts.taskQueue, args: [input] as [WeeklyDigestWorkflowInput] };
  // A week's run still going when the next is due (it never should be) is left to finish alone.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW };
  try {
    await client.schedule.create({ scheduleId: DIGEST_SCHEDULE_ID, spec, action, policies, state: { note: 'Created by the careloop worker' } });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(DIGEST_SCHEDULE_ID).update((prev) => ({ ...prev, spec, action, policies }));
    return 'updated';
  }
}
