// An agency's huddle schedule: a Temporal Schedule (`huddle-<agency key>`) that starts the
// huddle workflow at a time of day on the days chosen, in the partnership's time zone. Temporal
// holds the schedule; careloop keeps its words (time, days, who set it) in its memo and each
// change in the audit trail. The managers' page and the CLI both come through here.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Db } from '../../runtime/db';
import { recordAuditEvent } from '../../record/audit';
import { daysInWords, HUDDLE_DAYS, huddleScheduleId, TEMPORAL_DAY, timeOfDay, type HuddleDay, type HuddleInput } from '../../domain/huddle';
import { huddleWorkflow } from '../../workflows/huddle';
import { AppError } from '../errors';

export interface ScheduleActor {
  /** Null for the CLI. */
  staffId: string | null;
  /** As the audit trail names them: a staff email, or `cli:<user>`. */
  actor: string;
}

export interface HuddleScheduleView {
  scheduleId: string;
  agency: { id: string; key: string; name: string };
  time: string;
  days: HuddleDay[];
  /** "weekdays at 09:30 (Europe/London)". */
  words: string;
  timeZone: string;
  paused: boolean;
  /** Why it is paused, as the person who paused it said. */
  note?: string;
  /** The next few times it will start a huddle. */
  next: string[];
  /** The huddles it started most recently: workflow ids and when. */
  recent: { workflowId: string; at: string }[];
}

/** Temporal's days of the week, in its order (Sunday first), for reading a calendar's ranges. */
const TEMPORAL_WEEK = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
const DAY_OF: Record<string, HuddleDay> = Object.fromEntries(Object.entries(TEMPORAL_DAY).map(([d, t]) => [t, d as HuddleDay]));

/** A calendar's days of the week (ranges of Temporal's day names) as careloop's, in week order. */
function daysOf(ranges: readonly { start: string; end: string; step: number }[]): HuddleDay[] {
  const chosen = new Set<HuddleDay>();
  for (const r of ranges) {
    const from = TEMPORAL_WEEK.indexOf(r.start as (typeof TEMPORAL_WEEK)[number]);
    const to = TEMPORAL_WEEK.indexOf(r.end as (typeof TEMPORAL_WEEK)[number]);
    for (let i = from; i >= 0 && i <= Math.max(from, to); i += Math.max(r.step, 1)) chosen.add(DAY_OF[TEMPORAL_WEEK[i]!]!);
  }
  return HUDDLE_DAYS.filter((d) => chosen.has(d));
}

/** A huddle that started more than this late (the server was down at its time) is skipped. */
const CATCHUP_WINDOW = '2 hours';

export function scheduleWords(time: string, days: readonly HuddleDay[], timeZone: string): string {
  return `${daysInWords(days)} at ${time} (${timeZone})`;
}

