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

// -------------------------------------------------------------------------------------------
// The same changes for the plan pages: in the words of the page (actions, not controls; levels
// and dates as people say them), grouped by the section of the plan they touch.

export type PlanSection = 'goals' | 'risks' | 'crisisTriggers' | 'serviceContacts' | 'controls' | 'sharing';

const SECTION_OF: Record<string, PlanSection> = { goal: 'goals', risk: 'risks', control: 'controls', crisisTrigger: 'crisisTriggers', serviceContact: 'serviceContacts', sharing: 'sharing' };
export const sectionOf = (c: PlanChange): PlanSection => SECTION_OF[c.element] ?? 'sharing';

const LEVEL_ORDER = ['low', 'moderate', 'high', 'acute'];

/** "1 December 2026" from "2026-12-01"; anything else as it is. */
export function dateWords(iso: string | undefined): string {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso ?? '';
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const month = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][m - 1];
  return month ? `${d} ${month} ${y}` : iso;
}

export interface PlanChangeLine {
  section: PlanSection;
  kind: PlanChange['kind'];
  words: string;
}

/** The changes from `from` to `to`, each a sentence a partner reads on a page. */
export function planChangeLines(from: PlanContent, to: PlanContent, name: Names = (id) => id): PlanChangeLine[] {
  const fromControls = byId(from.controls);
  const toControls = byId(to.controls);
  const owner = (c: PlanContent['controls'][number]) => (c.ownerStaffId ? `${name(c.ownerStaffId)} (${name(c.ownerAgencyId)})` : name(c.ownerAgencyId));
  return diffPlans(from, to, name).map((c) => {
    const section = sectionOf(c);
    const line = (words: string): PlanChangeLine => ({ section, kind: c.kind, words });
    if (c.element === 'control' && c.id) {
      const now = toControls.get(c.id);
      const was = fromControls.get(c.id);
      if (c.kind === 'added' && now) return line(`Action added: "${now.description}", owned by ${owner(now)}${now.dueDate ? `, due ${dateWords(now.dueDate)}` : ''}`);
      if (c.kind === 'removed' && was) return line(`Action removed: "${was.description}" (was owned by ${owner(was)})`);
      if (c.kind === 'changed' && c.field === 'owner') return line(`Action "${now?.description ?? c.id}": now owned by ${c.to} (was ${c.from})`);
      if (c.kind === 'changed' && c.field === 'description') return line(`Action reworded: "${c.from}" → "${c.to}"`);
      if (c.kind === 'changed' && c.field === 'dueDate') {
        const due = (d: string) => (d === 'none' ? 'no due date' : dateWords(d));
        return line(`Action "${now?.description ?? c.id}": due ${due(c.to)} (was ${due(c.from)})`);
      }
    }
    if (c.element === 'risk' && c.kind === 'changed' && c.field === 'level') {
      const raised = LEVEL_ORDER.indexOf(c.to) > LEVEL_ORDER.indexOf(c.from);
      const risk = to.risks.find((r) => r.id === c.id);
      return line(`Risk "${risk?.description ?? c.id}": level ${raised ? 'raised' : 'lowered'} from ${c.from} to ${c.to}`);
    }
    if (c.element === 'risk' && c.kind === 'added') {
      const risk = to.risks.find((r) => r.id === c.id);
      if (risk) return line(`Risk added: "${risk.description}" (${risk.level})`);
    }
    if (c.element === 'sharing') {
      const element = c.text.replace(/^.*: "(.*)"$/, '$1');
      const words: Record<string, string> = { goals: 'goals', risks: 'risks', crisisTriggers: 'crisis triggers', serviceContacts: 'service contacts', controls: 'actions' };
      return line(`${c.kind === 'added' ? 'Proposed for sharing beyond the care team' : 'No longer proposed for sharing beyond the care team'}: ${words[element] ?? element}`);
    }
    return line(c.text);
  });
}

const SECTION_NOUNS: Record<PlanSection, [string, string]> = {
  goals: ['goal', 'goals'],
  risks: ['risk', 'risks'],
  crisisTriggers: ['crisis trigger', 'crisis triggers'],
  serviceContacts: ['service contact', 'service contacts'],
  controls: ['action', 'actions'],
  sharing: ['sharing proposal', 'sharing proposals'],
};

/**
 * The change note without clinical detail: how many items of each section were added, removed
 * or changed, never what they say. For a link page opened without signing in.
 */
export function changeCounts(lines: readonly PlanChangeLine[]): string[] {
  const order: PlanSection[] = ['goals', 'risks', 'crisisTriggers', 'serviceContacts', 'controls', 'sharing'];
  return order.flatMap((section) => {
    const of = lines.filter((l) => l.section === section);
    if (!of.length) return [];
    const [one, many] = SECTION_NOUNS[section];
    const parts = (['added', 'changed', 'removed'] as const).flatMap((kind) => {
      const n = of.filter((l) => l.kind === kind).length;
      return n ? [`${n} ${n === 1 ? one : many} ${kind}`] : [];
    });
    return [parts.join(', ').replace(/^./, (ch) => ch.toUpperCase())];
  });
}

