import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { bos, idempotencyKey, OpenBosError, unwrap } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { localTitle, useFormat } from '../../format';
import { useSession } from '../../session';
import { buildProduct, describePath, emptyForm, formFromProduct, optionsWhileMoving, placeServerErrors, variantPatches, type BuiltProduct, type Errors, type Product, type ProductForm, type Translate, type VariantPatch } from './form';
import { AttributesSection } from './AttributesSection';
import { NewCategoryForm } from './NewCategoryForm';
import { OptionsSection } from './OptionsSection';
import { CategorySection, GeneralSection, ImagesSection, StatusSection, type SectionProps } from './sections';
import { VariantsSection } from './VariantsSection';
import { MediaSection } from './MediaSection';
import { BulkEditSection, GenerateVariantsButton } from './VariantTools';
import { ProductStatusBadge } from './shared';
import './catalog.css';

const productQueryKey = (id: string) => ['product', id] as const;

/** /catalog/new creates a product; /catalog/:productId shows one and, with catalog:write, changes it. */
export default function ProductEditorPage() {
  const { productId } = useParams();
  const { t } = useTranslation('catalog');
  const query = useQuery({
    queryKey: productQueryKey(productId ?? ''),
    queryFn: () => unwrap(bos.GET('/v1/products/{product_id}', { params: { path: { product_id: productId ?? '' } } })),
    enabled: productId !== undefined,
  });
  if (productId === undefined) return <ProductEditor key="new" product={undefined} />;
  if (query.isSuccess) return <ProductEditor key={productId} product={query.data} />;
  return (
    <>
      <PageHeader title={t('productTitle')} />
      <BackLink />
      <QueryState query={query}>{() => null}</QueryState>
    </>
  );
}

function BackLink() {
  const { t } = useTranslation('catalog');
  return (
    <p className="cat-back-link">
      <Link to="/catalog">← {t('backToCatalog')}</Link>
    </p>
  );
}