export function createHuddleSchedules(deps: { db: Db; temporal: Client; taskQueue: string; timeZone: string }) {
  const handleOf = (agencyKey: string) => deps.temporal.schedule.getHandle(huddleScheduleId(agencyKey));

  async function audit(by: ScheduleActor, action: string, agency: { id: string; key: string }, data: Record<string, unknown> = {}, reason?: string) {
    await recordAuditEvent(deps.db, { actor: by.actor, actorId: by.staffId, action, process: 'huddle', item: huddleScheduleId(agency.key), reason: reason ?? null, data: { agencyId: agency.id, ...data } });
  }

  function viewOf(agency: { id: string; key: string; name: string }, d: ScheduleDescription): HuddleScheduleView {
    // The spec is the truth (a memo cannot change once the schedule exists): its first calendar.
    const cal = d.spec.calendars?.[0];
    const time = cal ? timeOfDay(Number(cal.hour[0]?.start ?? 0), Number(cal.minute[0]?.start ?? 0)) : '';
    const days = cal ? daysOf(cal.dayOfWeek) : [];
    const timeZone = d.spec.timezone ?? deps.timeZone;
    return {
      scheduleId: d.scheduleId,
      agency,
      time,
      days,
      words: scheduleWords(time, days, timeZone),
      timeZone,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      next: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      recent: d.info.recentActions
        .slice(-5)
        .reverse()
        .flatMap((a) => (a.action.type === 'startWorkflow' ? [{ workflowId: a.action.workflow.workflowId, at: a.scheduledAt.toISOString() }] : [])),
    };
  }

  return {
    /** The agency's huddle schedule, or undefined when it has none. */
    async describe(agency: { id: string; key: string; name: string }): Promise<HuddleScheduleView | undefined> {
      try {
        return viewOf(agency, await handleOf(agency.key).describe());
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      }
    },

    /**
     * Sets the agency's huddle time and days: a new schedule, or the existing one changed (its
     * paused state kept). Huddles already started are not touched.
     */
    async set(by: ScheduleActor, agency: { id: string; key: string; name: string }, want: { hour: number; minute: number; days: HuddleDay[]; timeZone?: string }): Promise<{ view: HuddleScheduleView; created: boolean }> {
      const timeZone = want.timeZone ?? deps.timeZone;
      const time = timeOfDay(want.hour, want.minute);
      const spec = { calendars: [{ hour: want.hour, minute: want.minute, dayOfWeek: want.days.map((d) => TEMPORAL_DAY[d]), comment: `${agency.name} huddle` }], timezone: timeZone };
      const input: HuddleInput = { agencyId: agency.id, scheduleId: huddleScheduleId(agency.key) };
      const action = { type: 'startWorkflow' as const, workflowType: huddleWorkflow, workflowId: huddleScheduleId(agency.key), taskQueue: deps.taskQueue, args: [input] as [HuddleInput] };
      // A huddle stays open while its decisions are followed up: the next one starts all the same.
      const policies = { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: CATCHUP_WINDOW };
      let created = true;
      try {
        await deps.temporal.schedule.create({ scheduleId: huddleScheduleId(agency.key), spec, action, policies, memo: { agencyId: agency.id }, state: { note: `Set by ${by.actor}` } });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        created = false;
        await handleOf(agency.key).update((prev) => ({ ...prev, spec, action, policies }));
      }
      await audit(by, created ? 'huddle-schedule.created' : 'huddle-schedule.changed', agency, { time, days: want.days, timeZone });
      return { view: viewOf(agency, await handleOf(agency.key).describe()), created };
    },

    async pause(by: ScheduleActor, agency: { id: string; key: string; name: string }, reason?: string): Promise<void> {
      await this.mustExist(agency);
      await handleOf(agency.key).pause(reason?.trim() || `Paused by ${by.actor}`);
      await audit(by, 'huddle-schedule.paused', agency, {}, reason);
    },

    async resume(by: ScheduleActor, agency: { id: string; key: string; name: string }): Promise<void> {
      await this.mustExist(agency);
      await handleOf(agency.key).unpause(`Resumed by ${by.actor}`);
      await audit(by, 'huddle-schedule.resumed', agency);
    },

    /** No more huddles start; those already started carry on until their decisions are closed. */
    async remove(by: ScheduleActor, agency: { id: string; key: string; name: string }, reason?: string): Promise<void> {
      await this.mustExist(agency);
      await handleOf(agency.key).delete();
      await audit(by, 'huddle-schedule.deleted', agency, {}, reason);
    },

    /** Starts a huddle now, as the schedule would (its id is the schedule's with this moment's time). */
    async trigger(by: ScheduleActor, agency: { id: string; key: string; name: string }): Promise<void> {
      await this.mustExist(agency);
      await handleOf(agency.key).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      await audit(by, 'huddle-schedule.triggered', agency);
    },

    async mustExist(agency: { id: string; key: string; name: string }): Promise<HuddleScheduleView> {
      const view = await this.describe(agency);
      if (!view) throw new AppError('NOT_FOUND', `${agency.name} has no huddle schedule. Set its time and days first.`);
      return view;
    },
  };
}

export type HuddleSchedules = ReturnType<typeof createHuddleSchedules>;
