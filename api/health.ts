import { Router } from 'express';
import type { AppDeps } from './app';

const CHECK_TIMEOUT_MS = 2_000;

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();

  // Liveness: the process is up and serving. Nothing else is checked.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the database and Temporal both answer. 503 (not a crash) while either is down.
  router.get('/readyz', async (_req, res) => {
    const check = async (work: () => Promise<unknown>) => {
      try {
        await within(CHECK_TIMEOUT_MS, work());
        return 'up' as const;
      } catch {
        return 'down' as const;
      }
    };
    const [database, temporal] = await Promise.all([
      check(() => deps.db.$queryRaw`SELECT 1`),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ready = database === 'up' && temporal === 'up';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { database, temporal } });
  });

  return router;
}
