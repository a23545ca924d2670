import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

/**
 * Short confirmations and failures after an action ("Saved.", "That did not work: ..."), read out
 * by screen readers through a live region and gone after a few seconds. On signed-in pages they
 * show in the foot of the sidebar (`NoticeSlot`), which holds nothing else, so a notice never
 * covers a button; elsewhere (the sign-in pages) at the bottom of the window.
 */
interface Notice {
  id: number;
  kind: 'success' | 'error';
  text: string;
}

const notice_ms = 6_000;
const notices_shown_max = 3;
const NoticeContext = createContext<(kind: Notice['kind'], text: string) => void>(() => undefined);
const SlotContext = createContext<(slot: HTMLElement | null) => void>(() => undefined);

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const [slot, setSlot] = useState<HTMLElement | null>(null);
  const notify = useCallback((kind: Notice['kind'], text: string) => {
    const id = Date.now() + Math.random();
    setNotices((list) => [...list.slice(-(notices_shown_max - 1)), { id, kind, text }]);
    setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), notice_ms);
  }, []);
  const list = (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <p key={n.id} className={`notice notice-${n.kind}`}>
          {n.text}
        </p>
      ))}
    </div>
  );
  return (
    <NoticeContext.Provider value={notify}>
      <SlotContext.Provider value={setSlot}>
        {children}
        {slot === null ? <div className="notices-floating">{list}</div> : createPortal(list, slot)}
      </SlotContext.Provider>
    </NoticeContext.Provider>
  );
}

/** Where notices show on the page that renders it (the console's frame puts it in the sidebar). */
export function NoticeSlot() {
  const register = useContext(SlotContext);
  return <div className="notice-slot" ref={register} />;
}

export function useNotify() {
  return useContext(NoticeContext);
}
