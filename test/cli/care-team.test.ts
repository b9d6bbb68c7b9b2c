// The admin CLI's care-team commands against real PostgreSQL: add, list and remove, each audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, UsageError } from '../../cli/careloop';
import { createAgency, createStaff } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createParticipant } from '../support/sprint-fixture';

describe('admin CLI: care team (real PostgreSQL)', () => {
  let t: TestDatabase;
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    await runCli(argv, t.db, (l) => lines.push(l));
    return lines;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('adds an agency and a named person, lists them with who added them, and removes one with a reason', async () => {
    const gp = await createAgency(t.db, 'gp-practice');
    const { staff } = await createStaff(t.db, { email: 'sam@social.test', roles: ['staff'], agencyId: (await createAgency(t.db, 'social-care')).id });
    const person = await createParticipant(t.db);

    expect(await run('care-team', 'add', '--participant', person.localRef, '--agency', 'gp-practice', '--reason', 'Registered GP')).toEqual([`added Agency gp-practice to the care team of ${person.localRef}`]);
    expect(await run('care-team', 'add', '--participant', person.localRef, '--staff', 'sam@social.test', '--reason', 'Allocated social worker')).toEqual([`added ${staff.name} to the care team of ${person.localRef}`]);
    expect(await run('care-team', 'add', '--participant', person.localRef, '--agency', 'gp-practice', '--reason', 'Again')).toEqual([`Agency gp-practice is already in the care team of ${person.localRef}`]);

    const listed = await run('care-team', 'list', '--participant', person.localRef);
    expect(listed[0]).toBe(`care team of ${person.localRef}:`);
    expect(listed.join('\n')).toMatch(/agency gp-practice \(Agency gp-practice\)\s+added by cli:\S+ on \S+: Registered GP/);
    expect(listed.join('\n')).toMatch(/sam@social\.test .*: Allocated social worker/);

    const memberId = (await t.db.careTeamMember.findFirstOrThrow({ where: { participantId: person.id, agencyId: gp.id } })).id;
    expect(await run('care-team', 'remove', '--participant', person.localRef, '--member', memberId, '--reason', 'Moved practice')).toEqual([`removed agency:${gp.id} from the care team of ${person.localRef}`]);
    expect((await run('care-team', 'list', '--participant', person.localRef)).join('\n')).toMatch(/\[removed \S+ by cli:\S+: Moved practice\]/);

    const events = await t.db.auditEvent.findMany({ where: { participantId: person.id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.action, e.reason])).toEqual([
      ['care-team.added', 'Registered GP'],
      ['care-team.added', 'Allocated social worker'],
      ['care-team.removed', 'Moved practice'],
    ]);
  });

  it('says what is wrong with a command, in words', async () => {
    const person = await createParticipant(t.db);
    await expect(run('care-team', 'add', '--participant', 'P-nobody', '--agency', 'x', '--reason', 'why')).rejects.toThrow(new UsageError('no participant P-nobody'));
    await expect(run('care-team', 'add', '--participant', person.localRef, '--reason', 'why')).rejects.toThrow(/name either --agency KEY or --staff EMAIL/);
    await expect(run('care-team', 'add', '--participant', person.localRef, '--agency', 'no-such-agency', '--reason', 'why')).rejects.toThrow(/--agency is not an agency careloop knows/);
    await expect(run('care-team', 'remove', '--participant', person.localRef, '--member', 'nope', '--reason', 'why')).rejects.toThrow(/no current care-team member nope/);
    await expect(run('access-log')).rejects.toThrow(/--participant is required/);
  });
});
