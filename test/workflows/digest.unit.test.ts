// Unit tier: the weekly digest on the time-skipping server with typed fake activities (no
// database, no SMTP): the week each run is for, in the partnership's calendar; one email asked
// for each person who chose it, ten at a time; a person whose email keeps failing is counted and
// does not stop the others.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { isoWeekOf, weeklyDigestWorkflow } from '../../workflows';
import { timeSkippingServer } from './unit-harness';

describe('the ISO week a digest is for', () => {
  it('counts weeks from the Monday, the Thursday deciding the year, on the partnership’s calendar', () => {
    expect(isoWeekOf(Date.parse('2026-11-30T08:00:00Z'), 'Europe/London')).toBe('2026-W49');
    expect(isoWeekOf(Date.parse('2026-12-06T23:30:00Z'), 'Europe/London')).toBe('2026-W49');
    expect(isoWeekOf(Date.parse('2026-12-07T00:30:00Z'), 'Europe/London')).toBe('2026-W50');
    // 1 January 2027 is a Friday: it belongs to the last week of 2026.
    expect(isoWeekOf(Date.parse('2027-01-01T12:00:00Z'), 'Europe/London')).toBe('2026-W53');
    expect(isoWeekOf(Date.parse('2027-01-04T08:00:00Z'), 'Europe/London')).toBe('2027-W01');
    // Monday 08:00 in Auckland is Sunday evening in UTC: still Monday's week there.
    expect(isoWeekOf(Date.parse('2026-11-29T19:00:00Z'), 'Pacific/Auckland')).toBe('2026-W49');
    expect(isoWeekOf(Date.parse('2026-11-29T19:00:00Z'), 'UTC')).toBe('2026-W48');
  });
});

describe('weekly digest workflow (unit: time-skipping server, fake activities)', () => {
  const server = timeSkippingServer();

  it('asks for one email per person who chose it, for the week given, and counts what became of each', async () => {
    await server.run(async (run) => {
      const result = await run.env.client.workflow.execute(weeklyDigestWorkflow, { taskQueue: run.taskQueue, workflowId: 'digest-unit-1', args: [{ timeZone: 'Europe/London', week: '2026-W49' }] });
      expect(result).toEqual({ week: '2026-W49', people: 2, sent: 1, alreadySent: 0, nothingOpen: 1, failed: 0 });
      // The recipients first; then one send each, run side by side (in either order).
      expect(run.log.calls[0]).toBe('digestRecipients');
      expect(run.log.calls.slice(1).sort()).toEqual(['sendWeeklyDigest:homecare', 'sendWeeklyDigest:housing']);
    });
  });

  it('carries on past a person whose email cannot be sent, ten people at a time', async () => {
    const people = Array.from({ length: 23 }, (_, i) => `staff-${String(i).padStart(2, '0')}`);
    const asked: { staffId: string; week: string }[] = [];
    await server.run(
      async (run) => {
        const before = isoWeekOf(await run.env.currentTimeMs(), 'UTC');
        const result = await run.env.client.workflow.execute(weeklyDigestWorkflow, { taskQueue: run.taskQueue, workflowId: 'digest-unit-2', args: [{ timeZone: 'UTC' }] });
        const after = isoWeekOf(await run.env.currentTimeMs(), 'UTC');
        expect(result).toMatchObject({ people: 23, sent: 22, failed: 1 });
        // No week given: the week of the run's own clock (the time-skipping server may skip ahead meanwhile).
        expect(result.week).toMatch(/^\d{4}-W\d{2}$/);
        expect(result.week >= before && result.week <= after).toBe(true);
        expect(new Set(asked.map((a) => a.staffId)).size).toBe(23);
        expect(new Set(asked.map((a) => a.week))).toEqual(new Set([result.week]));
      },
      {
        digestRecipients: async () => people,
        sendWeeklyDigest: async (input) => {
          asked.push(input);
          if (input.staffId === 'staff-07') throw ApplicationFailure.nonRetryable('The mail relay refused the address', 'MailRefused');
          return { outcome: 'sent', items: 1 };
        },
      },
    );
  });
});
