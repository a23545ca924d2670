import { useState } from 'react';
import './thumbnail.css';

/**
 * A product's (or anything's) small square picture: the image at `url`, or the title's first
 * letter on a plain tile when there is none or it does not load. Decorative: the title beside it
 * names the thing, so the image has no alt text of its own unless `alt` is given.
 */
export function Thumbnail({ url, title, size = 'small', alt = '' }: { url: string | null | undefined; title: string; size?: 'small' | 'large'; alt?: string }) {
  const [failed, setFailed] = useState<string | undefined>();
  const className = size === 'large' ? 'thumbnail thumbnail-large' : 'thumbnail';
  if (url === undefined || url === null || url === '' || failed === url) {
    return (
      <span className={`${className} thumbnail-empty`} aria-hidden="true">
        {Array.from(title.trim())[0] ?? '?'}
      </span>
    );
  }
  return <img className={className} src={url} alt={alt} loading="lazy" decoding="async" onError={() => setFailed(url)} />;
}
