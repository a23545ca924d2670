/**
 * When a buffer writer in the background flushes next: `kick(ms)` schedules a flush in `ms`
 * unless one is already scheduled (so a steady stream of additions flushes every `ms`, not never),
 * and `kick(0)` brings a scheduled flush forward to now (a full batch waits). The timer never
 * keeps the process alive. Used by the attribution module's answers served and the search
 * module's query log.
 */
export class FlushTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  kick(delay_ms: number): void {
    if (this.timer !== undefined) {
      if (delay_ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay_ms);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
