// Bench-only workflows: the "raw Temporal" baseline the product's figures are set against.
// Bundled separately from workflows/ and run on a task queue of their own, so nothing here
// touches the product's workflow code or its recorded histories.
import { condition, defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

/** Does nothing: the cost of a start is all Temporal's. */
export async function emptyWorkflow(): Promise<void> {}

export const bumpUpdate = defineUpdate<number, [number]>('bump');
export const countQuery = defineQuery<number>('count');
export const finishSignal = defineSignal('finish');

/** Holds one number: an update adds to it, a query reads it. Stays open until `finish`. */
export async function counterWorkflow(): Promise<number> {
  let count = 0;
  let finished = false;
  setHandler(bumpUpdate, (by) => (count += by));
  setHandler(countQuery, () => count);
  setHandler(finishSignal, () => void (finished = true));
  await condition(() => finished);
  return count;
}
