/**
 * "Show more" under a list that grows downwards (older entries, a wider window): shown while
 * there is more, and saying so while the next part loads.
 */
export function LoadMore({ more, loading, label, loadingLabel, onMore }: { more: boolean; loading: boolean; label: string; loadingLabel: string; onMore: () => void }) {
  if (!more) return null;
  return (
    <div className="pager">
      <button type="button" onClick={onMore} disabled={loading}>
        {loading ? loadingLabel : label}
      </button>
    </div>
  );
}
