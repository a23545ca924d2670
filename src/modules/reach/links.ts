import type { Config } from '../../kernel/config.js';
import type { ReachLinks } from './channels/types.js';
import { trackingLinks } from './tracking.js';

/**
 * The links every message carries: the unsubscribe page and its one-click POST, open tracking
 * and click tracking, each a signed token naming the send (tracking.ts).
 */
export function reachLinks(config: Config): ReachLinks {
  const of = (send: { merchant_id: string; send_id: string }) => trackingLinks(config, { merchant_id: send.merchant_id, id: send.send_id });
  return {
    unsubscribe: (send) => {
      const links = of(send);
      return { url: links.unsubscribe_url, one_click_url: links.one_click_url };
    },
    click: (send, url) => of(send).click_url(url),
    open: (send) => of(send).open_pixel_url,
  };
}
