import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { AnyDb } from '../../../kernel/db.js';
import { flushServed, issueToken, recordServed, type AttributionSource, type Placement, type TokenSecret } from '../../attribution/index.js';
import { addReport, browseSessions, emptyReport, type BrowseReport, type DemoLocation, type RecsShopper, type SourceFigures } from './browse.js';
import type { DemoHttp } from './http.js';

/**
 * A week of demo traffic for the console's chart: recommendations grow day by day while search
 * stays about level, and overtake it on the latest days (the issue's story). Today's sessions go
 * through the API (`browseSessions`); the days before are filed as the history they would have
 * left (like the data bank's demo history): answers recorded with their tokens backdated to that
 * day, showing what today's answers showed the same shoppers, and the views, clicks and carts
 * that followed, sent with those tokens and the time they happened (`occurred_at`). Orders and
 * sales are today's only: an order is counted on the day it is paid, and the demo pays its orders
 * now.
 */
export interface WeekOptions {
  db: AnyDb;
  secret: TokenSecret;
  merchant_id: string;
  http: DemoHttp;
  publishable_key: string;
  shoppers: readonly RecsShopper[];
  locations?: readonly DemoLocation[];
  /** Days of traffic, today included. */
  days: number;
  /** Multiplies the sessions of every day. */
  scale: number;
  now: Date;
  seed: number;
}

export interface DayFigures {
  /** 0 is today. */
  days_ago: number;
  recommendation: SourceFigures;
  search: SourceFigures;
}

export interface TrafficReport {
  days: DayFigures[];
  errors: number;
  first_errors: string[];
}

/** Sessions on the day `days_ago` of a week of `days`: recommendations climb, search eases. */
export function sessionsOn(days_ago: number, days: number, scale = 1): { recommendation: number; search: number } {
  const elapsed = days - 1 - days_ago;
  return { recommendation: Math.round(scale * (5 + 4 * elapsed)), search: Math.round(scale * (12 + Math.floor(days_ago / 2))) };
}

export async function browseWeek(o: WeekOptions): Promise<TrafficReport> {
  // Today, through the API: the answers it gives are what the days before are filed with.
  const today: BrowseReport & { answers?: Shown[] } = await browseSessionsRecording(o, sessionsOn(0, o.days, o.scale));
  const out: TrafficReport = { days: [{ days_ago: 0, recommendation: today.recommendation, search: today.search }], errors: today.errors, first_errors: [...today.first_errors] };
  const shown = today.answers ?? [];
  const rng = xoroshiro128plus(o.seed + 1);
  const random = () => uniformFloat64(rng);
  for (let days_ago = 1; days_ago < o.days; days_ago++) {
    const figures = emptyReport();
    const plan = sessionsOn(days_ago, o.days, o.scale);
    for (const source of ['recommendation', 'search'] as const) {
      const pool = shown.filter((s) => s.source === source);
      if (pool.length === 0) continue;
      for (let i = 0; i < plan[source]; i++) {
        // One of today's answers, for the shopper it was for, served that day between 08:00 and 23:00 in Shanghai (UTC+8).
        const answer = pool[Math.floor(random() * pool.length)]!;
        const served_at = new Date(startOfShanghaiDay(o.now, days_ago) + (8 + 15 * random()) * 3_600_000);
        const { token, claim } = issueToken(o.secret, { merchant_id: o.merchant_id, source, placement: answer.placement, served_at });
        recordServed(o.db, claim, { product_ids: answer.product_ids, query: answer.query ?? null });
        const f = figures[source];
        f.answers += 1;
        f.items += answer.product_ids.length;
        const at = (minutes: number) => new Date(served_at.getTime() + minutes * 60_000).toISOString();
        const anonymous = answer.anonymous_id === undefined ? {} : { anonymous_id: answer.anonymous_id };
        const seen = answer.product_ids.slice(0, 4);
        if (random() >= (source === 'search' ? 0.55 : 0.4)) continue;
        // A click on one of the first items (the first most often), its page opened, sometimes a cart.
        const clicked = seen[Math.min(seen.length - 1, Math.floor(random() * random() * seen.length))]!;
        const touches: Record<string, unknown>[] = [
          { attribution_token: token, kind: 'click', product_id: clicked, occurred_at: at(1), ...anonymous },
          { attribution_token: token, kind: 'view', product_id: clicked, occurred_at: at(1.1), ...anonymous },
        ];
        f.clicks += 1;
        f.views += 1;
        if (random() < 0.35) {
          touches.push({ attribution_token: token, kind: 'cart', product_id: clicked, occurred_at: at(3), ...anonymous });
          f.carts += 1;
        }
        const sent = await o.http('POST', '/v1/attribution/events', { key: o.publishable_key, consumer: answer.consumer, body: { events: touches } });
        if (sent.status !== 200) {
          out.errors += 1;
          if (out.first_errors.length < 5) out.first_errors.push(`POST /v1/attribution/events: ${sent.status} ${JSON.stringify(sent.body).slice(0, 200)}`);
        }
      }
    }
    out.days.push({ days_ago, recommendation: figures.recommendation, search: figures.search });
  }
  await flushServed(o.db);
  return out;
}

interface Shown {
  source: AttributionSource;
  placement: Placement | 'search';
  product_ids: string[];
  query?: string | null;
  /** Who it was shown to. */
  anonymous_id?: string;
  consumer?: string | undefined;
}

async function browseSessionsRecording(o: WeekOptions, sessions: { recommendation: number; search: number }): Promise<BrowseReport & { answers: Shown[] }> {
  const answers: Shown[] = [];
  const recording: DemoHttp = async <T>(method: string, path: string, call: Parameters<DemoHttp>[2]) => {
    const res = await o.http<T>(method, path, call);
    if (method === 'GET' && res.status === 200 && (path.startsWith('/v1/recommendations/') || path.startsWith('/v1/search'))) {
      const body = res.body as { placement?: string; query?: string; data?: { product_id: string }[] };
      const product_ids = (body.data ?? []).map((d) => d.product_id);
      const anonymous_id = new URLSearchParams(path.split('?')[1] ?? '').get('anonymous_id') ?? undefined;
      const who = { ...(anonymous_id === undefined ? {} : { anonymous_id }), consumer: call.consumer };
      if (product_ids.length > 0) {
        if (path.startsWith('/v1/search')) answers.push({ source: 'search', placement: 'search', product_ids, query: body.query ?? null, ...who });
        else answers.push({ source: 'recommendation', placement: (body.placement ?? 'for_you') as Placement, product_ids, ...who });
      }
    }
    return res;
  };
  const report = await browseSessions({ http: recording, publishable_key: o.publishable_key, shoppers: o.shoppers, locations: o.locations, sessions, seed: o.seed });
  return { ...addReport(emptyReport(), report), answers };
}

/** Midnight in Shanghai (UTC+8, no daylight saving), `days_ago` days before `now`'s day there. */
function startOfShanghaiDay(now: Date, days_ago: number): number {
  const offset = 8 * 3_600_000;
  const local = now.getTime() + offset;
  return local - (local % 86_400_000) - offset - days_ago * 86_400_000;
}