/** One step of saving that failed: which part of the form its field errors belong to. */
class StepError extends Error {
  constructor(
    readonly prefix: string,
    readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function step<T>(prefix: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StepError(prefix, error);
  }
}

/** Enter in a field of this long form does not save it half-filled; the Save button does. */
function ignoreEnter(event: KeyboardEvent<HTMLFormElement>) {
  const target = event.target as HTMLElement;
  if (event.key === 'Enter' && target instanceof HTMLInputElement && target.type !== 'submit' && target.type !== 'button') event.preventDefault();
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const pricesOf = (v: ProductForm['variants'][number]) => v.prices.map(({ currency, min_quantity, amount }) => ({ currency, min_quantity: min_quantity.trim() || '1', amount: amount.trim() }));

function ProductEditor({ product }: { product: Product | undefined }) {
  const { t: tt } = useTranslation('catalog');
  const t = tt as Translate;
  const { t: tc, i18n } = useTranslation();
  const f = useFormat();
  const { session, can } = useSession();
  const currency = session?.merchant.default_currency ?? 'CNY';
  const creating = product === undefined;
  const canWrite = can('catalog:write');
  const readOnly = !canWrite;
  const notify = useNotify();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const [initial, setInitial] = useState<ProductForm>(() => (product === undefined ? emptyForm(currency) : formFromProduct(product)));
  const [form, setForm] = useState<ProductForm>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [newCategory, setNewCategory] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const dirty = !same(form, initial);

  // Leaving the page with unsaved changes asks first.
  useEffect(() => {
    if (!dirty || readOnly) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, readOnly]);

  const errorCount = Object.keys(errors).length;
  useEffect(() => {
    if (errorCount > 0 || formError !== undefined) summary.current?.focus();
  }, [errors, errorCount, formError]);

  function showError(error: unknown, built: BuiltProduct, current: ProductForm) {
    const prefix = error instanceof StepError ? error.prefix : '';
    const cause = error instanceof StepError ? error.cause : error;
    if (cause instanceof OpenBosError) {
      const fields = cause.fieldErrors();
      if (Object.keys(fields).length > 0) {
        setErrors(placeServerErrors(fields, current, built, prefix));
        setFormError(undefined);
      } else if (cause.code === 'sku_taken') {
        // A variant's own step names its SKU field; creating a product names the SKUs in the message.
        const taken = prefix !== '' ? -1 : current.variants.findIndex((v) => v.id === undefined && cause.message.includes(v.sku.trim()));
        setErrors({ [taken === -1 ? `${prefix}sku` : `variants.${taken}.sku`]: t('errors.skuTaken') });
        setFormError(undefined);
      } else if (cause.code === 'unknown_category') {
        setErrors({ category_id: t('errors.unknownCategory') });
        setFormError(undefined);
      } else if (cause.code === 'too_many_variants') {
        setErrors({ variants: cause.message });
        setFormError(undefined);
      } else {
        setFormError(tc('failed', { message: cause.message }));
      }
      notify('error', tc('failed', { message: cause.message }));
    } else {
      const message = cause instanceof Error ? cause.message : String(cause);
      setFormError(tc('failed', { message }));
      notify('error', tc('failed', { message }));
    }
  }

  async function create(built: BuiltProduct) {
    const created = await unwrap(
      bos.POST('/v1/products', {
        body: { ...built.fields, ...(built.options.length === 0 ? {} : { options: built.options }), variants: built.variants },
        headers: idempotencyKey(),
      }),
    );
    queryClient.setQueryData(productQueryKey(created.id), created);
    await queryClient.invalidateQueries({ queryKey: ['products'] });
    notify('success', t('created', { title: created.title }));
    setInitial(form); // nothing unsaved any more, so leaving does not warn
    void navigate(`/catalog/${created.id}`, { replace: true });
  }

  /**
   * Saves an existing product step by step: its own fields, then each changed saved variant (only
   * its changed fields, in the order `variantPatches` found), then changed prices, then new
   * variants. Changed options are saved in two steps around the variants: first the old and new
   * values together, so every variant is valid while it moves, and at the end the new list.
   */
  async function update(existing: Product, built: BuiltProduct, patches: { index: number; id: string; body: VariantPatch }[]) {
    const changes: Record<string, unknown> = {};
    const was = buildProduct(initial, t).built;
    const before = was.fields;
    for (const key of ['title', 'title_i18n', 'description', 'status', 'attributes', 'images'] as const) {
      if (!same(built.fields[key], before[key])) changes[key] = built.fields[key];
    }
    const moving = same(built.options, was.options) ? undefined : optionsWhileMoving(was.options, built.options);
    if (moving !== undefined && !same(moving, was.options)) changes.options = moving;
    // An empty choice takes the product out of its category.
    if (form.category_id !== initial.category_id) changes.category_id = form.category_id === '' ? null : form.category_id;
    let saved = 0;
    if (Object.keys(changes).length > 0) {
      await step('', () => unwrap(bos.PATCH('/v1/products/{product_id}', { params: { path: { product_id: existing.id } }, body: changes, headers: idempotencyKey() })));
      saved++;
    }
    for (const { index, id: variant_id, body } of patches) {
      await step(`variants.${index}.`, () => unwrap(bos.PATCH('/v1/variants/{variant_id}', { params: { path: { variant_id } }, body, headers: idempotencyKey() })));
      saved++;
    }
    for (const [i, variant] of form.variants.entries()) {
      const built_variant = built.variants[i]!;
      if (variant.id !== undefined) {
        const was = initial.variants.find((v) => v.id === variant.id);
        if (was !== undefined && same(pricesOf(was), pricesOf(variant))) continue;
        const variant_id = variant.id;
        await step(`variants.${i}.`, () => unwrap(bos.PUT('/v1/variants/{variant_id}/prices', { params: { path: { variant_id } }, body: { prices: built_variant.prices }, headers: idempotencyKey() })));
      } else {
        const after = await step(`variants.${i}.`, () => unwrap(bos.POST('/v1/products/{product_id}/variants', { params: { path: { product_id: existing.id } }, body: built_variant, headers: idempotencyKey() })));
        // Remember the new variant's ID at once, so a later failure and a retry do not add it twice.
        const id = after.variants.find((v) => v.sku === built_variant.sku)?.id;
        setForm((current) => ({ ...current, variants: current.variants.map((v) => (v.key === variant.key ? { ...v, id } : v)) }));
      }
      saved++;
    }
    if (moving !== undefined && !same(moving, built.options)) {
      await step('', () => unwrap(bos.PATCH('/v1/products/{product_id}', { params: { path: { product_id: existing.id } }, body: { options: built.options }, headers: idempotencyKey() })));
      saved++;
    }
    if (saved === 0) {
      notify('success', t('nothingChanged'));
      return;
    }
    const fresh = await unwrap(bos.GET('/v1/products/{product_id}', { params: { path: { product_id: existing.id } } }));
    queryClient.setQueryData(productQueryKey(existing.id), fresh);
    await Promise.all([queryClient.invalidateQueries({ queryKey: ['products'] }), queryClient.invalidateQueries({ queryKey: ['stock'] }), queryClient.invalidateQueries({ queryKey: ['overview'] })]);
    const next = formFromProduct(fresh);
    setInitial(next);
    setForm(next);
    notify('success', t('saved', { title: fresh.title }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (readOnly || busy) return;
    const { built, errors: checked } = buildProduct(form, t, creating ? undefined : initial);
    const planned = product === undefined || Object.keys(checked).length > 0 ? { patches: [], errors: {} } : variantPatches(initial, form, t);
    const found = { ...checked, ...planned.errors };
    setErrors(found);
    setFormError(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      if (product === undefined) await create(built);
      else await update(product, built, planned.patches);
    } catch (error) {
      showError(error, built, form);
    } finally {
      setBusy(false);
    }
  }

  /** A change saved outside the form (generated variants, a bulk edit): the product and the form start again from it. */
  function changedElsewhere(fresh: Product) {
    queryClient.setQueryData(productQueryKey(fresh.id), fresh);
    const next = formFromProduct(fresh);
    setInitial(next);
    setForm(next);
    setErrors({});
    void Promise.all([queryClient.invalidateQueries({ queryKey: ['products'] }), queryClient.invalidateQueries({ queryKey: ['stock'] })]);
  }

  const props: SectionProps = { form, setForm, errors, readOnly, creating, currency };
  const title = creating ? t('newProduct') : localTitle(product, i18n.language);

  if (creating && !canWrite) {
    return (
      <>
        <PageHeader title={t('newProduct')} />
        <BackLink />
        <p className="empty">{tc('notAllowed')}</p>
      </>
    );
  }

  return (
    <>
      <PageHeader title={title}>
        {product !== undefined && (
          <p className="muted cat-header-meta">
            <ProductStatusBadge status={product.status} /> {t('updatedAt', { time: f.dateTime(product.updated_at) })} · <span className="mono">{product.id}</span>
          </p>
        )}
      </PageHeader>
      <BackLink />
      {readOnly && <p className="cat-read-only-note">{t('readOnly')}</p>}
      {(errorCount > 0 || formError !== undefined) && (
        <div className="cat-error-summary" role="alert" tabIndex={-1} ref={summary}>
          {formError !== undefined && <p>{formError}</p>}
          {errorCount > 0 && (
            <>
              <p>{t('fixErrors', { count: errorCount })}</p>
              <ul>
                {Object.entries(errors).map(([path, message]) => (
                  <li key={path}>
                    <strong>{describePath(path, form, t)}</strong>: {message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} onKeyDown={ignoreEnter} noValidate aria-label={title} className="cat-product-form">
        <div className="cat-product-layout">
          <div className="cat-product-main">
            <GeneralSection {...props} />
            <OptionsSection {...props} />
            <VariantsSection {...props} tools={product !== undefined && !readOnly ? <GenerateVariantsButton product={product} currency={currency} disabled={dirty || busy} onChanged={changedElsewhere} /> : undefined} />
            {product !== undefined && <BulkEditSection product={product} currency={currency} readOnly={readOnly} dirty={dirty} onChanged={changedElsewhere} />}
            {product !== undefined && <MediaSection product={product} readOnly={readOnly} />}
            <AttributesSection {...props} />
            <ImagesSection {...props} />
          </div>
          <aside className="cat-product-side" aria-label={t('organisation')}>
            <StatusSection {...props} />
            <CategorySection {...props} onNewCategory={() => setNewCategory(true)} />
          </aside>
        </div>
        {!readOnly && (
          <div className="cat-save-bar">
            <span className="muted" aria-live="polite">
              {dirty ? t('unsavedChanges') : creating ? '' : t('allSaved')}
            </span>
            {!creating && (
              <button
                type="button"
                disabled={!dirty || busy}
                onClick={() => {
                  setForm(initial);
                  setErrors({});
                  setFormError(undefined);
                }}
              >
                {t('discard')}
              </button>
            )}
            <button type="submit" className="primary" disabled={busy || (!creating && !dirty)}>
              {busy ? tc('saving') : creating ? t('createProduct') : tc('save')}
            </button>
          </div>
        )}
      </form>
      <Dialog open={newCategory} title={t('newCategory')} onClose={() => setNewCategory(false)}>
        <NewCategoryForm
          onDone={(id) => {
            setNewCategory(false);
            if (id !== undefined) setForm((current) => ({ ...current, category_id: id }));
          }}
        />
      </Dialog>
    </>
  );
}
