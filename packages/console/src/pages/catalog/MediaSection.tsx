import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { useNotify } from '../../components/Notices';
import { Thumbnail } from '../../components/Thumbnail';
import { useFormat } from '../../format';
import type { Product } from './form';

type Image = Product['media'][number];

/** What the server takes; checked here first so a wrong file is named before it is sent. */
const accepted = ['image/jpeg', 'image/png', 'image/webp'];
const image_bytes_max = 10 * 1024 * 1024;
const images_max = 20;

/**
 * The product's uploaded photos: drop files on the zone (or choose them), drag a photo to another
 * place or use its arrows to reorder (the first is the main image shown in lists), delete one.
 * Each action is saved at once; it does not wait for the form's Save.
 */
export function MediaSection({ product, readOnly }: { product: Product; readOnly: boolean }) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const [dragged, setDragged] = useState<string | undefined>();
  const input = useRef<HTMLInputElement>(null);
  const media = product.media;

  function show(images: Image[]) {
    queryClient.setQueryData(['product', product.id], { ...product, media: images, thumbnail_url: images[0]?.thumbnail_url ?? null });
    void queryClient.invalidateQueries({ queryKey: ['products'] });
  }

  function failed(error: unknown) {
    const message = error instanceof OpenBosError ? (error.code === 'unsupported_image_type' ? t('media.notAnImage') : error.code === 'payload_too_large' ? t('media.tooLarge') : error.message) : String(error);
    notify('error', tc('failed', { message }));
  }

  async function upload(files: File[]) {
    if (readOnly || busy || files.length === 0) return;
    const room = images_max - media.length;
    const refused = files.filter((f) => !accepted.includes(f.type) || f.size > image_bytes_max);
    for (const f of refused) notify('error', t(f.size > image_bytes_max ? 'media.fileTooLarge' : 'media.fileNotAnImage', { name: f.name }));
    const sending = files.filter((f) => !refused.includes(f)).slice(0, Math.max(room, 0));
    if (sending.length < files.length - refused.length) notify('error', t('media.tooMany', { count: images_max }));
    setBusy(true);
    let images = media;
    try {
      for (const file of sending) {
        const image = await unwrap(
          bos.POST('/v1/products/{product_id}/images', {
            params: { path: { product_id: product.id } },
            body: file as never,
            bodySerializer: (body: unknown) => body as File,
            headers: { 'content-type': file.type },
          }),
        );
        images = [...images, image];
        show(images);
      }
      if (sending.length > 0) notify('success', t('media.uploaded', { count: sending.length }));
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  async function reorder(ids: string[]) {
    setBusy(true);
    try {
      const result = await unwrap(bos.PUT('/v1/products/{product_id}/images/order', { params: { path: { product_id: product.id } }, body: { image_ids: ids } }));
      show(result.data);
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  async function remove(image: Image, n: number) {
    setBusy(true);
    try {
      const result = await unwrap(bos.DELETE('/v1/products/{product_id}/images/{image_id}', { params: { path: { product_id: product.id, image_id: image.id } } }));
      show(result.data);
      notify('success', t('media.deleted', { n }));
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  const move = (from: number, to: number) => {
    const ids = media.map((m) => m.id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id!);
    void reorder(ids);
  };

  function dropFiles(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    if (dragged !== undefined) return;
    void upload(Array.from(event.dataTransfer.files));
  }

  return (
    <Card title={t('media.title')} className="cat-media">
      <p className="hint">{t('media.hint')}</p>
      {media.length === 0 && <p className="muted">{t('media.none')}</p>}
      <ol className="cat-media-list" aria-label={t('media.title')}>
        {media.map((m, i) => (
          <li
            key={m.id}
            className={dragged === m.id ? 'cat-media-item cat-media-dragging' : 'cat-media-item'}
            draggable={!readOnly && !busy}
            onDragStart={(e) => {
              setDragged(m.id);
              e.dataTransfer.effectAllowed = 'move';
            }}
            onDragEnd={() => setDragged(undefined)}
            onDragOver={(e) => {
              if (dragged !== undefined) e.preventDefault();
            }}
            onDrop={(e) => {
              e.preventDefault();
              e.stopPropagation();
              const from = media.findIndex((x) => x.id === dragged);
              setDragged(undefined);
              if (from >= 0 && from !== i) move(from, i);
            }}
            data-testid={`image-${i}`}
          >
            <a href={m.url} target="_blank" rel="noreferrer">
              <Thumbnail url={m.thumbnail_url} title={product.title} size="large" alt={t('imageN', { n: i + 1 })} />
            </a>
            <MediaFacts image={m} main={i === 0} />
            {!readOnly && (
              <div className="cat-buttons">
                <button type="button" className="icon-button" disabled={busy || i === 0} onClick={() => move(i, i - 1)} aria-label={t('media.moveUp', { n: i + 1 })} title={t('media.moveUp', { n: i + 1 })}>
                  ↑
                </button>
                <button type="button" className="icon-button" disabled={busy || i === media.length - 1} onClick={() => move(i, i + 1)} aria-label={t('media.moveDown', { n: i + 1 })} title={t('media.moveDown', { n: i + 1 })}>
                  ↓
                </button>
                <button type="button" className="danger" disabled={busy} onClick={() => void remove(m, i + 1)}>
                  {t('media.delete', { n: i + 1 })}
                </button>
              </div>
            )}
          </li>
        ))}
      </ol>
      {!readOnly && media.length < images_max && (
        <div
          className={over ? 'cat-dropzone cat-dropzone-over' : 'cat-dropzone'}
          onDragOver={(e) => {
            if (dragged !== undefined) return;
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={dropFiles}
          data-testid="image-dropzone"
        >
          <p>{busy ? t('media.uploading') : t('media.drop')}</p>
          <button type="button" disabled={busy} onClick={() => input.current?.click()}>
            {t('media.choose')}
          </button>
          <input
            ref={input}
            type="file"
            accept={accepted.join(',')}
            multiple
            hidden
            aria-label={t('media.choose')}
            onChange={(e) => {
              void upload(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </div>
      )}
    </Card>
  );
}

function MediaFacts({ image, main }: { image: Image; main: boolean }) {
  const { t } = useTranslation('catalog');
  const f = useFormat();
  return (
    <div className="cat-small">
      {main && <span className="badge badge-new">{t('media.main')}</span>}
      <div>{t('media.size', { width: f.number(image.width), height: f.number(image.height), kb: f.number(Math.max(1, Math.round(image.size_bytes / 1024))) })}</div>
      <div className="muted">{image.content_type.replace('image/', '').toUpperCase()}</div>
    </div>
  );
}
