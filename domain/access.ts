// Who may see what about a person. Pure: `api/access.ts` finds the caller's relation to the
// person and the process in the record, and this table answers. One table for every route,
// page, export, link page and the roster, so a reader can check the whole policy here.
//
// Access comes from the person's care team (agencies and named staff, each added by someone,
// when and why) and from being a party to one process (named in it: its coordinator, a task
// owner, a chair or responder, an interim owner, a party agency's manager). It never comes from
// having raised something: raising an escalation or a dispute needs care-team membership first.
import type { Role } from './roles';

export type AccessResource =
  | 'sprint'
  | 'plan'
  | 'escalation'
  | 'dispute'
  /** The person's whole audit trail (JSON or CSV). */
  | 'audit'
  /** One person's row on the huddle roster. */
  | 'roster-row'
  /** One person's row in the evidence report (refusals). */
  | 'report-row'
  /** Who is in the care team. */
  | 'care-team'
  /** Adding or removing care-team members. */
  | 'care-team-change'
  /** Who looked at this person. */
  | 'access-log'
  /** Raising an escalation or a dispute about the person. */
  | 'raise';

export const PROCESS_RESOURCES: readonly AccessResource[] = ['sprint', 'plan', 'escalation', 'dispute'];

export interface AccessRelation {
  /** The caller's agency is in the care team. */
  agencyMember: boolean;
  /** The caller is named in the care team in person. */
  namedMember: boolean;
  /** The caller holds the person's integrated plan. */
  planHolder: boolean;
  /** The caller is named in this process (or, for a manager, their agency is). */
  party: boolean;
}

export const NO_RELATION: AccessRelation = { agencyMember: false, namedMember: false, planHolder: false, party: false };

const LEADS: readonly Role[] = ['coordinator', 'manager'];

/** May a caller with these roles and this relation to the person use this resource? */
export function mayAccess(roles: readonly string[], relation: AccessRelation, resource: AccessResource): boolean {
  if (roles.includes('admin')) return true;
  const member = relation.agencyMember || relation.namedMember || relation.planHolder;
  const lead = roles.some((r) => (LEADS as readonly string[]).includes(r));
  switch (resource) {
    case 'sprint':
    case 'escalation':
    case 'dispute':
      // What you are asked to act on you may see; the rest of the person's processes are for
      // the care team's coordinators and managers.
      return relation.party || (member && lead);
    case 'plan':
      // Everyone in the care team delivers the plan, so everyone in it reads it.
      return relation.party || member;
    case 'audit':
    case 'roster-row':
      return member && lead;
    case 'report-row':
      return member && roles.includes('manager');
    case 'care-team':
    case 'raise':
      return member;
    case 'care-team-change':
      return relation.planHolder || (member && roles.includes('coordinator'));
    case 'access-log':
      return relation.planHolder;
  }
}
