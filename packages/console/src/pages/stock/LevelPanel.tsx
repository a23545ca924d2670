import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { levelQuery, type StockRow } from './api';
import { levelState } from './LevelsTable';
import { Movements } from './Movements';
import { levelName, type StockAction } from './stockForm';

/** One level: its numbers, the actions on it and its journal. Loaded on its own, so it survives paging. */
export function LevelPanel({ levelKeyValue, locationName, canWrite, onAction, onClose }: { levelKeyValue: string; locationName: (id: string) => string; canWrite: boolean; onAction: (kind: StockAction, level: StockRow) => void; onClose: () => void }) {
  const { t } = useTranslation('stock');
  const { t: tc } = useTranslation();
  const f = useFormat();
  const [variant_id = '', location_id = ''] = levelKeyValue.split('|');
  const heading = useRef<HTMLHeadingElement>(null);
  const query = useQuery(levelQuery(variant_id, location_id, t('levelGone')));
  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    heading.current?.focus({ preventScroll: true });
  }, [levelKeyValue]);
  const where = locationName(location_id);
  return (
    <section className="card stock-level-panel" aria-labelledby="level-heading">
      <div className="stock-level-panel-head">
        <h2 id="level-heading" ref={heading} tabIndex={-1}>
          {query.data === undefined ? t('levelDetails') : t('levelAt', { name: levelName(query.data), location: where })}
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={tc('close')}>
          ×
        </button>
      </div>
      <QueryState query={query}>
        {(level) => (
          <>
            <div className="stock-level-stats">
              <Stat label={t('onHand')} value={f.number(level.on_hand)} />
              <Stat label={t('reserved')} value={f.number(level.reserved)} />
              <Stat label={t('available')} value={f.number(level.available)} tone={levelState(level)} />
              <Stat label={t('threshold')} value={f.number(level.low_stock_threshold)} />
            </div>
            {canWrite && (
              <div className="stock-buttons stock-level-actions">
                <button type="button" onClick={() => onAction('adjust', level)}>
                  {t('adjust')}
                </button>
                <button type="button" onClick={() => onAction('receive', level)}>
                  {t('receive')}
                </button>
                <button type="button" onClick={() => onAction('transfer', level)} disabled={level.available <= 0}>
                  {t('transfer')}
                </button>
                <button type="button" onClick={() => onAction('threshold', level)}>
                  {t('setThreshold')}
                </button>
              </div>
            )}
            <h3>{t('movements')}</h3>
            <Movements variant_id={variant_id} location_id={location_id} caption={t('movementsOf', { name: levelName(level), location: where })} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'out' | 'low' | 'ok' }) {
  return (
    <div className={`stat stock-level-stat${tone === undefined || tone === 'ok' ? '' : ` stock-level-stat-${tone}`}`}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}
