import type { AnyDb } from '../../kernel/db.js';
import { snapshotStages, stageFlowBetween, stages, stagesNow, wholeHistory, type FlowStage, type Stage } from '../databank/index.js';
import { windowIn, type Period } from './places.js';

/**
 * A-I-P-L for the overview: where consumers got to over the brand's whole history, where they
 * stand today (within the lifecycle windows; the day's record is refreshed by this call, so a
 * fresh import or seed shows at once), and how they moved between the end of the day before the
 * period and the end of its last day.
 */
export interface LifecycleReport {
  time_zone: string;
  day: string;
  whole_history: Record<Stage, number>;
  today: Record<Stage, number>;
  flow: {
    from_day: string;
    to_day: string;
    transitions: { from: FlowStage; to: FlowStage; consumers: number }[];
    /** Came into a stage from none. */
    entered: number;
    /** Per stage: left it for a higher one. */
    moved_on: Record<Stage, number>;
    /** Went down to a lower stage, still in one. */
    fell_back: number;
    /** Left every stage (no longer active within the windows). */
    lost: number;
  };
}

const rank = (s: FlowStage) => (s === 'none' ? -1 : stages.indexOf(s));

export async function lifecycleReport(db: AnyDb, request: { merchant_id: string; time_zone: string; period: Period; now?: Date }): Promise<LifecycleReport> {
  const { merchant_id, time_zone } = request;
  const w = windowIn(request.period, time_zone, request.now ?? new Date());
  const from_day = new Date(Date.parse(`${w.first_day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const [ever, today, transitions] = await Promise.all([
    stagesNow(db, merchant_id, wholeHistory),
    snapshotStages(db, merchant_id, w.today, undefined, time_zone),
    stageFlowBetween(db, merchant_id, from_day, w.last_day, time_zone),
  ]);
  const moved_on = { aware: 0, interested: 0, purchased: 0, loyal: 0 };
  let entered = 0;
  let fell_back = 0;
  let lost = 0;
  for (const t of transitions) {
    if (t.from === 'none' && t.to !== 'none') entered += t.consumers;
    else if (t.from !== 'none' && t.to === 'none') lost += t.consumers;
    else if (t.from !== 'none' && rank(t.to) > rank(t.from)) moved_on[t.from] += t.consumers;
    else if (rank(t.to) < rank(t.from)) fell_back += t.consumers;
  }
  return { time_zone, day: w.today, whole_history: ever, today, flow: { from_day, to_day: w.last_day, transitions, entered, moved_on, fell_back, lost } };
}
