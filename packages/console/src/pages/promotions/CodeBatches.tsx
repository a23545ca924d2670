import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { OpenBosError } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { codeBatchesQuery, codesCsvUrl, createCodeBatch, type Promotion } from './api';

/** A coupon promotion's batches of unique codes: generate one, download any as CSV. */
export function CodeBatches({ promotion }: { promotion: Promotion }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const client = useQueryClient();
  const batches = useQuery(codeBatchesQuery(promotion.id));
  const [count, setCount] = useState('100');
  const [prefix, setPrefix] = useState('');
  const [uses, setUses] = useState('1');
  const generate = useMutation({
    mutationFn: () => createCodeBatch(promotion.id, { count: Number(count), ...(prefix.trim() === '' ? {} : { prefix: prefix.trim() }), ...(uses.trim() === '' ? {} : { uses_per_code: Number(uses) }) }),
    onSuccess: (batch) => {
      notify('success', t('codes.generated', { count: f.number(batch.count) }));
      void client.invalidateQueries({ queryKey: ['promotions', promotion.id, 'code-batches'] });
    },
  });
  const fieldErrors = generate.error instanceof OpenBosError ? generate.error.fieldErrors() : {};
  function submit(e: FormEvent) {
    e.preventDefault();
    generate.mutate();
  }
  return (
    <Card title={t('codes.title')}>
      <p className="hint">{t('codes.intro')}</p>
      {can('promotions:write') && (
        <form onSubmit={submit} noValidate aria-label={t('codes.generate')}>
          <div className="form-row">
            <TextField label={t('codes.count')} name="count" type="number" min={1} value={count} error={fieldErrors.count} onChange={(e) => setCount(e.target.value)} />
            <TextField label={t('codes.prefix')} name="prefix" autoComplete="off" value={prefix} error={fieldErrors.prefix} onChange={(e) => setPrefix(e.target.value)} />
            <TextField label={t('codes.usesPerCode')} name="uses_per_code" type="number" min={1} value={uses} error={fieldErrors.uses_per_code} onChange={(e) => setUses(e.target.value)} />
          </div>
          <FormError message={generate.error !== null && Object.keys(fieldErrors).length === 0 ? generate.error.message : undefined} />
          <button type="submit" className="primary" disabled={generate.isPending} aria-busy={generate.isPending}>
            {generate.isPending ? t('codes.generating') : t('codes.generate')}
          </button>
        </form>
      )}
      <QueryState query={batches} isEmpty={(b) => b.data.length === 0} empty={t('codes.none')}>
        {(b) => (
          <DataTable
            caption={t('codes.caption')}
            rows={b.data}
            rowKey={(x) => x.id}
            columns={[
              { label: t('codes.prefix'), rowHeader: true, cell: (x) => x.prefix || '—' },
              { label: t('codes.count'), num: true, cell: (x) => f.number(x.count) },
              { label: t('codes.usesPerCode'), num: true, cell: (x) => (x.uses_per_code === null ? '∞' : f.number(x.uses_per_code)) },
              { label: t('codes.used'), num: true, cell: (x) => (x.used === undefined ? '—' : f.number(x.used)) },
              { label: t('codes.created'), cell: (x) => <time dateTime={x.created_at}>{f.dateTime(x.created_at)}</time> },
              {
                label: t('codes.download'),
                cell: (x) => (
                  <a href={codesCsvUrl(x.id)} download aria-label={t('codes.downloadBatch', { prefix: x.prefix || x.id })}>
                    {t('codes.download')}
                  </a>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}
