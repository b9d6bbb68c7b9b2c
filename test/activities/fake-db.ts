// An in-memory stand-in for the few Prisma calls the record and notification activities make,
// for the unit tier (no PostgreSQL). Its $transaction keeps the real guarantee that matters
// here: writes made inside commit together, or not at all when the callback throws.
import type { Db } from '../../runtime/db';
import type { Mailer } from '../../runtime/mailer';

interface Row {
  [key: string]: unknown;
}

export interface FakeStore {
  auditEvents: Row[];
  actionTokens: Row[];
  notifications: Row[];
}

const matches = (row: Row, where: Row): boolean =>
  Object.entries(where).every(([k, v]) => {
    if (k === 'scope' && v && typeof v === 'object' && 'equals' in v) return (row.scope as Row | undefined)?.task === (v as { equals: unknown }).equals;
    if (k === 'NOT' && v && typeof v === 'object') return !matches(row, v as Row);
    return row[k] === v;
  });

/** A fake db; `failAudit` makes the next audit append throw (to see a transaction roll back). */
export function createFakeDb(): { db: Db; store: FakeStore; failNextAudit(): void } {
  let store: FakeStore = { auditEvents: [], actionTokens: [], notifications: [] };
  let failAudit = false;
  const client = () => ({
    $executeRaw: async () => 0,
    auditEvent: {
      findUnique: async ({ where }: { where: Row }) => store.auditEvents.find((e) => matches(e, where)) ?? null,
      findFirst: async () => store.auditEvents.at(-1) ?? null,
      create: async ({ data }: { data: Row }) => {
        if (failAudit) {
          failAudit = false;
          throw new Error('audit append failed');
        }
        store.auditEvents.push(data);
        return data;
      },
    },
    actionToken: {
      updateMany: async ({ where, data }: { where: Row; data: Row }) => {
        const hit = store.actionTokens.filter((t) => matches(t, where));
        hit.forEach((t) => Object.assign(t, data));
        return { count: hit.length };
      },
      createMany: async ({ data }: { data: Row[] }) => {
        store.actionTokens.push(...data.map((d) => ({ usedAt: null, revokedAt: null, ...d })));
        return { count: data.length };
      },
    },
    notification: {
      findUnique: async ({ where }: { where: Row }) => store.notifications.find((n) => matches(n, where)) ?? null,
      upsert: async ({ where, create, update }: { where: Row; create: Row; update: Row }) => {
        const found = store.notifications.find((n) => matches(n, where));
        if (!found) store.notifications.push({ status: 'pending', ...create });
        else if (update.attempts) found.attempts = (found.attempts as number) + 1;
        return found;
      },
      update: async ({ where, data }: { where: Row; data: Row }) => Object.assign(store.notifications.find((n) => matches(n, where))!, data),
    },
  });
  const db = {
    ...client(),
    async $transaction<T>(fn: (tx: ReturnType<typeof client>) => Promise<T>): Promise<T> {
      const before = structuredClone(store);
      try {
        return await fn(client());
      } catch (err) {
        store = before;
        throw err;
      }
    },
  };
  return {
    db: db as unknown as Db,
    get store() {
      return store;
    },
    failNextAudit: () => {
      failAudit = true;
    },
  };
}

/** A mailer that keeps what it sends, and can be made to fail the next send. */
export function createFakeMailer() {
  const sent: { to: string; subject: string; text: string; messageId?: string; replyTo?: string }[] = [];
  let down = false;
  const mailer: Mailer = {
    async send(mail) {
      if (down) throw new Error('connect ECONNREFUSED');
      sent.push(mail as (typeof sent)[number]);
      return { messageId: String(mail.messageId) };
    },
    async verify() {},
    close() {},
  };
  return { mailer, sent, setDown: (v: boolean) => (down = v) };
}
