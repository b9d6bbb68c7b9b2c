// Who is who: the agencies and the staff directory, for /api/agencies, /api/me, /api/staff and
// the home page; and the one rule for naming an agency in an input, by its id or by its key
// ("county-hospital"), which every API input that takes an agency uses. Reads no one's
// personal care data.
import { z } from 'zod';
import type { Db } from '../../runtime/db';

/** An agency as an input names it: its id (from GET /api/agencies) or its key. */
export const ZAgencyRef = z.string().trim().regex(/^[\w-]{1,64}$/, 'must be an agency id or key');

export interface AgencyRow {
  id: string;
  key: string;
  name: string;
}

/** Where a person finds the agencies' ids and keys: said in every "unknown agency" message. */
export const AGENCY_LOOKUP_HINT = 'see GET /api/agencies or `npm run careloop -- agency list`';

/**
 * The agency named by `ref`, an agency id or key, or null when careloop knows neither. An id
 * wins over a key that happens to spell another agency's id (keys are lower case and dashed,
 * ids are generated, so the two do not meet in practice).
 */
export async function resolveAgency(db: Db, ref: string): Promise<AgencyRow | null> {
  const rows = await db.agency.findMany({ where: { OR: [{ id: ref }, { key: ref }] }, select: { id: true, key: true, name: true } });
  return rows.find((a) => a.id === ref) ?? rows[0] ?? null;
}

/**
 * Many agency references at once (a plan's controls and contacts), in one query: each reference
 * as given maps to its agency; references careloop does not know are absent from the map.
 */
export async function resolveAgencies(db: Db, refs: readonly string[]): Promise<Map<string, AgencyRow>> {
  const wanted = [...new Set(refs)];
  if (!wanted.length) return new Map();
  const rows = await db.agency.findMany({ where: { OR: [{ id: { in: wanted } }, { key: { in: wanted } }] }, select: { id: true, key: true, name: true } });
  const byId = new Map(rows.map((a) => [a.id, a]));
  const byKey = new Map(rows.map((a) => [a.key, a]));
  const out = new Map<string, AgencyRow>();
  for (const ref of wanted) {
    const agency = byId.get(ref) ?? byKey.get(ref);
    if (agency) out.set(ref, agency);
  }
  return out;
}

export function createDirectory(db: Db) {
  return {
    /** The caller's agency, by id. */
    agencyOf(agencyId: string) {
      return db.agency.findUniqueOrThrow({ where: { id: agencyId }, select: { id: true, key: true, name: true } });
    },

    /** Every agency, by name: the ids and keys API inputs take. */
    agencies() {
      return db.agency.findMany({ select: { id: true, key: true, name: true, kind: true }, orderBy: [{ name: 'asc' }, { key: 'asc' }] });
    },

    /** Active staff by agency and name (of one agency when given): coordinators pick task owners from here. */
    activeStaff(agencyId?: string) {
      return db.staff.findMany({
        where: { active: true, ...(agencyId ? { agencyId } : {}) },
        select: { id: true, email: true, name: true, roles: true, agency: { select: { id: true, key: true, name: true } } },
        orderBy: [{ agency: { name: 'asc' } }, { name: 'asc' }],
      });
    },
  };
}