// -------------------------------------------------------------------------------------------
// Re-applying one author's edits on a newer version (a stale base): a three-way merge.

export interface Rebased {
  content: PlanContent;
  /** Edits of the author that were not re-applied because the newer version changed the same thing. */
  clashes: string[];
}

/**
 * The author's changes from `base` to `mine`, applied to `theirs` (a newer version also made
 * from `base`) wherever the newer version left the same thing alone. Where both changed the
 * same field, or one removed what the other changed, the newer version's state is kept and the
 * author's edit is listed as a clash, to re-make by hand if it still holds.
 */
export function rebasePlan(base: PlanContent, theirs: PlanContent, mine: PlanContent, name: Names = (id) => id): Rebased {
  const clashes: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  function mergeById<T extends { id: string }>(label: string, describe: (item: T) => string, fields: (keyof T)[][], b: T[], t: T[], m: T[]): T[] {
    const bm = byId(b);
    const tm = byId(t);
    const mm = byId(m);
    const out: T[] = [];
    for (const theirItem of t) {
      const baseItem = bm.get(theirItem.id);
      const myItem = mm.get(theirItem.id);
      if (!baseItem) {
        out.push(theirItem); // added by them
        continue;
      }
      if (!myItem) {
        // I removed it: fine if they left it alone.
        if (same(baseItem, theirItem)) continue;
        clashes.push(`You removed ${label} "${describe(baseItem)}", but the newer version changed it: it is kept.`);
        out.push(theirItem);
        continue;
      }
      const merged = { ...theirItem };
      for (const group of fields) {
        const pick = (x: T) => group.map((f) => x[f]);
        const mineChanged = !same(pick(baseItem), pick(myItem));
        const theirsChanged = !same(pick(baseItem), pick(theirItem));
        if (!mineChanged) continue;
        if (theirsChanged && !same(pick(myItem), pick(theirItem))) {
          clashes.push(`You changed the ${String(group[0]) === 'ownerAgencyId' ? 'owner' : String(group[0]) === 'dueDate' ? 'due date' : String(group[0]) === 'text' ? 'wording' : String(group[0])} of ${label} "${describe(theirItem)}", but the newer version changed it too: the newer version’s is kept.`);
          continue;
        }
        for (const f of group) {
          if (myItem[f] === undefined) delete merged[f];
          else merged[f] = myItem[f];
        }
      }
      out.push(merged);
    }
    // Items they removed: gone, unless I changed them (a clash: they stay removed).
    for (const baseItem of b) {
      if (tm.has(baseItem.id)) continue;
      const myItem = mm.get(baseItem.id);
      if (myItem && !same(myItem, baseItem)) clashes.push(`You changed ${label} "${describe(myItem)}", but the newer version removed it: it stays removed.`);
    }
    // Items I added: appended, with a fresh id if theirs took the same one.
    const taken = new Set(out.map((x) => x.id));
    for (const myItem of m) {
      if (bm.has(myItem.id)) continue;
      let id = myItem.id;
      for (let n = 2; taken.has(id); n++) id = `${myItem.id}-${n}`;
      taken.add(id);
      out.push({ ...myItem, id });
    }
    return out;
  }

  function mergeList<T>(b: T[], t: T[], m: T[]): T[] {
    const key = (x: T) => JSON.stringify(x);
    const baseKeys = new Set(b.map(key));
    const mineKeys = new Set(m.map(key));
    const removedByMe = new Set(b.filter((x) => !mineKeys.has(key(x))).map(key));
    const out = t.filter((x) => !removedByMe.has(key(x)));
    const have = new Set(out.map(key));
    for (const x of m) if (!baseKeys.has(key(x)) && !have.has(key(x))) out.push(x);
    return out;
  }

  const owner = (c: PlanContent['controls'][number]) => c.description || name(c.ownerAgencyId);
  return {
    content: {
      goals: mergeById('goal', (g) => g.text, [['text']], base.goals, theirs.goals, mine.goals),
      risks: mergeById('risk', (r) => r.description, [['description'], ['level']], base.risks, theirs.risks, mine.risks),
      crisisTriggers: mergeList(base.crisisTriggers, theirs.crisisTriggers, mine.crisisTriggers),
      serviceContacts: mergeList(base.serviceContacts, theirs.serviceContacts, mine.serviceContacts),
      controls: mergeById('action', owner, [['description'], ['ownerAgencyId', 'ownerStaffId'], ['dueDate']], base.controls, theirs.controls, mine.controls),
      shareBeyondCareTeam: theirs.shareBeyondCareTeam,
    },
    clashes,
  };
}
