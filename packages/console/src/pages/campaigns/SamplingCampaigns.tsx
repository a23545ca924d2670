import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { OpenBosError } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField, TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { createSamplingCampaign, samplingCampaignsQuery, type NewSamplingCampaign } from './samplingApi';

/** Sampling campaigns: the list, and the form that ranks an audience and creates one. */
export default function SamplingCampaigns() {
  const { t } = useTranslation('sampling');
  const { can } = useSession();
  const f = useFormat();
  const list = useQuery({ ...samplingCampaignsQuery, enabled: can('campaigns:read') });
  if (!can('campaigns:read') || isForbidden(list.error)) return <NotAllowed />;
  return (
    <>
      <PageHeader title={t('title')} />
      <p className="hint">{t('intro')}</p>
      {can('campaigns:write') && <NewCampaign />}
      <QueryState query={list} isEmpty={(l) => l.data.length === 0} empty={t('none')}>
        {(l) => (
          <DataTable
            caption={t('caption')}
            rows={l.data}
            rowKey={(c) => c.id}
            columns={[
              { label: t('name'), rowHeader: true, cell: (c) => <Link to={`/campaigns/sampling/${c.id}`}>{c.name}</Link> },
              { label: t('status'), cell: (c) => c.status },
              { label: t('ranked'), num: true, cell: (c) => f.number(c.audience_size) },
              { label: t('treatment'), num: true, cell: (c) => f.number(c.treatment) },
              { label: t('control'), num: true, cell: (c) => f.number(c.control) },
              { label: t('createdAt'), cell: (c) => <time dateTime={c.created_at}>{f.dateTime(c.created_at)}</time> },
            ]}
          />
        )}
      </QueryState>
    </>
  );
}

function NewCampaign() {
  const { t } = useTranslation('sampling');
  const client = useQueryClient();
  const navigate = useNavigate();
  const notify = useNotify();
  const [form, setForm] = useState({ name: '', audience_id: '', target_kind: 'product', target_id: '', variant_id: '', top_n: '100', budget_minor: '', sample_cost_minor: '', currency: '', control_share: '0.5', conversion_days: '14' });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const create = useMutation({
    mutationFn: () => {
      const body: NewSamplingCampaign = {
        name: form.name,
        audience: { audience_id: form.audience_id },
        target: form.target_kind === 'product' ? { product_id: form.target_id } : { category_id: form.target_id },
        variant_id: form.variant_id,
        top_n: Number(form.top_n),
        budget_minor: Number(form.budget_minor),
        control_share: Number(form.control_share),
        conversion_days: Number(form.conversion_days),
        ...(form.sample_cost_minor.trim() === '' ? {} : { sample_cost_minor: Number(form.sample_cost_minor) }),
        ...(form.currency.trim() === '' ? {} : { currency: form.currency.trim().toUpperCase() }),
      };
      return createSamplingCampaign(body);
    },
    onSuccess: (c) => {
      notify('success', t('created', { treatment: c.treatment, control: c.control }));
      void client.invalidateQueries({ queryKey: ['sampling'] });
      void navigate(`/campaigns/sampling/${c.id}`);
    },
  });
  const errors = create.error instanceof OpenBosError ? create.error.fieldErrors() : {};
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <Card title={t('new')}>
      <form onSubmit={submit} noValidate aria-label={t('new')}>
        <div className="form-row">
          <TextField label={t('name')} name="name" value={form.name} error={errors.name} onChange={set('name')} />
          <TextField label={t('audienceId')} name="audience_id" value={form.audience_id} error={errors['audience.audience_id']} onChange={set('audience_id')} />
        </div>
        <div className="form-row">
          <SelectField label={t('targetKind')} name="target_kind" value={form.target_kind} onChange={set('target_kind')}>
            <option value="product">{t('targetProduct')}</option>
            <option value="category">{t('targetCategory')}</option>
          </SelectField>
          <TextField label={t('targetId')} name="target_id" value={form.target_id} error={errors['target.product_id'] ?? errors['target.category_id']} onChange={set('target_id')} />
          <TextField label={t('variantId')} name="variant_id" value={form.variant_id} error={errors.variant_id} onChange={set('variant_id')} />
        </div>
        <div className="form-row">
          <TextField label={t('topN')} name="top_n" type="number" min={1} value={form.top_n} error={errors.top_n} onChange={set('top_n')} />
          <TextField label={t('budget')} name="budget_minor" type="number" min={1} value={form.budget_minor} error={errors.budget_minor} onChange={set('budget_minor')} />
          <TextField label={t('sampleCost')} name="sample_cost_minor" type="number" min={0} value={form.sample_cost_minor} error={errors.sample_cost_minor} onChange={set('sample_cost_minor')} />
          <TextField label={t('currency')} name="currency" value={form.currency} error={errors.currency} onChange={set('currency')} />
        </div>
        <div className="form-row">
          <TextField label={t('controlShare')} name="control_share" type="number" min={0} max={0.5} step={0.05} value={form.control_share} error={errors.control_share} onChange={set('control_share')} />
          <TextField label={t('conversionDays')} name="conversion_days" type="number" min={1} max={90} value={form.conversion_days} error={errors.conversion_days} onChange={set('conversion_days')} />
        </div>
        <FormError message={create.error !== null && Object.keys(errors).length === 0 ? create.error.message : undefined} />
        <button type="submit" className="primary" disabled={create.isPending} aria-busy={create.isPending}>
          {create.isPending ? t('creating') : t('create')}
        </button>
      </form>
    </Card>
  );
}
