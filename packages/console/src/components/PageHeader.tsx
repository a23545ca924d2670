import { useEffect, useRef, type ReactNode } from 'react';
import { useLocation } from 'react-router';

/**
 * The page's title. It takes focus when the person moves to another page inside the app, so a
 * screen reader announces where they are, as after a full page load. The first page of a visit
 * leaves focus where the browser puts it, so the first Tab still reaches "Skip to content".
 */
let focusedFor: string | undefined;

export function PageHeader({ title, actions, children }: { title: string; actions?: ReactNode; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const { key } = useLocation();
  useEffect(() => {
    // React Router names the page the browser opened "default"; every later move has its own key.
    if (key !== 'default' && key !== focusedFor) {
      focusedFor = key;
      heading.current?.focus();
    }
  }, [key]);
  useEffect(() => {
    document.title = `${title} · OpenBOS`;
  }, [title]);
  return (
    <header className="page-header">
      <div>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children}
      </div>
      {actions !== undefined && <div className="page-actions">{actions}</div>}
    </header>
  );
}
