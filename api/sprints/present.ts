// How a sprint looks to people: a tone and words per task status, labels for the timeline,
// and the picture of the 72 hours (one row per task from discharge to close). Used by the
// sprint pages and the managers' dashboard.
import { html, type SafeHtml } from '../html';
import type { SprintState, SprintStatus, TaskState } from '../../domain/sprint';
import { SPRINT_STATUS_WORDS, TASK_CHIP_WORDS } from '../../domain/words';


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

/**
 * A task's chip: the vocabulary's word for its status, with what the tone adds (a reminder, an
 * overdue open task, a cancellation because the task did not apply or with the whole sprint).
 */
export const TONE_LABEL: Record<Tone, string> = TASK_CHIP_WORDS;

export const SPRINT_STATUS: Record<SprintStatus, { label: string; tone: Tone }> = {
  open: { label: SPRINT_STATUS_WORDS.open, tone: 'open' },
  completed: { label: SPRINT_STATUS_WORDS.completed, tone: 'done' },
  'completed-with-gaps': { label: SPRINT_STATUS_WORDS['completed-with-gaps'], tone: 'reminded' },
  cancelled: { label: SPRINT_STATUS_WORDS.cancelled, tone: 'cancelled' },
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

/** "+30 h 12 min", "+4 min": a time that fell after discharge, to the minute. */
function elapsed(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `+${m} min`;
  return m % 60 ? `+${Math.floor(m / 60)} h ${m % 60} min` : `+${m / 60} h`;
}

/**
 * The narrowest the chart's plot is drawn (px, see careloop.css: below 60rem the chart is a
 * list), and how wide a 14px label is, roughly: enough to keep axis labels from overprinting.
 */
const MIN_PLOT_PX = 500;
const labelPx = (text: string) => [...text].reduce((w, c) => w + (/[\s·.,:il]/.test(c) ? 4 : 8.5), 0);

const pct = (n: number) => `${(Math.round(n * 1000) / 10).toFixed(1)}%`;

/**
 * The 72 hours as a list, one item per task in the sprint's order: its title, its status in words,
 * when it is due (and ended) after discharge and who owes it; on a wide screen each item also
 * draws its line from discharge to close (a bar up to its due time, a dot at the due time in the
 * status's colour, a dark tick when it ended), under an axis of the due times, with a dashed line
 * for now (or an early close). The drawing is decoration (aria-hidden): everything it shows is in
 * the words. On a phone it is the list with a short line per task, legible at any width.
 */
export function sprintPicture(state: SprintState, now: Date, when: (iso: string) => string): SafeHtml {
  const start = Date.parse(state.dischargeAt);
  const end = Math.max(Date.parse(state.closesAt), start + 1);
  const at = (ms: number) => Math.min(1, Math.max(0, (ms - start) / (end - start)));

  // The axis: discharge, each distinct due time, close; labels that would overprint are dropped
  // (discharge and close always stay).
  const ticks = new Map<number, string[]>();
  const tick = (ms: number, label: string) => ticks.set(ms, [...(ticks.get(ms) ?? []), label]);
  tick(start, 'discharge');
  for (const due of [...new Set(state.tasks.map((t) => Date.parse(t.dueAt)))].sort((a, b) => a - b)) tick(due, sinceDischarge(due - start));
  tick(end, 'close');
  const sorted = [...ticks.entries()].sort(([a], [b]) => a - b).map(([ms, labels]) => ({ ms, text: labels.join(' · ') }));
  const extent = (t: { ms: number; text: string }): [number, number] => {
    const x = at(t.ms) * MIN_PLOT_PX;
    const w = labelPx(t.text);
    return t.ms === start ? [x, x + w] : t.ms === end ? [x - w, x] : [x - w / 2, x + w / 2];
  };
  const last = sorted[sorted.length - 1]!;
  let keptRight = -Infinity;
  const shown = new Set<number>();
  for (const t of sorted) {
    const [l, r] = extent(t);
    const isEnd = t === last;
    if (t.ms === start || isEnd || (l >= keptRight + 8 && r <= extent(last)[0] - 8)) {
      shown.add(t.ms);
      keptRight = r;
    }
  }
  const axis = sorted.map((t) => {
    const edge = t.ms === start ? ' at-start' : t === last ? ' at-end' : '';
    return html`<span class="grid${edge}" style="left:${pct(at(t.ms))}"></span>${
      shown.has(t.ms) ? html`<span class="tick-label${edge}" style="left:${pct(at(t.ms))}">${t.text}</span>` : ''
    }`;
  });

  const closedAt = state.closedAt ? Date.parse(state.closedAt) : undefined;
  const nowMs = now.getTime();
  const marker =
    closedAt !== undefined
      ? { ms: closedAt, label: `closed ${elapsed(closedAt - start)}` }
      : state.status === 'open' && nowMs >= start && nowMs <= end
        ? { ms: nowMs, label: 'now' }
        : undefined;
  const markerAt = marker ? at(marker.ms) : 0;
  const markerLine = marker ? html`<span class="now" style="left:${pct(markerAt)}"></span>` : '';

  const rows = state.tasks.map((t) => {
    const due = Date.parse(t.dueAt);
    const tone = taskTone(t);
    const ended = t.endedAt ? Date.parse(t.endedAt) : undefined;
    return html`<li class="chart-row tone-${tone}" data-task="${t.key}">
<div class="chart-words"><span class="task-title">${t.title}</span>
<span class="task-line"><span class="badge tone-${tone}">${TONE_LABEL[tone]}</span> <span class="nowrap">due ${sinceDischarge(due - start)}</span>${
      ended !== undefined ? html` · <span class="nowrap">ended ${elapsed(ended - start)}</span>` : ''
    } · ${t.owner.name}</span></div>
<div class="chart-track" aria-hidden="true"><span class="track"></span><span class="bar" style="width:${pct(at(due))}"></span>${
      ended !== undefined ? html`<span class="ended-tick" style="left:${pct(at(ended))}"></span>` : ''
    }<span class="mark" style="left:${pct(at(due))}"></span>${markerLine}</div>
</li>`;
  });

  const endedCount = state.tasks.filter((t) => t.status !== 'requested').length;
  const overdue = state.tasks.filter((t) => t.overdue && t.status === 'requested').length;
  const closesIn = elapsed(end - start);
  return html`<figure class="sprint-figure">
<figcaption class="chart-caption"><strong>${endedCount} of ${state.tasks.length} tasks ended${overdue ? `, ${overdue} overdue` : ''}.</strong> Times are after discharge (${when(state.dischargeAt)}); the sprint closes at ${closesIn}${
    marker ? html`; ${marker.label === 'now' ? html`now is ${elapsed(nowMs - start)}` : marker.label}` : ''
  }.</figcaption>
<div class="sprint-chart">
<div class="chart-axis" aria-hidden="true"><span class="chart-words"></span><span class="axis-plot">${axis}${markerLine}</span></div>
<ol class="chart-rows">${rows}</ol>
${marker ? html`<div class="chart-axis chart-foot" aria-hidden="true"><span class="chart-words"></span><span class="axis-plot"><span class="now-label${markerAt > 0.9 ? ' at-end' : markerAt < 0.1 ? ' at-start' : ''}" style="left:${pct(markerAt)}">${marker.label}</span></span></div>` : ''}
</div>
<p class="legend" aria-hidden="true"><span><i class="swatch bar"></i>until due</span><span class="tone-open"><i class="swatch"></i>due time</span><span><i class="swatch tick"></i>ended</span><span><i class="swatch now"></i>${closedAt !== undefined ? 'closed' : 'now'}</span></p>
</figure>`;
}
