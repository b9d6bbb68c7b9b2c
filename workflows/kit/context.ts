// What every process does around its steps: audit each state change (keyed on the workflow id,
// stamped with the workflow's clock), keep its search attributes current, send email keyed on
// the workflow id, and finish only once the work its handlers started has finished.
import { allHandlersFinished, condition, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Commit, ProcessEmail, ProcessEvent, TokenRevocation } from '../../activities';
import type { TimelineEntry } from '../../domain/sprint';
import { CareloopParticipant, CareloopProcess } from '../../domain/search-attributes';
import { workflowNowIso } from '../clock';
import { local, notifying } from './activities';

export type ProcessName = 'sprint' | 'plan-change' | 'escalation' | 'dispute' | 'plan-steps' | 'huddle';

/** Who acted: a person (with the channel they used), or, when absent, careloop itself. */
export interface ProcessActor {
  staffId: string;
  name: string;
  channel?: string;
}

export interface EventSpec {
  actor?: ProcessActor;
  reason?: string;
  /** The item the event is about; the process's default item when absent. */
  item?: string | null;
  /** The timeline's wording, when the process keeps a timeline (else the reason). */
  detail?: string;
  data?: Record<string, unknown>;
}

export interface ProcessContextOptions {
  process: ProcessName;
  participantId: string;
  /** The audit item of an event that names none. */
  item?: () => string | null;
  /** Data every event of the process carries (the dispute's stage, say). */
  data?: () => Record<string, unknown>;
  /** A timeline the process keeps in its state (the sprint's): one entry per audit event. */
  timeline?: TimelineEntry[];
  /** The process's search attributes besides its kind and participant, from its live state. */
  searchAttributes: () => SearchAttributeUpdatePair[];
}

export type ProcessContext = ReturnType<typeof processContext>;

export function processContext(opts: ProcessContextOptions) {
  const { workflowId } = workflowInfo();
  let events = 0;
  let begun = false;
  let working = 0;
  let published = '';
  let publishing = false;
  // Emails asked for in the same activation (two reminders due at one instant, say) go out in one activity.
  let batch: (Required<Commit> & { emails: ProcessEmail[]; sent: Promise<unknown> }) | undefined;

  /** One audit event, numbered in order: its key makes every retry write it once. */
  const event = (action: string, spec: EventSpec = {}): ProcessEvent => {
    events += 1;
    const at = workflowNowIso();
    const item = spec.item !== undefined ? spec.item : (opts.item?.() ?? null);
    opts.timeline?.push({ at, type: action, taskKey: item ?? undefined, actor: spec.actor?.name, detail: spec.detail ?? spec.reason });
    return {
      actor: spec.actor?.name ?? 'careloop',
      actorId: spec.actor?.staffId ?? null,
      action,
      reason: spec.reason ?? null,
      process: opts.process,
      workflowId,
      item,
      participantId: opts.participantId,
      data: { ...opts.data?.(), ...spec.data, ...(spec.actor?.channel ? { channel: spec.actor.channel } : {}) },
      idempotencyKey: `${workflowId}:${events}:${action}`,
      at,
    };
  };

  return {
    workflowId,
    event,
    /** The process's start is on the record (its first event written, its first emails sent). */
    begun: () => {
      begun = true;
    },
    /**
     * For an update handler: an update that reaches the process in the same first task as its
     * start (the SDK runs it as the handler is set) waits until the start is on the record, so
     * the audit trail and the emails go in the order things happened. No patch: sprints and plan
     * changes are pinned to their build (docs/releases.md), and a recorded history whose updates
     * came after the start never waits, so it replays as it ran.
     */
    afterStart: async (): Promise<void> => {
      if (!begun) await condition(() => begun);
    },
    /** A key for an email or a record, unique to this workflow. */
    key: (...parts: (string | number)[]) => `${workflowId}:${parts.join(':')}`,
    /** A state change with no other side effect: its audit event (and the links it ends), in one local write. */
    record: (action: string, spec: EventSpec = {}, revoke: TokenRevocation[] = []) => local.recordEvents({ events: [event(action, spec)], revoke }),
    /**
     * Emails of one step, with the step's audit events and the links it ends committed first.
     * Steps that notify in the same activation share one activity (deterministically: the batch
     * closes on the next microtask, before the activation ends).
     */
    notify: (emails: ProcessEmail[], commit: Commit = {}): Promise<unknown> => {
      if (!batch) {
        const open = { emails: [] as ProcessEmail[], events: [] as ProcessEvent[], revoke: [] as TokenRevocation[], sent: Promise.resolve() as Promise<unknown> };
        open.sent = Promise.resolve().then(() => {
          batch = undefined;
          return notifying.notify({ workflowId, emails: open.emails, events: open.events, revoke: open.revoke });
        });
        batch = open;
      }
      batch.emails.push(...emails);
      batch.events.push(...(commit.events ?? []));
      batch.revoke.push(...(commit.revoke ?? []));
      return batch.sent;
    },
    /**
     * Keeps the search attributes current: changes made in one activation are written once, at
     * its end (on the next microtask, deterministically), and an unchanged set writes nothing.
     */
    publish: () => {
      if (publishing) return;
      publishing = true;
      void Promise.resolve().then(() => {
        publishing = false;
        const pairs: SearchAttributeUpdatePair[] = [{ key: CareloopProcess, value: opts.process }, { key: CareloopParticipant, value: opts.participantId }, ...opts.searchAttributes()];
        const now = JSON.stringify(pairs.map((p) => [p.key.name, p.value]));
        if (now === published) return;
        published = now;
        upsertSearchAttributes(pairs);
      });
    },
    /** Runs work a handler or a deadline started without waiting for it; `settled()` waits for it. */
    inFlight: async (work: () => Promise<unknown>): Promise<void> => {
      working += 1;
      try {
        await work();
      } finally {
        working -= 1;
      }
    },
    /** Every update, signal and started piece of work has finished: the process may close. */
    settled: () => condition(() => allHandlersFinished() && working === 0),
  };
}
