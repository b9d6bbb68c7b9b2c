// The escalation service: raising an escalation by hand, reading its live state, and the chair's
// three steps (acknowledge, respond, resolve) by API or emailed link. The workflow has the last
// word on state; the rules about who may see what live here.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../runtime/db';
import { AppError, parseInput } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import type { Caller } from '../sprints/service';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader } from '../access';
import { spendActionToken, type ActionTokenRow } from '../links/tokens';
import { ESCALATION_POLICY, policyWith, RISK_LEVELS, type EscalationPolicy, type EscalationState } from '../../domain/escalation';
import { windowOverrides, ZAcknowledgeEscalation, ZEscalationNote, ZRaiseEscalation, ZResolveEscalation, ZRespondEscalation } from '../../domain/escalation-input';
import type { ActionChannel } from '../../domain/sprint';
import { escalationPolicyOf } from '../../domain/working-agreement';
import { agreementInForce } from '../../record/working-agreement';
import { acknowledgeEscalationUpdate, addEscalationNoteSignal, escalationStateQuery, escalationWorkflow, resolveEscalationUpdate, respondEscalationUpdate } from '../../workflows/escalation';

export interface EscalationServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
}

const ID_PATTERN = /^escalation-[\w.:-]{1,200}$/;

/** What another process's state shows of an escalation it raised. */
export interface LiveEscalation {
  status: EscalationState['status'] | 'unavailable';
  tier?: EscalationState['tier'];
  chair?: { id: string; name: string };
  acknowledgeDueAt?: string;
  respondDueAt?: string;
  link: string;
}

