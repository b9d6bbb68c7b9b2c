// The integrated plan: versions in PostgreSQL (append-only), change control in a workflow per
// version. Publishing names its base version, so two agencies editing at once cannot overwrite
// each other; a newer version supersedes an open one. Also the plan's people and consent: the
// plan-holder's handover, "Remind now", and the person's consent to share beyond the care team,
// which decides what anyone outside the team may read of the plan (see `readerOf`).
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../runtime/db';
import type { Logger } from '../../runtime/logger';
import type { Mailer } from '../../runtime/mailer';
import { AppError, parseInput, type FieldProblem } from '../errors';
import { translateTemporalError } from '../temporal-errors';
import { withLiveEscalations } from '../escalations/service';
import type { Caller } from '../sprints/service';
import { appendAuditEvent, recordAuditEvent } from '../../record/audit';
import { grantCareTeam, removeCareTeamMembers } from '../../record/care-team';
import { createAccess, LINK_NOT_VALID, linkHolder, linkReader, type AccessCaller } from '../access';
import { findActionToken, type ActionTokenRow } from '../links/tokens';
import { resolveAgencies } from '../people/directory';
import { PLAN_REPLY_TOKEN_PURPOSE } from '../../domain/tokens';
import {
  RAPID_REVIEW_TRIGGERS,
  planChangeWorkflowId,
  sharedContent,
  type AckChannel,
  type ConsentView,
  type PlanChangeState,
  type PlanContent,
  type ShareableElement,
} from '../../domain/plan';
import { changeCounts, diffPlans, planChangeLines, rebasePlan } from '../../domain/plan-diff';
import { ZCreatePlan, ZHandover, ZPublishVersion, ZRecordConsent } from '../../domain/plan-input';
import { planHandoverEmail } from '../../domain/emails/plan';
import type { StaffRef } from '../../domain/sprint';
import { acknowledgePlanVersionUpdate, planChangeStateQuery, planChangeWorkflow, remindPlanVersionNowUpdate, supersedePlanVersionSignal } from '../../workflows/plan-change';
import { trackPlanVersion } from './steps-service';
import { remindersOf } from '../../domain/working-agreement';
import { agreementInForce } from '../../record/working-agreement';

export interface PlanServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now?: () => Date;
  /** For the handover emails; without it (the inbound listener's copy) a handover is refused. */
  mailer?: Mailer;
  /** Where the handover emails' links to the plan's page start. */
  publicBaseUrl?: string;
  logger?: Logger;
}

/**
 * How a caller reads a plan. `team`: in the care team (the table in domain/access.ts: the
 * plan-holder, anyone named on an action, every member agency's staff and named members; admins).
 * `shared`: anyone else signed in to careloop, or holding an emailed plan link, when the person
 * has consented to share: they read only the consented elements of the current version (and of
 * its changes), nothing else of the plan. Without consent they get the 404 of a plan that does
 * not exist.
 */
export type PlanReader = 'team' | 'shared';

/** Versions whose acknowledgements the plan page reads live from their workflows; older ones from the record. */
const LIVE_STATUS_VERSIONS = 10;

const staffSelect = { id: true, name: true, email: true, agencyId: true, roles: true, active: true } as const;
const ref = (s: { id: string; name: string; email: string; agencyId: string }): StaffRef => ({ id: s.id, name: s.name, email: s.email, agencyId: s.agencyId });

