import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField, TextField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { localTitle, useFormat } from '../../format';
import { consumerContact, consumerLabel } from '../consumers/traits';
import { ProductPicker, type Picked } from './ProductPicker';
import { fetchPreview, forProducts, placements, recsKeys, searchConsumers, type Placement, type Preview, type RecItem, type Removed } from './api';

const isPlacement = (value: string | null): value is Placement => (placements as readonly (string | null)[]).includes(value);

/**
 * What one consumer would see in one placement now: find the consumer in the data bank, pick the
 * placement, and read the list with each item's reason and what the rules took out. The consumer
 * and the placement are in the address (`?profile=&placement=`), so a preview can be shared.
 */
export function PreviewTab() {
  const { t } = useTranslation('recs');
  const [params, setParams] = useSearchParams();
  const profile_id = params.get('profile') ?? undefined;
  const requested = params.get('placement');
  const placement: Placement = isPlacement(requested) ? requested : 'for_you';
  const [consumerName, setConsumerName] = useState<string | undefined>(undefined);
  const [product, setProduct] = useState<Picked | undefined>(undefined);

  function choose(next: { profile?: string; placement?: Placement }) {
    const p = new URLSearchParams(params);
    if (next.profile !== undefined) p.set('profile', next.profile);
    if (next.placement !== undefined) p.set('placement', next.placement);
    setParams(p);
  }

  return (
    <div className="recs-grid">
      <p className="muted recs-wide">{t('preview.intro')}</p>
      <FindConsumer
        onChoose={(id, name) => {
          setConsumerName(name);
          choose({ profile: id });
        }}
      />
      {profile_id !== undefined && (
        <Card title={t('preview.consumer', { name: consumerName ?? profile_id })} className="recs-wide">
          <SelectField label={t('preview.placement')} value={placement} onChange={(e) => choose({ placement: e.target.value as Placement })} fieldClassName="field recs-inline">
            {placements.map((p) => (
              <option key={p} value={p}>
                {t(`placementNames.${p}`)}
              </option>
            ))}
          </SelectField>
          {forProducts(placement) && <ProductPicker label={t('preview.forProduct')} picked={product} onPick={setProduct} />}
          {forProducts(placement) && product === undefined ? <p className="muted">{t('preview.pickProduct')}</p> : <PreviewList profile_id={profile_id} placement={placement} product_id={forProducts(placement) ? product?.id : undefined} />}
        </Card>
      )}
    </div>
  );
}

function FindConsumer({ onChoose }: { onChoose: (profile_id: string, name: string) => void }) {
  const { t } = useTranslation('recs');
  const [text, setText] = useState('');
  const [q, setQ] = useState<string | undefined>(undefined);
  const found = useQuery({ queryKey: ['consumers', 'pick', q], queryFn: () => searchConsumers(q!), enabled: q !== undefined });

  function find(event: FormEvent) {
    event.preventDefault();
    if (text.trim() !== '') setQ(text.trim());
  }

  return (
    <Card title={t('preview.findConsumer')} className="recs-wide">
      <form className="recs-row" onSubmit={find} role="search" aria-label={t('preview.findConsumer')}>
        <TextField label={t('preview.findConsumer')} hint={t('preview.consumerHint')} value={text} onChange={(e) => setText(e.target.value)} fieldClassName="field recs-grow" />
        <button type="submit">{t('preview.find')}</button>
      </form>
      {q !== undefined && (
        <QueryState query={found}>
          {(consumers) =>
            consumers.length === 0 ? (
              <p className="muted">{t('preview.noConsumers', { q })}</p>
            ) : (
              <ul className="recs-picks" aria-label={t('preview.consumerResults')} data-testid="consumer-picks">
                {consumers.map((c) => {
                  const name = consumerLabel(c) ?? t('preview.unnamed');
                  const contact = consumerContact(c);
                  return (
                    <li key={c.id}>
                      <button type="button" aria-label={t('preview.chooseLabel', { name })} onClick={() => onChoose(c.id, name)}>
                        {t('preview.choose')}
                      </button>{' '}
                      {name} {contact !== undefined && contact !== name && <span className="muted">{contact}</span>}
                    </li>
                  );
                })}
              </ul>
            )
          }
        </QueryState>
      )}
    </Card>
  );
}

function PreviewList({ profile_id, placement, product_id }: { profile_id: string; placement: Placement; product_id: string | undefined }) {
  const query = useQuery({ queryKey: recsKeys.preview(profile_id, placement, product_id), queryFn: () => fetchPreview(profile_id, placement, product_id) });
  return <QueryState query={query}>{(preview) => <PreviewView preview={preview} />}</QueryState>;
}

function PreviewView({ preview }: { preview: Preview }) {
  const { t, i18n } = useTranslation('recs');
  const f = useFormat();
  const reason = (item: RecItem) => (item.reason.text.trim() !== '' ? item.reason.text : t(`preview.reasons.${item.reason.kind}`, { defaultValue: item.reason.kind }));
  return (
    <>
      {preview.model !== null && (
        <p className="muted">{t('preview.model', { model: t(`models.names.${preview.model}`, { defaultValue: preview.model }), training: preview.training_id ?? '—' })}</p>
      )}
      <DataTable
        caption={t('preview.caption')}
        testId="preview-items"
        rows={preview.data}
        rowKey={(item) => item.product_id}
        emptyRow={t('preview.empty')}
        columns={[
          { label: t('preview.rank'), num: true, cell: (_item: RecItem, i: number) => i + 1 },
          { label: t('preview.product'), rowHeader: true, cell: (item) => localTitle(item, i18n.language) },
          { label: t('preview.score'), num: true, cell: (item) => f.number(Math.round(item.score * 1000) / 1000) },
          {
            label: t('preview.reason'),
            cell: (item) => (
              <>
                <span className={`badge recs-reason recs-reason-${item.reason.kind}`}>{t(`preview.reasons.${item.reason.kind}`, { defaultValue: item.reason.kind })}</span> {reason(item)}
              </>
            ),
          },
        ]}
      />
      <h3>{t('preview.removedTitle')}</h3>
      <DataTable
        caption={t('preview.removedCaption')}
        testId="preview-removed"
        rows={preview.removed}
        rowKey={(r) => `${r.product_id}-${r.rule}`}
        emptyRow={t('preview.noneRemoved')}
        columns={[
          { label: t('preview.product'), rowHeader: true, cell: (r: Removed) => r.title ?? r.product_id },
          { label: t('preview.rule'), cell: (r) => t(`preview.rulesNames.${r.rule}`, { defaultValue: r.rule }) },
          { label: t('preview.detail'), cell: (r) => r.text },
        ]}
      />
    </>
  );
}
