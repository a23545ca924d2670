import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { LoadMore } from '../../components/LoadMore';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchLevels, fetchMembers, saveLevels, type Member, type MembershipLevel } from '../stores/api';
import '../stores/stores.css';

interface LevelDraft {
  key: number;
  name: string;
  min_points: string;
  earn_rate: string;
  perks: string;
}

const toDraft = (levels: MembershipLevel[]): LevelDraft[] => levels.map((l, i) => ({ key: i, name: l.name, min_points: String(l.min_points), earn_rate: String(l.earn_rate), perks: l.perks ?? '' }));

/** Membership: the brand's levels (name, from how many points, points earned per unit spent) and its members. */
export function MembershipTab() {
  const { t } = useTranslation('membership');
  const levels = useQuery({ queryKey: ['membership', 'levels'], queryFn: fetchLevels });
  return (
    <div className="ms-page">
      <p className="muted">{t('intro')}</p>
      <QueryState query={levels}>{(l) => <LevelsEditor initial={l} />}</QueryState>
      <Members />
    </div>
  );
}

function LevelsEditor({ initial }: { initial: MembershipLevel[] }) {
  const { t } = useTranslation('membership');
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [rows, setRows] = useState<LevelDraft[]>(() => toDraft(initial));
  const save = useMutation({
    mutationFn: () => saveLevels(rows.map((r) => ({ name: r.name.trim(), min_points: Number(r.min_points), earn_rate: Number(r.earn_rate), perks: r.perks.trim() }))),
    onSuccess: () => {
      notify('success', t('levelsSaved'));
      void queryClient.invalidateQueries({ queryKey: ['membership'] });
    },
    onError: (error) => notify('error', error.message),
  });
  const change = (key: number, field: keyof Omit<LevelDraft, 'key'>, value: string) => setRows(rows.map((r) => (r.key === key ? { ...r, [field]: value } : r)));
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <Card title={t('levels')}>
      <form onSubmit={submit} className="ms-levels">
        {rows.length === 0 && <p className="muted">{t('noLevels')}</p>}
        {rows.length > 0 && (
          <DataTable
            bare
            caption={t('levelsCaption')}
            testId="membership-levels"
            rows={rows}
            rowKey={(r) => String(r.key)}
            columns={[
              { label: t('name'), cell: (r, i) => <input required maxLength={60} aria-label={t('levelName', { n: i + 1 })} value={r.name} onChange={(e) => change(r.key, 'name', e.target.value)} /> },
              { label: t('minPoints'), num: true, cell: (r, i) => <input required type="number" min={0} step={1} aria-label={t('levelMin', { n: i + 1 })} value={r.min_points} onChange={(e) => change(r.key, 'min_points', e.target.value)} /> },
              { label: t('earnRate'), num: true, cell: (r, i) => <input required type="number" min={0} step="any" aria-label={t('levelRate', { n: i + 1 })} value={r.earn_rate} onChange={(e) => change(r.key, 'earn_rate', e.target.value)} /> },
              { label: t('perks'), cell: (r, i) => <input maxLength={2000} aria-label={t('levelPerks', { n: i + 1 })} value={r.perks} onChange={(e) => change(r.key, 'perks', e.target.value)} /> },
              {
                label: t('actions', { ns: 'common' }),
                hidden: true,
                cell: (r) => (
                  <button type="button" aria-label={t('removeLevel', { name: r.name })} onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
                    {t('remove')}
                  </button>
                ),
              },
            ]}
          />
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => setRows([...rows, { key: Math.max(-1, ...rows.map((r) => r.key)) + 1, name: '', min_points: '0', earn_rate: '1', perks: '' }])}>
            {t('addLevel')}
          </button>
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? t('saving', { ns: 'common' }) : t('saveLevels')}
          </button>
        </div>
      </form>
    </Card>
  );
}

function Members() {
  const { t } = useTranslation('membership');
  const f = useFormat();
  const query = useInfiniteQuery({
    queryKey: ['membership', 'members'],
    queryFn: ({ pageParam }) => fetchMembers(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  return (
    <Card title={t('members')}>
      <QueryState query={query} isEmpty={(d) => d.pages.every((p) => p.data.length === 0)} empty={t('noMembers')}>
        {(d) => (
          <>
            <DataTable
              bare
              caption={t('membersCaption')}
              testId="membership-members"
              rows={d.pages.flatMap((p) => p.data)}
              rowKey={(m: Member) => m.consumer_id}
              columns={[
                { label: t('member'), rowHeader: true, cell: (m: Member) => <span className="mono">{m.consumer_id}</span> },
                { label: t('level'), cell: (m: Member) => m.level ?? '—' },
                { label: t('points'), num: true, cell: (m: Member) => f.number(m.points) },
                { label: t('joined'), cell: (m: Member) => `${f.dateTime(m.joined_at)} · ${m.joined_via}` },
              ]}
            />
            <LoadMore more={query.hasNextPage} loading={query.isFetchingNextPage} label={t('more')} loadingLabel={t('loadingMore')} onMore={() => void query.fetchNextPage()} />
          </>
        )}
      </QueryState>
    </Card>
  );
}
