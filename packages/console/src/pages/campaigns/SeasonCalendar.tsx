import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Card } from '../../components/Card';
import { useFormat } from '../../format';
import { phaseColours, seasonQuery, type Campaign } from './api';

const day_ms = 86_400_000;

/** Weeks of a season, Monday first, from its first day to its last. */
function weeksOf(starts_on: string, ends_on: string): Date[] {
  const start = new Date(`${starts_on}T00:00:00Z`);
  const first = new Date(start.getTime() - ((start.getUTCDay() + 6) % 7) * day_ms);
  const end = new Date(`${ends_on}T00:00:00Z`).getTime();
  const weeks: Date[] = [];
  for (let w = first.getTime(); w <= end; w += 7 * day_ms) weeks.push(new Date(w));
  return weeks;
}

/** A season plan as a calendar: its campaigns as bars over the weeks, coloured by phase. */
export function SeasonCalendar({ seasonId }: { seasonId: string }) {
  const { t } = useTranslation('campaigns');
  const f = useFormat();
  const season = useQuery(seasonQuery(seasonId));
  if (season.data === undefined) return null;
  const s = season.data;
  const weeks = weeksOf(s.starts_on, s.ends_on);
  const from = weeks[0]!.getTime();
  const span = weeks.length * 7 * day_ms;
  const to = new Date(`${s.ends_on}T23:59:59Z`).getTime();
  const pct = (ms: number) => `${Math.min(100, Math.max(0, ((ms - from) / span) * 100)).toFixed(2)}%`;
  const bar = (c: Campaign) => {
    const begin = c.starts_at === null ? from : new Date(c.starts_at).getTime();
    const end = c.ends_at === null ? to : new Date(c.ends_at).getTime();
    return { left: pct(begin), width: `calc(${pct(end)} - ${pct(begin)})` };
  };
  return (
    <Card title={t('seasonTitle', { name: s.name, from: f.day(s.starts_on), to: f.day(s.ends_on) })} className="season-calendar">
      <div className="season-legend" aria-hidden="true">
        {(['acquire', 'seed', 'recall', 'convert'] as const).map((p) => (
          <span key={p}>
            <i style={{ background: phaseColours[p] }} /> {t(`phaseOf.${p}`)}
          </span>
        ))}
      </div>
      <div className="season-weeks" role="presentation">
        {weeks.map((w) => (
          <span key={w.getTime()} style={{ width: `${100 / weeks.length}%` }}>
            {f.day(w.toISOString().slice(0, 10))}
          </span>
        ))}
      </div>
      <ul className="season-rows" aria-label={t('seasonCampaigns')}>
        {(s.campaigns ?? []).map((c) => (
          <li key={c.id}>
            <Link to={`/campaigns/${c.id}`} className="season-bar" style={{ ...bar(c), background: c.phase === null ? '#888' : phaseColours[c.phase] }}>
              {c.name} · {c.phase === null ? '' : t(`phaseOf.${c.phase}`)}
            </Link>
          </li>
        ))}
      </ul>
    </Card>
  );
}
