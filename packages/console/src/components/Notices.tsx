import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

/**
 * Short confirmations and failures after an action ("Saved.", "That did not work: ..."), read out
 * by screen readers through a live region and gone after a few seconds.
 */
interface Notice {
  id: number;
  kind: 'success' | 'error';
  text: string;
}

const notice_ms = 6_000;
const NoticeContext = createContext<(kind: Notice['kind'], text: string) => void>(() => undefined);

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const notify = useCallback((kind: Notice['kind'], text: string) => {
    const id = Date.now() + Math.random();
    setNotices((list) => [...list.slice(-2), { id, kind, text }]);
    setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), notice_ms);
  }, []);
  return (
    <NoticeContext.Provider value={notify}>
      {children}
      <div className="notices" role="status" aria-live="polite">
        {notices.map((n) => (
          <p key={n.id} className={`notice notice-${n.kind}`}>
            {n.text}
          </p>
        ))}
      </div>
    </NoticeContext.Provider>
  );
}

export function useNotify() {
  return useContext(NoticeContext);
}
