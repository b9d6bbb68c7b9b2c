// A readable, field-level difference between two versions of a plan: the change note a
// partner reads to see what is different in day-to-day delivery.
import type { PlanContent } from './plan';

export type PlanChange =
  | { kind: 'added' | 'removed'; element: string; id?: string; text: string }
  | { kind: 'changed'; element: string; id?: string; field: string; from: string; to: string; text: string };

type Names = (agencyOrStaffId: string) => string;

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

export function diffPlans(from: PlanContent, to: PlanContent, name: Names = (id) => id): PlanChange[] {
  const changes: PlanChange[] = [];

  const goalsFrom = byId(from.goals);
  const goalsTo = byId(to.goals);
  for (const g of to.goals) {
    const old = goalsFrom.get(g.id);
    if (!old) changes.push({ kind: 'added', element: 'goal', id: g.id, text: `Goal added: "${g.text}"` });
    else if (old.text !== g.text) changes.push({ kind: 'changed', element: 'goal', id: g.id, field: 'text', from: old.text, to: g.text, text: `Goal reworded: "${old.text}" → "${g.text}"` });
  }
  for (const g of from.goals) if (!goalsTo.has(g.id)) changes.push({ kind: 'removed', element: 'goal', id: g.id, text: `Goal removed: "${g.text}"` });

  const risksFrom = byId(from.risks);
  const risksTo = byId(to.risks);
  for (const r of to.risks) {
    const old = risksFrom.get(r.id);
    if (!old) {
      changes.push({ kind: 'added', element: 'risk', id: r.id, text: `Risk added (${r.level}): "${r.description}"` });
      continue;
    }
    if (old.level !== r.level) changes.push({ kind: 'changed', element: 'risk', id: r.id, field: 'level', from: old.level, to: r.level, text: `Risk "${r.description}": level ${old.level} → ${r.level}` });
    if (old.description !== r.description) changes.push({ kind: 'changed', element: 'risk', id: r.id, field: 'description', from: old.description, to: r.description, text: `Risk reworded: "${old.description}" → "${r.description}"` });
  }
  for (const r of from.risks) if (!risksTo.has(r.id)) changes.push({ kind: 'removed', element: 'risk', id: r.id, text: `Risk removed: "${r.description}"` });

  const ctlFrom = byId(from.controls);
  const ctlTo = byId(to.controls);
  const owner = (c: PlanContent['controls'][number]) => (c.ownerStaffId ? `${name(c.ownerStaffId)} (${name(c.ownerAgencyId)})` : name(c.ownerAgencyId));
  for (const c of to.controls) {
    const old = ctlFrom.get(c.id);
    if (!old) {
      changes.push({ kind: 'added', element: 'control', id: c.id, text: `Control added: "${c.description}", owned by ${owner(c)}${c.dueDate ? `, due ${c.dueDate}` : ''}` });
      continue;
    }
    if (owner(old) !== owner(c)) changes.push({ kind: 'changed', element: 'control', id: c.id, field: 'owner', from: owner(old), to: owner(c), text: `Control "${c.description}": owner ${owner(old)} → ${owner(c)}` });
    if (old.description !== c.description) changes.push({ kind: 'changed', element: 'control', id: c.id, field: 'description', from: old.description, to: c.description, text: `Control reworded: "${old.description}" → "${c.description}"` });
    if ((old.dueDate ?? '') !== (c.dueDate ?? '')) changes.push({ kind: 'changed', element: 'control', id: c.id, field: 'dueDate', from: old.dueDate ?? 'none', to: c.dueDate ?? 'none', text: `Control "${c.description}": due ${old.dueDate ?? 'none'} → ${c.dueDate ?? 'none'}` });
  }
  for (const c of from.controls) if (!ctlTo.has(c.id)) changes.push({ kind: 'removed', element: 'control', id: c.id, text: `Control removed: "${c.description}" (was owned by ${owner(c)})` });

  const listDiff = (element: string, label: string, a: string[], b: string[]) => {
    for (const x of b) if (!a.includes(x)) changes.push({ kind: 'added', element, text: `${label} added: "${x}"` });
    for (const x of a) if (!b.includes(x)) changes.push({ kind: 'removed', element, text: `${label} removed: "${x}"` });
  };
  listDiff('crisisTrigger', 'Crisis trigger', from.crisisTriggers, to.crisisTriggers);
  const contact = (c: PlanContent['serviceContacts'][number]) => `${c.name}${c.role ? `, ${c.role}` : ''} (${name(c.agencyId)})${c.phone ? ` ${c.phone}` : ''}`;
  listDiff('serviceContact', 'Service contact', from.serviceContacts.map(contact), to.serviceContacts.map(contact));
  listDiff('sharing', 'Shared beyond the care team', from.shareBeyondCareTeam, to.shareBeyondCareTeam);
  return changes;
}
