// The huddle commands: an agency's huddle schedule set, listed, paused, resumed or deleted (the
// same Temporal Schedule the managers' page sets, audited as the CLI's), and a huddle started now.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { AppError } from '../api/errors';
import { resolveAgency, ZAgencyRef } from '../api/people/directory';
import { createHuddleSchedules, type HuddleScheduleView } from '../api/huddles/schedules';
import { parseScheduleInput } from '../api/huddles/service';
import { manualHuddleId, type HuddleInput } from '../domain/huddle';
import { huddleWorkflow } from '../workflows/huddle';
import type { Db } from '../runtime/db';
import { cliActor, need, UsageError } from './usage';

type Out = (line: string) => void;
interface Temporal {
  client: Client;
  taskQueue: string;
}

export const HUDDLE_ACTIONS = ['schedule', 'schedules', 'pause', 'resume', 'unschedule', 'run'] as const;

export const HUDDLE_HELP = `  huddle schedule --agency KEY --at HH:MM --days DAYS
                                                    the agency's huddle: a Temporal Schedule at HH:MM on
                                                    DAYS (mon-fri, mon,wed,fri, daily) in TIME_ZONE; run
                                                    again to change it
  huddle schedules                                  every agency's huddle schedule and its next times
  huddle pause --agency KEY [--reason R]            no huddles start until resumed
  huddle resume --agency KEY
  huddle unschedule --agency KEY [--reason R]       delete the schedule (started huddles carry on)
  huddle run --agency KEY                           start a huddle now (as its schedule would, if it has one)`;

const baseUrl = () => process.env.PUBLIC_BASE_URL || `http://localhost:${process.env.PORT || 3000}`;

/** The partnership's zone, as the API reads it (TIME_ZONE, default UTC). */
function timeZone(): string {
  const tz = process.env.TIME_ZONE || 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
  } catch {
    throw new UsageError(`TIME_ZONE ${tz} is not a time zone; use an IANA name such as Europe/London`);
  }
  return tz;
}

function describe(s: HuddleScheduleView, when: (iso: string) => string): string[] {
  return [
    `${s.agency.key.padEnd(24)} ${s.words}${s.paused ? `  PAUSED${s.note ? ` (${s.note})` : ''}` : ''}`,
    ...(s.paused ? [] : s.next.slice(0, 2).map((n) => `  next: ${when(n)}`)),
    ...s.recent.slice(0, 3).map((r) => `  started: ${r.workflowId}`),
  ];
}

export async function huddleCommand(action: string, db: Db, values: { agency?: string; at?: string; days?: string; reason?: string }, out: Out, temporal: (() => Promise<Temporal>) | undefined): Promise<void> {
  if (!temporal) throw new UsageError(`huddle ${action} needs Temporal (TEMPORAL_ADDRESS)`);
  const tz = timeZone();
  const t = await temporal();
  const schedules = createHuddleSchedules({ db, temporal: t.client, taskQueue: t.taskQueue, timeZone: tz });
  const when = (iso: string) => new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: tz, timeZoneName: 'short' }).format(new Date(iso));
  const agency = async () => {
    const ref = need(ZAgencyRef, values.agency, 'agency');
    const a = await resolveAgency(db, ref);
    if (!a) throw new UsageError(`no agency ${ref}; see "agency list"`);
    return a;
  };
  const by = { staffId: null, actor: cliActor().actor };

  switch (action) {
    case 'schedule': {
      const a = await agency();
      let want;
      try {
        want = parseScheduleInput({ at: need(z.string(), values.at, 'at'), days: need(z.string(), values.days, 'days') });
      } catch (err) {
        if (err instanceof AppError) throw new UsageError((err.details?.fields ?? []).map((f) => `--${f.field}: ${f.message}`).join('; '));
        throw err;
      }
      const { view, created } = await schedules.set(by, a, { ...want, timeZone: tz });
      out(`${created ? 'scheduled' : 'changed'}: the ${a.name} huddle meets ${view.words}`);
      for (const n of view.next.slice(0, 3)) out(`  next: ${when(n)}`);
      return;
    }
    case 'schedules': {
      const agencies = await db.agency.findMany({ orderBy: { key: 'asc' }, select: { id: true, key: true, name: true } });
      let any = false;
      for (const a of agencies) {
        const s = await schedules.describe(a);
        if (!s) continue;
        any = true;
        for (const line of describe(s, when)) out(line);
      }
      if (!any) out('no agency has a huddle schedule; set one with: huddle schedule --agency KEY --at 09:30 --days mon-fri');
      return;
    }
    case 'pause':
    case 'resume':
    case 'unschedule': {
      const a = await agency();
      try {
        if (action === 'pause') await schedules.pause(by, a, values.reason);
        else if (action === 'resume') await schedules.resume(by, a);
        else await schedules.remove(by, a, values.reason);
      } catch (err) {
        if (err instanceof AppError) throw new UsageError(err.userMessage);
        throw err;
      }
      out(`${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'deleted'}: the ${a.name} huddle schedule`);
      return;
    }
    case 'run': {
      const a = await agency();
      if (await schedules.describe(a)) {
        await schedules.trigger(by, a);
        out(`started the ${a.name} huddle now, from its schedule: see ${baseUrl()}/huddles`);
        return;
      }
      const huddleId = manualHuddleId(a.key, new Date());
      const input: HuddleInput = { agencyId: a.id, huddleId };
      await t.client.workflow.start(huddleWorkflow, { taskQueue: t.taskQueue, workflowId: huddleId, args: [input] });
      out(`started huddle ${huddleId}: ${baseUrl()}/huddles/${encodeURIComponent(huddleId)}`);
      return;
    }
    default:
      throw new UsageError(`unknown command "huddle ${action}"; huddle commands:\n${HUDDLE_HELP}`);
  }
}
