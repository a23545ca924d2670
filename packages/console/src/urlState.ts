import { useSearchParams } from 'react-router';

/**
 * A list page's state in the address (its filters and its page cursor), so back, forward, reload
 * and links all work. `update` sets the parameters given ('' or undefined removes one); a change
 * that does not name the cursor goes back to the first page. `goTo` moves the cursor alone.
 */
export function useUrlState(cursorParam: string) {
  const [params, setParams] = useSearchParams();
  function update(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, value);
    }
    if (!(cursorParam in changes)) next.delete(cursorParam);
    setParams(next);
  }
  return { params, setParams, update, goTo: (cursor: string | undefined) => update({ [cursorParam]: cursor }) };
}
