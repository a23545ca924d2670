import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { StatusBadge } from '../../components/StatusBadge';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import type { OrderDetail } from './OrderActions';

/**
 * Who did something, in words. Actors are `kind:id`: `user:usr_...` (a console user),
 * `key:key_...` (an API key), `system:auto-confirm`, `provider:test`, `platform:cli`,
 * `checkout:chk_...` (the buyer placing the order), `consumer:cus_...` (the signed-in buyer).
 */
export function useActorLabel(): (actor: string) => string {
  const { t } = useTranslation('orders');
  const { session, can } = useSession();
  const users = useQuery({
    queryKey: ['order-actors'],
    queryFn: () => unwrap(bos.GET('/v1/console-users')),
    enabled: can('users:read'),
    staleTime: 5 * 60_000,
  });
  return (actor) => {
    const colon = actor.indexOf(':');
    const kind = colon < 0 ? actor : actor.slice(0, colon);
    const id = colon < 0 ? '' : actor.slice(colon + 1);
    switch (kind) {
      case 'user': {
        if (session?.user.id === id) return t('actor.you', { name: session.user.name });
        const user = users.data?.data.find((u) => u.id === id);
        return user === undefined ? t('actor.user', { id }) : t('actor.userNamed', { name: user.name, email: user.email });
      }
      case 'key':
        return t('actor.key', { id });
      case 'system':
        return t(`actor.system.${id}`, { defaultValue: t('actor.systemOther', { id }) });
      case 'provider':
        return t('actor.provider', { id });
      case 'platform':
        return t('actor.platform');
      case 'checkout':
        return t('actor.checkout');
      case 'consumer':
        return t('actor.consumer');
      case 'internal':
        return t('actor.internal', { id });
      default:
        return actor;
    }
  };
}

/** Every transition of the order, oldest first: what happened, from which state to which, who, when and why. */
export function OrderTimeline({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const actorLabel = useActorLabel();
  const steps = [...order.transitions].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  return (
    <Card title={t('timeline.title')}>
      {steps.length === 0 ? (
        <p className="muted">{t('timeline.empty')}</p>
      ) : (
        <ol className="timeline order-timeline">
          {steps.map((s, i) => (
            <li key={`${s.occurred_at}-${i}`}>
              <div className="order-step-head">
                <strong>{t(`transition.${s.action}`, { defaultValue: s.action })}</strong>
                <time dateTime={s.occurred_at} className="muted">
                  {f.dateTime(s.occurred_at)}
                </time>
              </div>
              <div className="order-step-states">
                {s.from_status === null ? (
                  <>
                    <span className="visually-hidden">{t('timeline.createdAs')}</span> <StatusBadge status={s.to_status} />
                  </>
                ) : (
                  <>
                    <StatusBadge status={s.from_status} /> <span aria-hidden="true">→</span>
                    <span className="visually-hidden">{t('timeline.to')}</span> <StatusBadge status={s.to_status} />
                  </>
                )}
              </div>
              <div className="muted">{t('timeline.by', { actor: actorLabel(s.actor) })}</div>
              {s.reason !== null && s.reason !== '' && <p className="order-step-reason">{t('timeline.reason', { reason: s.reason })}</p>}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
