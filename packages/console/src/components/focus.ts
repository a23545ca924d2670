import { useEffect, useRef, type RefObject } from 'react';

/**
 * Moves focus into a dialog's content once the dialog is open: to the first element matching
 * `selector` inside `container`. The shared Dialog calls showModal() after its content mounts, so
 * React's autoFocus alone comes too early; this waits a frame.
 */
export function useFocusWithin(container: RefObject<HTMLElement | null>, selector = '[data-autofocus]') {
  useEffect(() => {
    const frame = requestAnimationFrame(() => container.current?.querySelector<HTMLElement>(selector)?.focus());
    return () => cancelAnimationFrame(frame);
  }, [container, selector]);
}

/** A ref for a form whose first field takes focus when its dialog opens. */
export function useFocusFirstField() {
  const ref = useRef<HTMLFormElement>(null);
  useFocusWithin(ref, 'input, textarea, select');
  return ref;
}
