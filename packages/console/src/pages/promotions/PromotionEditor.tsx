import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { FormError } from '../../components/Form';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { promotionQuery, type Promotion } from './api';
import { CodeBatches } from './CodeBatches';
import { EditorFields } from './EditorFields';
import { buildBody, changesOf, emptyForm, formOf, type Errors, type PromotionForm } from './form';
import { PreviewPanel } from './PreviewPanel';
import './promotions.css';

/** Create or edit a promotion; beside the form, the preview of a cart under the promotions as saved. */
export default function PromotionEditor() {
  const { promotionId } = useParams();
  const { can } = useSession();
  const existing = useQuery({ ...promotionQuery(promotionId ?? ''), enabled: promotionId !== undefined && can('promotions:read') });
  if (!can('promotions:read') || isForbidden(existing.error)) return <NotAllowed />;
  if (promotionId === undefined) return <Editor />;
  return <QueryState query={existing}>{(p) => <Editor key={p.id} promotion={p} />}</QueryState>;
}

function Editor({ promotion }: { promotion?: Promotion }) {
  const { t } = useTranslation('promotions');
  const { can } = useSession();
  const navigate = useNavigate();
  const notify = useNotify();
  const client = useQueryClient();
  const [form, setForm] = useState<PromotionForm>(() => (promotion === undefined ? emptyForm('CNY') : formOf(promotion)));
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | undefined>();
  const save = useMutation({
    mutationFn: async (body: Record<string, unknown>) =>
      promotion === undefined
        ? unwrap(bos.POST('/v1/promotions', { body: body as never }))
        : unwrap(bos.PATCH('/v1/promotions/{promotion_id}', { params: { path: { promotion_id: promotion.id } }, body: changesOf(body) as never })),
    onSuccess: (saved) => {
      notify('success', t(promotion === undefined ? 'editor.created' : 'editor.saved', { name: saved.name }));
      void client.invalidateQueries({ queryKey: ['promotions'] });
      if (promotion === undefined) void navigate(`/promotions/${saved.id}`);
    },
    onError: (e) => {
      const fields = e instanceof OpenBosError ? e.fieldErrors() : {};
      setErrors(fields);
      setFailure(Object.keys(fields).length > 0 ? t('editor.invalid') : e.message);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const { body, errors: found } = buildBody(form, { notNumber: t('editor.notNumber'), notMoney: t('editor.notMoney') });
    setErrors(found);
    setFailure(Object.keys(found).length > 0 ? t('editor.invalid') : undefined);
    if (Object.keys(found).length === 0) save.mutate(body);
  }

  const title = promotion === undefined ? t('editor.newTitle') : t('editor.editTitle', { name: promotion.name });
  return (
    <>
      <PageHeader
        title={title}
        actions={
          promotion === undefined ? undefined : (
            <Link className="button" to={`/promotions/${promotion.id}/report`}>
              {t('report')}
            </Link>
          )
        }
      >
        <Link to="/promotions">{t('reportPage.back')}</Link>
      </PageHeader>
      <div className="promo-editor">
        <form onSubmit={submit} noValidate aria-label={title}>
          <EditorFields form={form} setForm={setForm} errors={errors} editing={promotion !== undefined} />
          <FormError message={failure} />
          {can('promotions:write') && (
            <button type="submit" className="primary" disabled={save.isPending} aria-busy={save.isPending}>
              {save.isPending ? t('saving', { ns: 'common' }) : promotion === undefined ? t('editor.create') : t('editor.saveChanges')}
            </button>
          )}
        </form>
        <div>
          <PreviewPanel currency={form.currency} />
          {promotion?.kind === 'coupon' && <CodeBatches promotion={promotion} />}
        </div>
      </div>
    </>
  );
}
