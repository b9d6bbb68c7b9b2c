// How a sprint looks to people: a tone and words per task status, labels for the timeline,
// and the picture of the 72 hours (one row per task from discharge to close). Used by the
// sprint pages and the managers' dashboard.
import { html, type SafeHtml } from '../html';
import type { SprintState, SprintStatus, TaskState } from '../../domain/sprint';


export type Tone = 'open' | 'reminded' | 'overdue' | 'done' | 'refused' | 'na' | 'cancelled' | 'failed';

export function taskTone(t: TaskState): Tone {
  switch (t.status) {
    case 'requested':
      return t.overdue ? 'overdue' : t.reminded ? 'reminded' : 'open';
    case 'completed':
      return 'done';
    case 'rejected':
      return 'refused';
    case 'cancelled':
      return t.statusReason === 'not-applicable' ? 'na' : 'cancelled';
    case 'failed':
      return 'failed';
  }
}

export const TONE_LABEL: Record<Tone, string> = {
  open: 'Open',
  reminded: 'Open, owner reminded',
  overdue: 'Overdue',
  done: 'Done',
  refused: 'Refused by the participant',
  na: 'Not applicable',
  cancelled: 'Cancelled with the sprint',
  failed: 'Not done by close',
};

export const SPRINT_STATUS: Record<SprintStatus, { label: string; tone: Tone }> = {
  open: { label: 'Open', tone: 'open' },
  completed: { label: 'Completed', tone: 'done' },
  'completed-with-gaps': { label: 'Completed with gaps', tone: 'reminded' },
  cancelled: { label: 'Cancelled', tone: 'cancelled' },
};

export const EVENT_LABEL: Record<string, string> = {
  'sprint.started': 'Sprint started',
  'emails.sent': 'Owners emailed',
  'task.completed': 'Done',
  'task.refused': 'Refused by the participant',
  'task.not-applicable': 'Not applicable',
  'task.reassigned': 'Reassigned',
  'task.note-added': 'Note',
  'task.reminder-sent': 'Reminder sent',
  'task.overdue': 'Overdue',
  'escalation.raised': 'Escalation raised',
  'sprint.cancelled': 'Sprint cancelled',
  'sprint.closed': 'Sprint closed',
};

/** "+24 h", "+2 min", "+90 s": how long after discharge. */
function sinceDischarge(ms: number): string {
  if (ms % 3_600_000 === 0) return `+${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `+${ms / 60_000} min`;
  return `+${Math.round(ms / 1000)} s`;
}

/**
 * One row per task on a line from discharge to close: a bar up to its due time, a dot at the due
 * time coloured by status, a tick when it ended, and a line for now (or for an early close).
 */
export function sprintPicture(state: SprintState, now: Date, when: (iso: string) => string): SafeHtml {
  const W = 920;
  const left = 300;
  const right = 30;
  const top = 40;
  const rowH = 24;
  const plotW = W - left - right;
  const H = top + state.tasks.length * rowH + 28;
  const start = Date.parse(state.dischargeAt);
  const end = Math.max(Date.parse(state.closesAt), start + 1);
  const x = (ms: number) => (left + Math.min(1, Math.max(0, (ms - start) / (end - start))) * plotW).toFixed(1);

  const ticks = new Map<number, string[]>();
  const tick = (ms: number, label: string) => ticks.set(ms, [...(ticks.get(ms) ?? []), label]);
  tick(start, 'discharge');
  for (const due of [...new Set(state.tasks.map((t) => Date.parse(t.dueAt)))].sort((a, b) => a - b)) tick(due, sinceDischarge(due - start));
  tick(end, 'close');
  let lastLabelX = -Infinity;
  const tickMarks = [...ticks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ms, labels]) => {
      const tx = Number(x(ms));
      // Due times close together would print over each other: keep the first label only.
      const showLabel = tx - lastLabelX >= 60 || ms === end;
      if (showLabel) lastLabelX = tx;
      const anchor = ms === start ? 'start' : ms === end ? 'end' : 'middle';
      return html`<line class="grid" x1="${x(ms)}" x2="${x(ms)}" y1="${top - 12}" y2="${H - 24}"></line>${
        showLabel ? html`<text class="tick-label" x="${x(ms)}" y="${top - 18}" text-anchor="${anchor}">${labels.join(' · ')}</text>` : ''
      }`;
    });

  const closedAt = state.closedAt ? Date.parse(state.closedAt) : undefined;
  const nowMs = now.getTime();
  const marker =
    closedAt !== undefined
      ? { ms: closedAt, label: `closed ${sinceDischarge(Math.round((closedAt - start) / 1000) * 1000)}` }
      : state.status === 'open' && nowMs >= start && nowMs <= end
        ? { ms: nowMs, label: 'now' }
        : undefined;

  const rows = state.tasks.map((t, i) => {
    const y = top + i * rowH + rowH / 2;
    const due = Date.parse(t.dueAt);
    const tone = taskTone(t);
    return html`<g class="row tone-${tone}">
<text class="row-label" x="${left - 12}" y="${y + 4}" text-anchor="end">${t.title}</text>
<line class="track" x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}"></line>
<line class="bar" x1="${x(start)}" x2="${x(due)}" y1="${y}" y2="${y}"></line>
${t.endedAt ? html`<line class="ended-tick" x1="${x(Date.parse(t.endedAt))}" x2="${x(Date.parse(t.endedAt))}" y1="${y - 8}" y2="${y + 8}"><title>ended ${when(t.endedAt)}</title></line>` : ''}
<circle class="mark" cx="${x(due)}" cy="${y}" r="7"><title>${t.title}: ${TONE_LABEL[tone]}, due ${when(t.dueAt)} (${t.owner.name})</title></circle>
</g>`;
  });

  const ended = state.tasks.filter((t) => t.status !== 'requested').length;
  const overdue = state.tasks.filter((t) => t.overdue && t.status === 'requested').length;
  return html`<figure class="sprint-figure">
<svg class="sprint-picture" viewBox="0 0 ${W} ${H}" role="img" aria-label="${ended} of ${state.tasks.length} tasks ended, ${overdue} overdue" xmlns="http://www.w3.org/2000/svg">
${tickMarks}
${rows}
${marker ? html`<line class="now" x1="${x(marker.ms)}" x2="${x(marker.ms)}" y1="${top - 8}" y2="${H - 20}"></line><text class="now-label" x="${x(marker.ms)}" y="${H - 6}" text-anchor="middle">${marker.label}</text>` : ''}
</svg>
<figcaption class="legend">${(['open', 'reminded', 'overdue', 'done', 'refused', 'na', 'cancelled', 'failed'] as Tone[]).map(
    (tone) => html`<span class="tone-${tone}"><i class="swatch"></i>${TONE_LABEL[tone]}</span>`,
  )}<span><i class="swatch tick"></i>ended</span></figcaption>
</figure>`;
}
