import { useId, type ReactNode } from 'react';

/**
 * A card on a page: a section named by its heading, so screen readers list it as a region. Give
 * `headingId` when something else points at the heading (a chart's aria-labelledby).
 */
export function Card({ title, className, headingId, children }: { title: ReactNode; className?: string; headingId?: string; children: ReactNode }) {
  const generated = useId();
  const id = headingId ?? generated;
  return (
    <section className={className === undefined ? 'card' : `card ${className}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