export function createPlanService(deps: PlanServiceDeps) {
  const now = deps.now ?? (() => new Date());

  /** Every agency and staff id the content names must exist: a plan cannot point at nobody. */
  async function checkReferences(content: PlanContent, prefix: string): Promise<void> {
    const agencyIds = new Set([...content.controls.map((c) => c.ownerAgencyId), ...content.serviceContacts.map((c) => c.agencyId)]);
    const staffIds = new Set(content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])));
    const [agencies, staff] = await Promise.all([
      deps.db.agency.findMany({ where: { id: { in: [...agencyIds] } }, select: { id: true } }),
      deps.db.staff.findMany({ where: { id: { in: [...staffIds] }, active: true }, select: { id: true, agencyId: true } }),
    ]);
    const knownAgency = new Set(agencies.map((a) => a.id));
    const staffAgency = new Map(staff.map((s) => [s.id, s.agencyId]));
    const problems: FieldProblem[] = [];
    content.controls.forEach((c, i) => {
      if (!knownAgency.has(c.ownerAgencyId)) problems.push({ field: `${prefix}.controls.${i}.ownerAgencyId`, message: 'is not an agency' });
      if (c.ownerStaffId && !staffAgency.has(c.ownerStaffId)) problems.push({ field: `${prefix}.controls.${i}.ownerStaffId`, message: 'is not an active staff member' });
      else if (c.ownerStaffId && staffAgency.get(c.ownerStaffId) !== c.ownerAgencyId) problems.push({ field: `${prefix}.controls.${i}.ownerStaffId`, message: 'does not work for the owning agency' });
    });
    content.serviceContacts.forEach((c, i) => {
      if (!knownAgency.has(c.agencyId)) problems.push({ field: `${prefix}.serviceContacts.${i}.agencyId`, message: 'is not an agency' });
    });
    if (problems.length) throw new AppError('INVALID_INPUT', 'The plan has invalid fields.', { fields: problems });
  }

  const access = createAccess({ db: deps.db, now: deps.now });

  /**
   * Agencies in a plan's content may be named by id or by key ("county-hospital"): every key is
   * turned into its id before the content is checked and stored. Unknown names stay as given, for
   * checkReferences to report.
   */
  async function resolveAgencyRefs(content: PlanContent): Promise<PlanContent> {
    const found = await resolveAgencies(deps.db, [...content.controls.map((c) => c.ownerAgencyId), ...content.serviceContacts.map((c) => c.agencyId)]);
    const idOf = (ref: string) => found.get(ref)?.id ?? ref;
    return {
      ...content,
      controls: content.controls.map((c) => ({ ...c, ownerAgencyId: idOf(c.ownerAgencyId) })),
      serviceContacts: content.serviceContacts.map((c) => ({ ...c, agencyId: idOf(c.agencyId) })),
    };
  }

  /** The consent in force (the latest record), or null when none was ever recorded. */
  async function consentOf(participantId: string): Promise<ConsentView | null> {
    const row = await deps.db.consentRecord.findFirst({ where: { participantId }, orderBy: [{ at: 'desc' }, { id: 'desc' }] });
    return row ? { given: row.given, scope: row.scope as ShareableElement[], recordedBy: row.recordedBy, how: row.how, note: row.note, at: row.at.toISOString() } : null;
  }

  async function loadPlan(planId: string) {
    if (!/^[\w-]{1,64}$/.test(planId)) throw new AppError('NOT_FOUND', 'No plan with that id.');
    const plan = await deps.db.carePlan.findUnique({
      where: { id: planId },
      include: {
        participant: true,
        planHolder: { select: staffSelect },
        versions: { orderBy: { number: 'asc' }, include: { author: { select: { id: true, name: true } } } },
      },
    });
    if (!plan) throw new AppError('NOT_FOUND', 'No plan with that id.');
    return plan;
  }
  type LoadedPlan = Awaited<ReturnType<typeof loadPlan>>;

  const current = (plan: LoadedPlan) => plan.versions[plan.versions.length - 1]!;
  const contentOf = (v: LoadedPlan['versions'][number]) => v.content as unknown as PlanContent;

  const partiesOf = (plan: LoadedPlan) => {
    const content = contentOf(current(plan));
    return { staffIds: [plan.planHolderId, ...content.controls.flatMap((x) => (x.ownerStaffId ? [x.ownerStaffId] : []))], agencyIds: [] };
  };

  async function readable(c: Caller, planId: string) {
    const plan = await loadPlan(planId);
    // Someone with no part in the plan learns nothing, not even that it exists. The plan is
    // read by its care team: the agencies and people it names are in it, implied by the plan.
    await access.requireProcess(c, { participantId: plan.participantId, what: 'plan', item: planId, resource: 'plan', parties: partiesOf(plan) }, new AppError('NOT_FOUND', 'No plan with that id.'));
    return plan;
  }

  /**
   * The plan and how this caller reads it (PlanReader): the care team in full; anyone else only
   * what the person consented to share, and only when they did; otherwise the same 404 as for a
   * plan that does not exist. Either read is logged (`plan`, or `plan-shared` for a read from
   * outside the team).
   */
  async function readerOf(c: AccessCaller, planId: string, notFound = new AppError('NOT_FOUND', 'No plan with that id.')) {
    const plan = await loadPlan(planId);
    if (await access.may(c, plan.participantId, 'plan', partiesOf(plan))) {
      await access.logReads(c, [{ participantId: plan.participantId, what: 'plan', item: planId }]);
      return { plan, reader: 'team' as PlanReader, consent: await consentOf(plan.participantId) };
    }
    const consent = await consentOf(plan.participantId);
    if (!consent?.given || consent.scope.length === 0) throw notFound;
    await access.logReads(c, [{ participantId: plan.participantId, what: 'plan-shared', item: planId }]);
    return { plan, reader: 'shared' as PlanReader, consent };
  }

  /**
   * The care team a plan version implies: the plan-holder, every agency owning a control or
   * listed as a service contact, every person named on a control, and the named recipients.
   * Agencies and people the new version no longer names leave the team as far as the plan put
   * them there (other memberships stay).
   */
  async function applyPlanCareTeam(tx: Parameters<Parameters<Db['$transaction']>[0]>[0], a: { planId: string; participantId: string; holder: { id: string; agencyId: string }; content: PlanContent; recipients?: readonly string[]; by: Caller & { email: string }; version: number; at: Date; why?: string }) {
    const agencyIds = [...new Set([a.holder.agencyId, ...a.content.controls.map((c) => c.ownerAgencyId), ...a.content.serviceContacts.map((c) => c.agencyId)])];
    const staffIds = [...new Set([a.holder.id, ...a.content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])), ...(a.recipients ?? [])])];
    const keys = [...agencyIds.map((id) => `agency:${id}`), ...staffIds.map((id) => `staff:${id}`)];
    await removeCareTeamMembers(tx, {
      participantId: a.participantId,
      where: { source: 'plan', sourceRef: a.planId, memberKey: { notIn: keys } },
      removedById: a.by.staffId,
      removedBy: a.by.email,
      reason: a.why ? `no longer ${a.why}` : `no longer named in version ${a.version} of the plan`,
      at: a.at,
    });
    await grantCareTeam(tx, { participantId: a.participantId, agencyIds, staffIds, source: 'plan', sourceRef: a.planId, addedById: a.by.staffId, addedBy: a.by.email, reason: a.why ?? `named in version ${a.version} of the plan`, process: 'plan' });
  }

  const versionSummary = (v: LoadedPlan['versions'][number]) => ({
    number: v.number,
    author: v.author,
    createdAt: v.createdAt.toISOString(),
    reason: v.reason,
    trigger: v.trigger,
    acknowledgementRequired: v.acknowledgementRequired,
  });

  async function namesFor(content: PlanContent[], extraIds: readonly string[] = []): Promise<(id: string) => string> {
    const ids = new Set([...extraIds, ...content.flatMap((c) => [...c.controls.flatMap((x) => [x.ownerAgencyId, ...(x.ownerStaffId ? [x.ownerStaffId] : [])]), ...c.serviceContacts.map((x) => x.agencyId)])]);
    const [agencies, staff] = await Promise.all([
      deps.db.agency.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } }),
      deps.db.staff.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } }),
    ]);
    const names = new Map([...agencies, ...staff].map((x) => [x.id, x.name]));
    return (id) => names.get(id) ?? id;
  }

  async function defaultRecipients(plan: LoadedPlan, content: PlanContent, publisherId: string): Promise<StaffRef[]> {
    const named = content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : []));
    // A control owned by an agency with nobody named goes to that agency's coordinators.
    const agencyOnly = content.controls.filter((c) => !c.ownerStaffId).map((c) => c.ownerAgencyId);
    const people = await deps.db.staff.findMany({
      where: { active: true, OR: [{ id: { in: [plan.planHolderId, ...named] } }, { agencyId: { in: agencyOnly }, roles: { has: 'coordinator' } }] },
      select: staffSelect,
    });
    return people.filter((p) => p.id !== publisherId).map(ref);
  }

  type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

  /** One consent record, the participant's consent flag kept in step, and its audit event, in the caller's transaction. */
  async function writeConsent(tx: Tx, a: { planId: string; participantId: string; by: Caller; given: boolean; scope: readonly ShareableElement[]; how: string; note?: string; at: Date }) {
    await tx.consentRecord.create({ data: { participantId: a.participantId, given: a.given, scope: [...a.scope], recordedById: a.by.staffId, recordedBy: a.by.name, how: a.how, note: a.note || null, at: a.at } });
    await tx.participant.update({ where: { id: a.participantId }, data: { consentToShare: a.given } });
    await appendAuditEvent(tx, {
      actor: a.by.name,
      actorId: a.by.staffId,
      action: 'plan.consent-recorded',
      reason: a.note || null,
      process: 'plan',
      item: `${a.planId}:consent`,
      participantId: a.participantId,
      data: { given: a.given, scope: [...a.scope], how: a.how },
      at: a.at,
    });
  }

  /**
   * Sends one email at most once per key, recorded as a notification: for emails the API sends
   * itself (the handover), with no action link in them. False when it could not go out now.
   */
  async function sendOnce(key: string, kind: string, to: { email: string; id: string }, mail: { subject: string; text: string; html?: string }, participantId: string, item: string): Promise<boolean> {
    if (!deps.mailer) return false;
    const existing = await deps.db.notification.findUnique({ where: { idempotencyKey: key }, select: { status: true } });
    if (existing?.status === 'sent') return true;
    await deps.db.notification.upsert({
      where: { idempotencyKey: key },
      create: { idempotencyKey: key, kind, toAddress: to.email, subject: mail.subject, attempts: 1 },
      update: { attempts: { increment: 1 } },
    });
    const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@careloop>`;
    try {
      await deps.mailer.send({ to: to.email, subject: mail.subject, text: mail.text, html: mail.html, messageId, headers: { 'Auto-Submitted': 'auto-generated' } });
    } catch (err) {
      deps.logger?.warn({ err: (err as Error).message, kind }, 'email not sent');
      return false;
    }
    await deps.db.notification.update({ where: { idempotencyKey: key }, data: { status: 'sent', sentAt: now(), messageId } });
    await recordAuditEvent(deps.db, { actor: 'careloop', action: 'notification.sent', process: 'plan', item, participantId, data: { kind, to: to.id }, idempotencyKey: `notification:${key}` });
    return true;
  }

  /** Who may take the plan over: active staff in the person's care team (its agencies' staff and its named people), but its holder. */
  async function holderCandidates(plan: LoadedPlan) {
    const members = await deps.db.careTeamMember.findMany({ where: { participantId: plan.participantId, removedAt: null }, select: { agencyId: true, staffId: true } });
    const agencyIds = [...new Set(members.flatMap((m) => (m.agencyId ? [m.agencyId] : [])))];
    const staffIds = [...new Set(members.flatMap((m) => (m.staffId ? [m.staffId] : [])))];
    const people = await deps.db.staff.findMany({
      where: { active: true, id: { not: plan.planHolderId }, OR: [{ agencyId: { in: agencyIds } }, { id: { in: staffIds } }] },
      select: { ...staffSelect, agency: { select: { name: true } } },
      orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
    });
    return people.map((p) => ({ ...ref(p), roles: p.roles, agencyName: p.agency.name }));
  }

  /** Each version's acknowledgements: live from its workflow for the latest versions, from the record for older ones. */
  async function acknowledgementsOf(plan: LoadedPlan) {
    const recent = new Set(plan.versions.slice(-LIVE_STATUS_VERSIONS).map((v) => v.number));
    const [states, recorded] = await Promise.all([
      Promise.all(plan.versions.map((v) => (recent.has(v.number) ? changeState(plan.id, v.number) : Promise.resolve(undefined)))),
      deps.db.planAcknowledgement.findMany({
        where: { planVersionId: { in: plan.versions.map((v) => v.id) } },
        select: { planVersionId: true, acknowledgedAt: true, channel: true, staff: { select: { id: true, name: true, agencyId: true } } },
        orderBy: { acknowledgedAt: 'asc' },
      }),
    ]);
    return plan.versions.map((v, i) => ({
      number: v.number,
      acknowledgementRequired: v.acknowledgementRequired,
      state: states[i],
      recorded: recorded.filter((r) => r.planVersionId === v.id).map((r) => ({ staff: r.staff, acknowledgedAt: r.acknowledgedAt.toISOString(), channel: r.channel })),
    }));
  }

  async function changeState(planId: string, version: number): Promise<PlanChangeState | undefined> {
    try {
      return await deps.temporal.workflow.getHandle(planChangeWorkflowId(planId, version)).query(planChangeStateQuery);
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
      throw err;
    }
  }

  return {
    async create(caller: Caller, body: unknown) {
      const input = parseInput(ZCreatePlan, body, 'plan');
      input.content = await resolveAgencyRefs(input.content);
      await checkReferences(input.content, 'content');
      const holderId = input.planHolderId ?? caller.staffId;
      const holder = await deps.db.staff.findUnique({ where: { id: holderId }, select: staffSelect });
      if (!holder?.active) throw new AppError('INVALID_INPUT', 'The plan has invalid fields.', { fields: [{ field: 'planHolderId', message: 'is not an active staff member' }] });
      const author = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { email: true } });
      const known = await deps.db.participant.findUnique({ where: { localRef: input.participant.localRef }, select: { id: true } });
      // Only the person's care team may change what is recorded about them (their consent).
      const member = !known || (await access.may(caller, known.id, 'care-team'));
      const created = await deps.db.$transaction(async (tx) => {
        const participant = known
          ? member && input.participant.consentToShare !== undefined
            ? await tx.participant.update({ where: { id: known.id }, data: { consentToShare: input.participant.consentToShare } })
            : known
          : await tx.participant.create({ data: { localRef: input.participant.localRef, displayName: input.participant.displayName, consentToShare: input.participant.consentToShare ?? false } });
        const existing = await tx.carePlan.findUnique({ where: { participantId: participant.id }, select: { id: true } });
        if (existing) {
          throw new AppError(
            'CONFLICT',
            member ? 'This participant already has an integrated plan: publish a new version of it instead.' : 'This person already has an integrated plan. Ask its plan-holder to add your agency to the care team.',
            member ? { planId: existing.id } : undefined,
          );
        }
        const plan = await tx.carePlan.create({ data: { participantId: participant.id, planHolderId: holder.id } });
        const createdAt = now();
        // Consent given with the plan through the API is recorded like any other: to share what the plan marks for sharing.
        if (input.participant.consentToShare !== undefined && (!known || member)) {
          const given = input.participant.consentToShare;
          await writeConsent(tx, { planId: plan.id, participantId: participant.id, by: caller, given, scope: given ? input.content.shareBeyondCareTeam : [], how: 'other', note: 'Recorded through the API when the plan was created.', at: createdAt });
        }
        await tx.planVersion.create({ data: { planId: plan.id, number: 1, authorId: caller.staffId, reason: input.reason, trigger: 'other', content: input.content, createdAt } });
        await appendAuditEvent(tx, { actor: caller.name, actorId: caller.staffId, action: 'plan.created', reason: input.reason, process: 'plan', item: `${plan.id}:v1`, participantId: participant.id, data: { planHolder: holder.id } });
        await applyPlanCareTeam(tx, { planId: plan.id, participantId: participant.id, holder, content: input.content, by: { ...caller, email: author.email }, version: 1, at: createdAt });
        return { planId: plan.id, version: 1, participantId: participant.id };
      });
      // The plan's actions and rapid reviews (workflows/plan-steps.ts) follow each version.
      await trackPlanVersion(deps, created);
      return created;
    },

    async get(caller: Caller, planId: string) {
      const { plan, reader, consent } = await readerOf(caller, planId);
      const cur = current(plan);
      if (reader === 'shared') {
        // Outside the care team: the consented elements of the current version, and who to call.
        return {
          id: plan.id,
          reader,
          participant: { id: plan.participant.id, localRef: plan.participant.localRef, displayName: plan.participant.displayName },
          planHolder: { id: plan.planHolder.id, name: plan.planHolder.name, agencyId: plan.planHolder.agencyId },
          consent,
          currentVersion: { number: cur.number, createdAt: cur.createdAt.toISOString(), content: sharedContent(contentOf(cur), consent) },
          versions: [],
        };
      }
      return {
        id: plan.id,
        reader,
        participant: { id: plan.participant.id, localRef: plan.participant.localRef, displayName: plan.participant.displayName, consentToShare: consent?.given ?? false },
        planHolder: { id: plan.planHolder.id, name: plan.planHolder.name, agencyId: plan.planHolder.agencyId },
        consent,
        currentVersion: { ...versionSummary(cur), content: contentOf(cur) },
        versions: plan.versions.map(versionSummary),
      };
    },

    async getVersion(caller: Caller, planId: string, number: number) {
      const plan = await readable(caller, planId);
      const v = plan.versions.find((x) => x.number === number);
      if (!v) throw new AppError('NOT_FOUND', `This plan has no version ${number}; the latest is ${current(plan).number}.`);
      return { planId, ...versionSummary(v), content: contentOf(v) };
    },

    async diff(caller: Caller, planId: string, from: number, to: number) {
      const { plan, reader, consent } = await readerOf(caller, planId);
      const a = plan.versions.find((x) => x.number === from);
      const b = plan.versions.find((x) => x.number === to);
      const missing = [!a && { field: 'from', message: `no version ${from}` }, !b && { field: 'to', message: `no version ${to}` }].filter(Boolean) as FieldProblem[];
      if (missing.length) throw new AppError('INVALID_INPUT', `Choose two versions that exist: this plan has versions 1 to ${current(plan).number}.`, { fields: missing });
      // From outside the care team only the consented elements' changes show.
      const seen = (v: LoadedPlan['versions'][number]) => (reader === 'shared' ? sharedContent(contentOf(v), consent) : contentOf(v));
      const names = await namesFor([seen(a!), seen(b!)]);
      const changes = diffPlans(seen(a!), seen(b!), names);
      const lines = planChangeLines(seen(a!), seen(b!), names);
      return { planId, from, to, reader, changes, summary: changes.map((c) => c.text), lines };
    },

    async publish(caller: Caller, planId: string, body: unknown) {
      const input = parseInput(ZPublishVersion, body, 'plan version');
      const plan = await readable(caller, planId);
      if (!(caller.roles.includes('coordinator') || caller.staffId === plan.planHolderId)) {
        throw new AppError('FORBIDDEN', 'Only coordinators and the plan-holder may publish a new version of the plan.');
      }
      input.content = await resolveAgencyRefs(input.content);
      await checkReferences(input.content, 'content');
      const publishedAt = now();
      const author = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { email: true } });
      const version = await deps.db.$transaction(async (tx) => {
        // Serialise publishers of this plan; the loser of a race sees the winner's version.
        await tx.$queryRaw`SELECT id FROM "CarePlan" WHERE id = ${planId} FOR UPDATE`;
        const latest = await tx.planVersion.findFirst({ where: { planId }, orderBy: { number: 'desc' }, select: { number: true } });
        const currentNumber = latest?.number ?? 0;
        if (input.baseVersion !== currentNumber) {
          throw new AppError('CONFLICT', `This change starts from version ${input.baseVersion}, but the plan is now at version ${currentNumber}. Review version ${currentNumber} and publish again from it.`, {
            currentVersion: currentNumber,
          });
        }
        const created = await tx.planVersion.create({
          data: { planId, number: currentNumber + 1, authorId: caller.staffId, reason: input.reason, trigger: input.trigger, content: input.content, acknowledgementRequired: input.acknowledgementRequired, createdAt: publishedAt },
        });
        await appendAuditEvent(tx, {
          actor: caller.name,
          actorId: caller.staffId,
          action: 'plan.version-published',
          reason: input.reason,
          process: 'plan',
          item: `${planId}:v${created.number}`,
          participantId: plan.participantId,
          data: { trigger: input.trigger, acknowledgementRequired: input.acknowledgementRequired, baseVersion: input.baseVersion },
          at: publishedAt,
        });
        await applyPlanCareTeam(tx, { planId, participantId: plan.participantId, holder: plan.planHolder, content: input.content, recipients: input.recipients, by: { ...caller, email: author.email }, version: created.number, at: publishedAt });
        return created;
      });

      let recipients: StaffRef[];
      if (input.recipients) {
        const found = await deps.db.staff.findMany({ where: { id: { in: input.recipients }, active: true }, select: staffSelect });
        recipients = found.map(ref);
      } else {
        recipients = await defaultRecipients(plan, input.content, caller.staffId);
      }
      const workflowId = planChangeWorkflowId(planId, version.number);
      // The working agreement in force now gives the defaults the request does not set; the plan change keeps them.
      const reminders = remindersOf(await agreementInForce(deps.db, now()));
      const rapidReviewMs = RAPID_REVIEW_TRIGGERS.includes(input.trigger) ? (input.timing?.rapidReviewWithin ?? reminders.rapidReviewWithinMs) : undefined;
      const publisher = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: staffSelect });
      await deps.temporal.workflow.start(planChangeWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            planId,
            participant: { id: plan.participant.id, localRef: plan.participant.localRef },
            version: version.number,
            versionId: version.id,
            publishedAt: publishedAt.toISOString(),
            publishedBy: ref(publisher),
            reason: input.reason,
            trigger: input.trigger,
            acknowledgementRequired: input.acknowledgementRequired,
            recipients,
            escalateTo: ref(plan.planHolder),
            reminderEveryMs: input.timing?.reminderEvery ?? reminders.planAcknowledgementReminderEveryMs,
            ackDeadlineMs: input.timing?.acknowledgeWithin ?? reminders.planAcknowledgementDeadlineMs,
            rapidReviewMs,
            agreementVersion: reminders.version,
          },
        ],
      });
      // The version before this one stops asking for acknowledgements.
      if (version.number > 1) {
        await deps.temporal.workflow
          .getHandle(planChangeWorkflowId(planId, version.number - 1))
          .signal(supersedePlanVersionSignal, { byVersion: version.number })
          .catch((err: Error) => {
            if (err.name !== 'WorkflowNotFoundError') throw err;
          });
      }
      await trackPlanVersion(deps, { planId, participantId: plan.participantId, version: version.number, rapidReviewWithinMs: rapidReviewMs });
      return { planId, version: version.number, recipients: recipients.map((r) => ({ id: r.id, name: r.name })), rapidReviewWithinMs: rapidReviewMs ?? null, links: { status: `/api/plans/${planId}/versions/${version.number}/status` } };
    },

    async status(caller: Caller, planId: string, number: number) {
      const plan = await readable(caller, planId);
      if (!plan.versions.some((v) => v.number === number)) throw new AppError('NOT_FOUND', `This plan has no version ${number}.`);
      const state = await changeState(planId, number);
      if (!state) return { planId, version: number, status: 'no-change-control', recipients: [] };
      return withLiveEscalations(deps.temporal, state);
    },

    async acknowledge(caller: Caller, planId: string, number: number, channel: AckChannel) {
      const plan = await readable(caller, planId);
      if (!plan.versions.some((v) => v.number === number)) throw new AppError('NOT_FOUND', `This plan has no version ${number}.`);
      try {
        return await deps.temporal.workflow.getHandle(planChangeWorkflowId(planId, number)).executeUpdate(acknowledgePlanVersionUpdate, { args: [{ staffId: caller.staffId, channel }] });
      } catch (err) {
        translateTemporalError(err, 'plan change');
      }
    },

    /**
     * What an emailed plan link is for, checked but not spent. A link holder reads under the same
     * rule as everyone (the token names who they are): from outside the care team, only what the
     * person consented to share. `note` is the change without clinical detail (how many items of
     * each section changed), for the page as opened without signing in.
     */
    async inspectPlanLink(row: ActionTokenRow) {
      const scope = row.scope as { planId: string; version: number };
      const { plan, reader, consent } = await readerOf(linkReader(row.staff), scope.planId, LINK_NOT_VALID());
      const version = plan.versions.find((v) => v.number === scope.version);
      if (!version) throw LINK_NOT_VALID();
      const previous = plan.versions.find((v) => v.number === scope.version - 1);
      const seen = (v: LoadedPlan['versions'][number]) => (reader === 'shared' ? sharedContent(contentOf(v), consent) : contentOf(v));
      const names = await namesFor([seen(version), ...(previous ? [seen(previous)] : [])]);
      const lines = previous ? planChangeLines(seen(previous), seen(version), names) : [];
      const note = previous ? changeCounts(lines) : ['The first version of the plan.'];
      const state = await changeState(scope.planId, scope.version);
      const recipient = state?.recipients.find((r) => r.staff.id === row.staff.id);
      return { plan: { id: plan.id, participantRef: plan.participant.localRef }, reader, version: versionSummary(version), previous: previous?.number ?? null, note, state, recipient };
    },

    async acknowledgeWithPlanLink(row: ActionTokenRow) {
      const { plan, version } = await this.inspectPlanLink(row);
      const result = await this.acknowledge(linkHolder(row.staff), plan.id, version.number, 'link');
      return { recipient: result, version: version.number, participantRef: plan.participantRef };
    },

    /**
     * Everything the plan's page shows, as this caller may read it. The care team: the current
     * version, every version with who published it, why and on what trigger, each version's
     * acknowledgements, the consent records and the plan-holder's handovers. Outside the care
     * team: the consented elements of the current version and the consent they rest on.
     */
    async page(caller: Caller, planId: string) {
      const { plan, reader, consent } = await readerOf(caller, planId);
      const cur = current(plan);
      const summary = {
        id: plan.id,
        participant: { id: plan.participant.id, localRef: plan.participant.localRef, displayName: plan.participant.displayName },
        planHolder: ref(plan.planHolder),
        current: versionSummary(cur),
      };
      if (reader === 'shared') {
        const content = sharedContent(contentOf(cur), consent);
        return { reader, ...summary, content, consent, name: await namesFor([content], [plan.planHolder.agencyId]), versions: [], acknowledgements: [], consents: [], handovers: [] };
      }
      const [consents, handovers, acknowledgements] = await Promise.all([
        deps.db.consentRecord.findMany({ where: { participantId: plan.participantId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] }),
        deps.db.auditEvent.findMany({ where: { participantId: plan.participantId, process: 'plan', action: 'plan.holder-changed', item: `${plan.id}:holder` }, orderBy: { seq: 'asc' }, select: { at: true, actor: true, reason: true, data: true } }),
        acknowledgementsOf(plan),
      ]);
      const holderIds = handovers.flatMap((h) => Object.values(h.data as Record<string, string>));
      const recipientAgencies = acknowledgements.flatMap((a) => [...(a.state?.recipients.map((r) => r.staff.agencyId) ?? []), ...a.recorded.map((r) => r.staff.agencyId)]);
      const name = await namesFor([contentOf(cur)], [plan.planHolder.agencyId, ...holderIds, ...recipientAgencies]);
      return {
        reader,
        ...summary,
        content: contentOf(cur),
        consent,
        name,
        versions: plan.versions.map(versionSummary),
        acknowledgements,
        consents: consents.map((c) => ({ given: c.given, scope: c.scope as ShareableElement[], recordedBy: c.recordedBy, how: c.how, note: c.note, at: c.at.toISOString() })),
        handovers: handovers.map((h) => ({ at: h.at.toISOString(), by: h.actor, reason: h.reason ?? '', from: name((h.data as { from: string }).from), to: name((h.data as { to: string }).to) })),
      };
    },

    /** The plan as a file (JSON; the page turns it into CSV too): what this caller may read of the current version, in words. */
    async exportPlan(caller: Caller, planId: string) {
      const { plan, reader, consent } = await readerOf({ ...caller, channel: 'export' }, planId);
      const cur = current(plan);
      const content = reader === 'shared' ? sharedContent(contentOf(cur), consent) : contentOf(cur);
      const name = await namesFor([content], [plan.planHolder.agencyId]);
      const shared = new Set(consent?.given ? consent.scope : []);
      return {
        plan: plan.id,
        readBy: reader === 'team' ? 'the care team' : 'someone outside the care team: only the elements the person consented to share',
        participant: { localRef: plan.participant.localRef, displayName: plan.participant.displayName },
        planHolder: { name: plan.planHolder.name, agency: name(plan.planHolder.agencyId) },
        version: reader === 'team' ? { number: cur.number, publishedAt: cur.createdAt.toISOString(), author: cur.author.name, reason: cur.reason, trigger: cur.trigger } : { number: cur.number, publishedAt: cur.createdAt.toISOString() },
        consent: consent ? { given: consent.given, scope: consent.scope, recordedBy: consent.recordedBy, how: consent.how, at: consent.at } : null,
        goals: content.goals.map((g) => ({ id: g.id, goal: g.text })),
        risks: content.risks.map((r) => ({ id: r.id, risk: r.description, level: r.level })),
        crisisTriggers: content.crisisTriggers.map((t) => ({ trigger: t })),
        serviceContacts: content.serviceContacts.map((c) => ({ agency: name(c.agencyId), name: c.name, role: c.role ?? '', phone: c.phone ?? '' })),
        actions: content.controls.map((c) => ({ id: c.id, action: c.description, ownerAgency: name(c.ownerAgencyId), ownerPerson: c.ownerStaffId ? name(c.ownerStaffId) : '', dueDate: c.dueDate ?? '' })),
        withheld: reader === 'shared' ? (['goals', 'risks', 'crisisTriggers', 'serviceContacts', 'controls'] as const).filter((e) => !shared.has(e)) : [],
      };
    },

    /** What the plan forms choose from: every agency, and active staff with their agency. The directory, no one's care data. */
    async editorChoices() {
      const [agencies, staff] = await Promise.all([
        deps.db.agency.findMany({ select: { id: true, key: true, name: true }, orderBy: [{ name: 'asc' }, { key: 'asc' }] }),
        deps.db.staff.findMany({ where: { active: true }, select: { id: true, name: true, agencyId: true, roles: true }, orderBy: { name: 'asc' } }),
      ]);
      return { agencies, staff };
    },

    /** The plan as its editors start from: the latest version, readable by the care team only. */
    async editable(caller: Caller, planId: string) {
      const plan = await readable(caller, planId);
      const mayPublish = caller.roles.includes('coordinator') || caller.staffId === plan.planHolderId;
      const ids = plan.versions.flatMap((v) => {
        const c = contentOf(v);
        return [...c.goals, ...c.risks, ...c.controls].map((x) => x.id);
      });
      return {
        id: plan.id,
        participant: { localRef: plan.participant.localRef, displayName: plan.participant.displayName },
        planHolder: { id: plan.planHolder.id, name: plan.planHolder.name },
        mayPublish,
        current: { ...versionSummary(current(plan)), content: contentOf(current(plan)) },
        usedIds: [...new Set(ids)],
        version: (n: number) => {
          const v = plan.versions.find((x) => x.number === n);
          return v ? { ...versionSummary(v), content: contentOf(v) } : undefined;
        },
      };
    },

    /**
     * A stale base: what the newer versions changed since `baseVersion`, what this author changed,
     * and the author's changes re-applied on the latest version where they do not clash.
     */
    async rebase(caller: Caller, planId: string, baseVersion: number, mine: PlanContent) {
      const plan = await readable(caller, planId);
      const base = plan.versions.find((v) => v.number === baseVersion);
      if (!base) throw new AppError('NOT_FOUND', `This plan has no version ${baseVersion}; the latest is ${current(plan).number}.`);
      const latest = current(plan);
      const resolved = await resolveAgencyRefs(mine);
      const name = await namesFor([contentOf(base), contentOf(latest), resolved]);
      const merged = rebasePlan(contentOf(base), contentOf(latest), resolved, name);
      return {
        base: versionSummary(base),
        latest: versionSummary(latest),
        since: plan.versions.filter((v) => v.number > baseVersion).map(versionSummary),
        theirs: planChangeLines(contentOf(base), contentOf(latest), name),
        mine: planChangeLines(contentOf(base), resolved, name),
        content: merged.content,
        clashes: merged.clashes,
      };
    },

    /** "Remind now": the plan-holder sends one more reminder to everyone still to acknowledge this version. */
    async remindNow(caller: Caller, planId: string, number: number, channel: 'web' | 'api' = 'web') {
      const plan = await readable(caller, planId);
      if (caller.staffId !== plan.planHolderId) throw new AppError('FORBIDDEN', `Only the plan-holder, ${plan.planHolder.name}, can send reminders now.`);
      if (!plan.versions.some((v) => v.number === number)) throw new AppError('NOT_FOUND', `This plan has no version ${number}.`);
      const state = await changeState(planId, number);
      if (!state || state.completedAt || state.status !== 'awaiting-acknowledgements') {
        const why =
          state?.status === 'superseded'
            ? `Version ${number} has been replaced by version ${state.supersededBy}: nobody is asked to acknowledge it any more.`
            : state?.status === 'no-acknowledgement-required' || !state
              ? `Version ${number} does not need acknowledging, so there is nobody to remind.`
              : `Everyone has acknowledged version ${number}: there is nobody to remind.`;
        throw new AppError('CONFLICT', why);
      }
      try {
        return await deps.temporal.workflow.getHandle(planChangeWorkflowId(planId, number)).executeUpdate(remindPlanVersionNowUpdate, { args: [{ by: { staffId: caller.staffId, name: caller.name }, channel }] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && ['NothingToRemind', 'RemindedRecently'].includes(err.cause.type ?? '')) {
          throw new AppError('CONFLICT', err.cause.message, { reason: err.cause.type });
        }
        translateTemporalError(err, 'plan change');
      }
    },

    /** Who the plan may be handed to, for the handover form. */
    async handoverChoices(caller: Caller, planId: string) {
      const plan = await readable(caller, planId);
      const may = await access.may(caller, plan.participantId, 'care-team-change');
      return { id: plan.id, participant: { localRef: plan.participant.localRef }, planHolder: ref(plan.planHolder), may, candidates: may ? await holderCandidates(plan) : [] };
    },

    /**
     * Hands the plan to a new plan-holder from the care team: the plan-holder or a coordinator in
     * the care team, with a reason. Audited; the new holder joins the care team through the plan
     * (the previous one leaves it as far as holding the plan put them there); both are emailed.
     */
    async handover(caller: Caller, planId: string, body: unknown) {
      const input = parseInput(ZHandover, body, 'handover');
      const plan = await readable(caller, planId);
      if (!(await access.may(caller, plan.participantId, 'care-team-change'))) {
        throw new AppError('FORBIDDEN', 'Only the plan-holder and coordinators in the care team can hand the plan over.');
      }
      if (input.planHolderId === plan.planHolderId) throw new AppError('INVALID_INPUT', 'The handover has invalid fields.', { fields: [{ field: 'planHolderId', message: 'already holds the plan' }] });
      const next = (await holderCandidates(plan)).find((p) => p.id === input.planHolderId);
      if (!next) throw new AppError('INVALID_INPUT', 'The handover has invalid fields.', { fields: [{ field: 'planHolderId', message: 'must be an active member of the care team' }] });
      const previous = plan.planHolder;
      const author = await deps.db.staff.findUniqueOrThrow({ where: { id: caller.staffId }, select: { email: true } });
      const at = now();
      const content = contentOf(current(plan));
      const event = await deps.db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM "CarePlan" WHERE id = ${planId} FOR UPDATE`;
        const fresh = await tx.carePlan.findUniqueOrThrow({ where: { id: planId }, select: { planHolderId: true } });
        if (fresh.planHolderId !== previous.id) throw new AppError('CONFLICT', 'Someone else handed this plan over a moment ago. Look at the plan again before handing it over.');
        await tx.carePlan.update({ where: { id: planId }, data: { planHolderId: next.id } });
        const recorded = await appendAuditEvent(tx, {
          actor: caller.name,
          actorId: caller.staffId,
          action: 'plan.holder-changed',
          reason: input.reason,
          process: 'plan',
          item: `${planId}:holder`,
          participantId: plan.participantId,
          data: { from: previous.id, to: next.id },
          at,
        });
        // The new holder joins through the plan; the previous one leaves as far as holding it put them there.
        const stillNamed = new Set([next.agencyId, ...content.controls.map((c) => c.ownerAgencyId), ...content.serviceContacts.map((c) => c.agencyId)]);
        const ownersNamed = new Set(content.controls.flatMap((c) => (c.ownerStaffId ? [c.ownerStaffId] : [])));
        const leaving = [...(ownersNamed.has(previous.id) ? [] : [`staff:${previous.id}`]), ...(stillNamed.has(previous.agencyId) ? [] : [`agency:${previous.agencyId}`])];
        if (leaving.length) {
          await removeCareTeamMembers(tx, { participantId: plan.participantId, where: { source: 'plan', sourceRef: planId, memberKey: { in: leaving } }, removedById: caller.staffId, removedBy: author.email, reason: 'no longer holds the plan', at });
        }
        await grantCareTeam(tx, { participantId: plan.participantId, agencyIds: [next.agencyId], staffIds: [next.id], source: 'plan', sourceRef: planId, addedById: caller.staffId, addedBy: author.email, reason: 'holds the plan', process: 'plan' });
        return recorded;
      });
      const link = `${deps.publicBaseUrl ?? ''}/plans/${encodeURIComponent(planId)}`;
      const tell = async (role: 'new' | 'previous', to: { id: string; name: string; email: string }) => {
        const active = role === 'new' || (await deps.db.staff.findUnique({ where: { id: to.id }, select: { active: true } }))?.active;
        if (!active) return { name: to.name, emailed: false };
        const mail = planHandoverEmail({ role, recipientName: to.name, participantRef: plan.participant.localRef, previousName: previous.name, newName: next.name, byName: caller.name, link });
        return { name: to.name, emailed: await sendOnce(`plan-handover:${event.seq}:${role}`, 'plan-handover', to, mail, plan.participantId, `${planId}:holder`) };
      };
      const told = await Promise.all([tell('new', next), tell('previous', previous)]);
      return { planId, previous: { id: previous.id, name: previous.name }, planHolder: { id: next.id, name: next.name }, told };
    },

    /** Records the person's consent (given or not, and to which elements), as the plan-holder or a coordinator in the care team. */
    async recordConsent(caller: Caller, planId: string, body: unknown) {
      const input = parseInput(ZRecordConsent, body, 'consent');
      const plan = await readable(caller, planId);
      if (!(await access.may(caller, plan.participantId, 'care-team-change'))) {
        throw new AppError('FORBIDDEN', 'Only the plan-holder and coordinators in the care team can record the person’s consent.');
      }
      await deps.db.$transaction((tx) => writeConsent(tx, { planId, participantId: plan.participantId, by: caller, given: input.given, scope: input.scope, how: input.how, note: input.note, at: now() }));
      return consentOf(plan.participantId);
    },

    /** May this caller record consent or hand the plan over (the plan-holder, a coordinator in the care team)? */
    async mayManage(caller: Caller, participantId: string) {
      return access.may(caller, participantId, 'care-team-change');
    },

    /** An email reply saying "acknowledged", from the person the email went to. */
    async acknowledgeWithPlanReply(token: string, senderEmail: string) {
      const row = await findActionToken(deps.db, token, now(), [PLAN_REPLY_TOKEN_PURPOSE]);
      if (row.staff.email.toLowerCase() !== senderEmail.trim().toLowerCase()) throw new AppError('FORBIDDEN', 'This reply did not come from the person the email was sent to.');
      const scope = row.scope as { planId: string; version: number };
      const recipient = await this.acknowledge(linkHolder(row.staff, 'reply'), scope.planId, scope.version, 'email-reply');
      // The answer's subject names the participant.
      const participantRef = (await deps.db.carePlan.findUnique({ where: { id: scope.planId }, select: { participant: { select: { localRef: true } } } }))?.participant.localRef;
      return { staff: row.staff, recipient, version: scope.version, participantRef };
    },
  };
}

export type PlanService = ReturnType<typeof createPlanService>;
