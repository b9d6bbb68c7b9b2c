// A participant's audit trail as JSON and CSV, with the hash chain verified, against a real
// PostgreSQL. Temporal is unreachable here: the trail comes from the record alone.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { recordAuditEvent } from '../../activities/audit';
import type { ParticipantAudit } from '../../api/evidence/participant-audit';
import { buildTestApp, createStaff, unreachableTemporal } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { createParticipant, createSprintPeople, type SprintPeople } from '../support/sprint-fixture';

describe('GET /api/participants/:id/audit', () => {
  let t: TestDatabase;
  let smtp: SmtpCapture;
  let app: Express;
  let people: SprintPeople;
  let admin: { token: string };
  let participant: { id: string; localRef: string };

  beforeAll(async () => {
    [t, smtp] = await Promise.all([createTestDatabase(), startSmtpCapture()]);
    people = await createSprintPeople(t.db);
    admin = await createStaff(t.db, { email: `ada.${randomUUID().slice(0, 6)}@care.test`, roles: ['admin'], agencyId: people.outsider.agencyId });
    app = buildTestApp({ db: t.db, temporal: unreachableTemporal(), smtp });
    // The county coordinates this participant's care; the other participant is not theirs.
    participant = await createParticipant(t.db, [people.coordinator.agencyId]);
    const other = await createParticipant(t.db, [people.outsider.agencyId]);
    // The county coordinates this participant's sprint.
    await t.db.sprint.create({ data: { id: `sprint-${participant.id}`, participantId: participant.id, coordinatorId: people.coordinator.id, dischargeAt: new Date(), closesAt: new Date() } });
    const events = [
      { actor: people.coordinator.name, actorId: people.coordinator.id, action: 'sprint.started', participantId: participant.id, process: 'sprint', workflowId: `sprint-${participant.id}` },
      { actor: 'careloop', action: 'escalation.raised', participantId: other.id, process: 'escalation' },
      { actor: people.hospital.name, actorId: people.hospital.id, action: 'task.completed', participantId: participant.id, process: 'sprint', item: 'medication-reconciled', data: { channel: 'link' } },
      { actor: people.homecare.name, actorId: people.homecare.id, action: 'task.refused', participantId: participant.id, process: 'sprint', item: 'transport-confirmed', reason: '=cmd|calc', data: { managedHow: 'family drives' } },
    ];
    for (const e of events) await recordAuditEvent(t.db, e);
  });
  afterAll(async () => {
    await t?.drop();
    await smtp?.stop();
  });

  const get = (who: { token: string } | undefined, id: string, query = '') => {
    const req = request(app).get(`/api/participants/${encodeURIComponent(id)}/audit${query}`);
    return who ? req.set('Authorization', `Bearer ${who.token}`) : req;
  };

  it("gives the participant's events in order, and only theirs, with the chain verified", async () => {
    const res = await get(people.manager, participant.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = res.body as ParticipantAudit;
    expect(body.participant).toEqual({ id: participant.id, localRef: participant.localRef, displayName: expect.any(String) });
    // Seq 1 and 2 are the two people joining their care teams; 4 is the other person's.
    expect(body.events.map((e) => [e.seq, e.action, e.item])).toEqual([
      [1, 'care-team.added', null],
      [3, 'sprint.started', null],
      [5, 'task.completed', 'medication-reconciled'],
      [6, 'task.refused', 'transport-confirmed'],
    ]);
    // Each event links to the one before it in the whole trail: seq 5 follows seq 4 (another person's).
    expect(body.events[2]!.prevHash).not.toBe(body.events[1]!.hash);
    expect(body.verification).toEqual({ chain: { ok: true, checked: 6 }, participantEventsIntact: true });
    // The coordinating agency's coordinator may read it too.
    expect((await get(people.coordinator, participant.id)).status).toBe(200);
    expect((await get(admin, participant.id)).status).toBe(200);
  });

  it('exports the same events as CSV, formulas defused, with the verification in a header', async () => {
    const res = await get(people.manager, participant.id, '?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain(`careloop-audit-${participant.localRef}.csv`);
    expect(res.headers['careloop-audit-chain']).toBe('verified; 6 events checked');
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    // In words for people reading it; the codes and the data as recorded stay in the JSON.
    expect(rows.map((r) => r.what)).toEqual(['Joined the care team', 'Sprint started', 'Task done', 'Task refused by the person']);
    expect(rows[3]).toMatchObject({ seq: '6', actor: people.homecare.name, process: 'Post-discharge sprint', reason: "'=cmd|calc", item: 'transport-confirmed', details: 'managed how: family drives' });
    expect(Object.keys(rows[0]!)).not.toContain('action');
  });

  it('tells an outsider nothing: a participant of another agency looks like no participant at all', async () => {
    const hidden = await get(people.outsider, participant.id);
    const missing = await get(people.outsider, 'no-such-participant');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.error.message.replace(participant.id, 'X')).toBe(missing.body.error.message.replace('no-such-participant', 'X'));
    expect(JSON.stringify(hidden.body)).not.toContain(participant.localRef);
    expect((await get(people.hospital, participant.id)).status).toBe(403);
    expect((await get(undefined, participant.id)).status).toBe(401);
    const bad = await get(people.manager, "x' OR 1=1 --");
    expect(bad.status).toBe(400);
    expect((await get(people.manager, participant.id, '?format=pdf')).status).toBe(400);
  });

  it('answers 503 with a clear message from the live views while Temporal is unreachable', async () => {
    for (const path of ['/api/roster', '/api/workflows']) {
      const res = await request(app).get(path).set('Authorization', `Bearer ${people.manager.token}`);
      expect(res.status, path).toBe(503);
      expect(res.body.error).toEqual({ code: 'UNAVAILABLE', message: 'The workflow engine is not answering right now. Try again in a minute.' });
    }
  });

  it('shows a broken chain when an event was altered behind the database triggers', async () => {
    await t.adminQuery(`SET session_replication_role = replica`);
    await t.adminQuery(`UPDATE "AuditEvent" SET reason = 'rewritten later' WHERE seq = 6`);
    await t.adminQuery(`SET session_replication_role = DEFAULT`);
    const res = await get(people.manager, participant.id);
    expect(res.body.verification).toEqual({ chain: { ok: false, checked: 5, firstBad: { seq: 6, problem: 'hash-mismatch' } }, participantEventsIntact: false });
    const csv = await get(people.manager, participant.id, '?format=csv');
    expect(csv.headers['careloop-audit-chain']).toMatch(/^BROKEN; .*hash-mismatch/);
  });
});