const isoDuration = (ms: number) => {
  const h = Math.floor(ms / 3600_000);
  const m = Math.floor((ms % 3600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
};

/** A policy (the working agreement's in force, careloop's defaults when none is given), readable: windows as ISO-8601 durations as well as milliseconds. */
export function describeEscalationPolicy(policy: EscalationPolicy = ESCALATION_POLICY) {
  return {
    version: policy.version,
    tiers: RISK_LEVELS.map((level) => {
      const t = policy.tiers[level];
      return { riskLevel: level, ...t, acknowledgeWithin: isoDuration(t.acknowledgeWithinMs), respondWithin: isoDuration(t.respondWithinMs), next: t.next ?? null };
    }),
    requiredFields: ['riskLevel', 'trigger', 'responseAction', 'outcome'],
  };
}

/** The live status of an escalation another process raised, for that process's state. */
export async function liveEscalation(temporal: Client, id: string): Promise<LiveEscalation> {
  const link = `/api/escalations/${id}`;
  try {
    const s = await temporal.workflow.getHandle(id).query(escalationStateQuery);
    return { status: s.status, tier: s.tier, chair: { id: s.chair.id, name: s.chair.name }, acknowledgeDueAt: s.acknowledgeDueAt, respondDueAt: s.respondDueAt, link };
  } catch {
    // Not started yet, or the server is away: the raising process's state still reads.
    return { status: 'unavailable', link };
  }
}

/** Adds the live status to each escalation a process raised as a workflow. */
export async function withLiveEscalations<E extends { workflowId?: string }, S extends { escalations: E[] }>(temporal: Client, state: S): Promise<S> {
  const escalations = await Promise.all(state.escalations.map(async (e) => (e.workflowId ? { ...e, live: await liveEscalation(temporal, e.workflowId) } : e)));
  return { ...state, escalations };
}

export function createEscalationService(deps: EscalationServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const handleOf = (id: string) => deps.temporal.workflow.getHandle<typeof escalationWorkflow>(id);
  const access = createAccess({ db: deps.db, now: deps.now });

  async function loadState(id: string): Promise<EscalationState> {
    if (!ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'No escalation with that id.');
    try {
      return await handleOf(id).query(escalationStateQuery);
    } catch (err) {
      translateTemporalError(err, 'escalation');
    }
  }

  async function viewable(c: Caller, id: string): Promise<EscalationState> {
    const state = await loadState(id);
    // Someone with no part in the escalation learns nothing, not even that it exists.
    await access.requireProcess(
      c,
      { participantId: state.participant.id, what: 'escalation', item: id, resource: 'escalation', parties: escalationParties(state) },
      new AppError('NOT_FOUND', 'No escalation with that id.'),
    );
    return state;
  }

  const withLinks = (s: EscalationState) => ({ ...s, links: { self: `/api/escalations/${s.escalationId}` } });

  async function step(caller: Caller, id: string, channel: ActionChannel, run: (base: { actor: { staffId: string; name: string; channel: ActionChannel }; actsForChair: boolean }) => Promise<EscalationState>) {
    const state = await viewable(caller, id);
    // A resolved escalation's workflow has ended: say so rather than send it an update.
    if (state.status === 'resolved') throw new AppError('CONFLICT', 'This escalation has been resolved; it can no longer change.');
    const actsForChair = caller.roles.includes('admin');
    if (!actsForChair && state.chair.id !== caller.staffId) throw new AppError('FORBIDDEN', `${state.chair.name} chairs this escalation at the ${state.tier} tier; only they may act on it.`);
    try {
      return withLinks(await run({ actor: { staffId: caller.staffId, name: caller.name, channel }, actsForChair }));
    } catch (err) {
      translateTemporalError(err, 'escalation');
    }
  }

  return {
    /** The escalation tiers of the working agreement in force now: what an escalation raised now keeps. */
    async policyInForce(): Promise<EscalationPolicy> {
      return escalationPolicyOf(await agreementInForce(deps.db, now()));
    },

    async raise(caller: Caller, body: unknown): Promise<{ escalationId: string }> {
      const input = parseInput(ZRaiseEscalation, body, 'escalation');
      // Only the person's care team may raise about them; raising grants nothing, and a person
      // outside the caller's care teams gets the same answer as one careloop does not know.
      const found = await access.requireParticipant(caller, { id: input.participantId, localRef: input.participantLocalRef }, 'raise');
      const participant = { id: found.id, localRef: found.localRef };
      // The working agreement in force now: the escalation keeps it, whatever the agreement becomes.
      const policy = policyWith(windowOverrides(input.timing), escalationPolicyOf(await agreementInForce(deps.db, now())));
      // A tier's acknowledgement must fall due no later than its response.
      const inverted = RISK_LEVELS.filter((l) => policy.tiers[l].acknowledgeWithinMs > policy.tiers[l].respondWithinMs);
      if (inverted.length) {
        throw new AppError('INVALID_INPUT', 'The escalation has invalid fields.', { fields: inverted.map((l) => ({ field: `timing.${l}.acknowledgeWithin`, message: 'must not be longer than the response window' })) });
      }
      const raiser = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { id: true, name: true, email: true, agencyId: true } });
      const escalationId = `escalation-${randomUUID()}`;
      await deps.temporal.workflow.start(escalationWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: escalationId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            escalationId,
            participant,
            riskLevel: input.riskLevel,
            trigger: input.trigger,
            description: input.description,
            source: input.source ?? { process: 'manual' },
            raisedBy: raiser,
            agencyId: raiser.agencyId,
            // The raiser chairs when they hold the tier's chair role; otherwise their agency's holder does.
            preferredChair: raiser,
            responders: [],
            policy,
          },
        ],
      });
      return { escalationId };
    },

    async get(caller: Caller, id: string) {
      return withLinks(await viewable(caller, id));
    },

    async acknowledge(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      parseInput(ZAcknowledgeEscalation, body ?? {}, 'acknowledgement');
      return step(caller, id, channel, (base) => handleOf(id).executeUpdate(acknowledgeEscalationUpdate, { args: [base] }));
    },

    async respond(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { responseAction } = parseInput(ZRespondEscalation, body, 'response');
      return step(caller, id, channel, (base) => handleOf(id).executeUpdate(respondEscalationUpdate, { args: [{ ...base, responseAction }] }));
    },

    async resolve(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { outcome } = parseInput(ZResolveEscalation, body, 'outcome record');
      return step(caller, id, channel, (base) => handleOf(id).executeUpdate(resolveEscalationUpdate, { args: [{ ...base, outcome }] }));
    },

    /**
     * A note from the chair or a responder (anyone named in the escalation, or an admin). A
     * signal: it lands in the timeline; a resolved escalation takes no more notes.
     */
    async addNote(caller: Caller, id: string, body: unknown, channel: ActionChannel = 'api') {
      const { text } = parseInput(ZEscalationNote, body, 'note');
      const state = await viewable(caller, id);
      if (state.status === 'resolved') throw new AppError('CONFLICT', 'This escalation has been resolved; it takes no more notes.');
      const named = state.chair.id === caller.staffId || state.responders.some((r) => r.id === caller.staffId);
      if (!named && !caller.roles.includes('admin')) throw new AppError('FORBIDDEN', 'Only the chair and the responders of this escalation may add a note to it.');
      try {
        await handleOf(id).signal(addEscalationNoteSignal, { actor: { staffId: caller.staffId, name: caller.name, channel }, text });
      } catch (err) {
        translateTemporalError(err, 'escalation');
      }
      return { ok: true as const };
    },

    /** What an emailed escalation link is for, checked but not spent. */
    async inspectEscalationLink(row: ActionTokenRow) {
      const state = await loadState(row.workflowId);
      // A link holder reads under the same rule as everyone: the token names who they are.
      await access.requireProcess(linkReader(row.staff), { participantId: state.participant.id, what: 'escalation', item: state.escalationId, resource: 'escalation', parties: escalationParties(state) }, LINK_NOT_VALID());
      return { state };
    },

    /**
     * The chair's emailed link leads through every step: acknowledging and recording the response
     * leave it usable for the next one; only the outcome spends it.
     */
    async acknowledgeWithEscalationLink(row: ActionTokenRow) {
      await this.inspectEscalationLink(row);
      return this.acknowledge(linkHolder(row.staff), row.workflowId, {}, 'link');
    },

    /** Records the response action through the chair's emailed link; the link stays usable for the outcome. */
    async respondWithEscalationLink(row: ActionTokenRow, body: unknown) {
      await this.inspectEscalationLink(row);
      return this.respond(linkHolder(row.staff), row.workflowId, body, 'link');
    },

    /**
     * Records the outcome through the chair's emailed link (or confirms it, once the cause has
     * ended): the last step, so it spends the link, once, and only if the outcome is recorded.
     */
    async resolveWithEscalationLink(row: ActionTokenRow, body: unknown) {
      await this.inspectEscalationLink(row);
      // A missing outcome is refused before the link is claimed.
      parseInput(ZResolveEscalation, body, 'outcome record');
      return spendActionToken(deps.db, row, now(), () => this.resolve(linkHolder(row.staff), row.workflowId, body, 'link'));
    },
  };
}

export type EscalationService = ReturnType<typeof createEscalationService>;

/** Who is named in an escalation: the raiser, every chair it has had, its responders; and the agencies involved, for their managers. */
export function escalationParties(s: Pick<EscalationState, 'raisedBy' | 'tiers' | 'responders' | 'agencyId'>) {
  return {
    staffIds: [...(s.raisedBy ? [s.raisedBy.id] : []), ...s.tiers.map((t) => t.chair.id), ...s.responders.map((r) => r.id)],
    agencyIds: [...new Set([s.agencyId, ...s.tiers.map((t) => t.chair.agencyId)])],
  };
}
