// The baseline's worker, a child process like careloop's own: bench/workflows.ts only, no
// activities. Configured by BENCH_TEMPORAL_ADDRESS, BENCH_TASK_QUEUE and TEMPORAL_NAMESPACE.
import { NativeConnection, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.BENCH_TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.BENCH_TASK_QUEUE ?? 'bench-baseline',
    workflowsPath: require.resolve('./workflows'),
  });
  process.stdout.write('baseline worker polling\n');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline worker failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
