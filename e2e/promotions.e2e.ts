import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type E2eServer, screenshot, signedInConsole, unlabelledControls } from './support.js';

/**
 * A marketing manager of demo-mart creates a spend-200-get-30-off promotion in the console's
 * editor (the server's field errors shown by the field), previews a cart that reaches 200 and
 * one that does not (the reason shown), then a buyer checks out and the list and the report show
 * the redemption. In English and in Chinese.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let mart: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  ({ server, person: mart, browser, page } = await signedInConsole('demo-mart'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const cny = (minor: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'CNY' }).format(minor / 100);

/** A variant in stock with its CNY price, and how many of it make a cart of at least 200. */
async function aCartOver200(): Promise<{ variant_id: string; unit_minor: number; quantity: number }> {
  const levels = (await api(server, mart.secret_key, 'GET', '/v1/stock?limit=100')).body.data as { variant_id: string; available: number }[];
  const products = (await api(server, mart.secret_key, 'GET', '/v1/products?limit=100')).body.data as { status: string; variants: { id: string; prices: { currency: string; amount_minor: number; min_quantity?: number }[] }[] }[];
  for (const p of products.filter((x) => x.status === 'published')) {
    for (const v of p.variants) {
      const price = v.prices.find((x) => x.currency === 'CNY' && (x.min_quantity ?? 1) === 1);
      if (price === undefined || v.prices.filter((x) => x.currency === 'CNY').length > 1) continue;
      const quantity = Math.ceil(20_000 / price.amount_minor);
      const stocked = levels.find((l) => l.variant_id === v.id && l.available >= quantity);
      if (stocked !== undefined && quantity <= 5) return { variant_id: v.id, unit_minor: price.amount_minor, quantity };
    }
  }
  throw new Error('no demo variant in stock to make a cart of 200');
}

describe('promotions in the console', () => {
  it('creates a spend-200-get-30-off promotion, previews carts with the reasons, and shows its usage', async () => {
    const cart = await aCartOver200();
    const promotionIds = async () => (await api(server, mart.secret_key, 'GET', '/v1/promotions?limit=100')).body.data.map((p: { id: string }) => p.id);
    const before = await promotionIds();
    await page.goto(`${server.url}/console/promotions`);
    await page.getByRole('link', { name: 'New promotion' }).click();
    await page.getByRole('heading', { name: 'New promotion' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Spend 200 get 30 off');
    // A tier that takes more than its spend: the server refuses it and the console shows why, by the tiers.
    await page.getByRole('textbox', { name: 'Spend at least (1)' }).fill('200');
    await page.getByRole('textbox', { name: 'Take off (1)' }).fill('300');
    await page.getByRole('button', { name: 'Create promotion' }).click();
    await page.getByText('each tier’s discount must be less than its spend').waitFor();
    // Nothing was written: the store chain has only the demo's coupons (the screen game's, the members').
    expect(await promotionIds()).toEqual(before);

    await page.getByRole('textbox', { name: 'Take off (1)' }).fill('30');
    await page.getByRole('button', { name: 'Create promotion' }).click();
    await page.getByText('Promotion “Spend 200 get 30 off” created.').waitFor();
    await page.getByRole('heading', { name: 'Edit “Spend 200 get 30 off”' }).waitFor();
    const [promotion] = (await api(server, mart.secret_key, 'GET', '/v1/promotions?limit=100')).body.data as { id: string; effect: unknown }[];
    expect(promotion!.effect).toEqual({ type: 'spend_tiers', tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }], repeat: false });

    // The preview: a cart of 200 or more gets 30 off; one short of it is told why not.
    const preview = page.getByRole('region', { name: 'Preview: what would this cart get?' });
    await preview.getByLabel('Variant 1').selectOption(cart.variant_id);
    await preview.getByLabel('Quantity 1').fill(String(cart.quantity));
    await preview.getByRole('button', { name: 'Preview', exact: true }).click();
    const total = cart.unit_minor * cart.quantity;
    await preview.getByText(`This cart would get ${cny(3_000)} off: ${cny(total - 3_000)} to pay`).waitFor();
    expect(await preview.getByRole('list').first().textContent()).toContain('Spend 200 get 30 off');
    await screenshot(page, 'promotion-preview');
    expect(await unlabelledControls(page)).toEqual([]);
    if (cart.unit_minor < 20_000) {
      await preview.getByLabel('Quantity 1').fill('1');
      await preview.getByRole('button', { name: 'Preview', exact: true }).click();
      await preview.getByText(`This cart would get ${cny(0)} off`).waitFor();
      expect(await preview.textContent()).toContain('below its minimum spend');
    }
    // Nothing was taken by previewing.
    expect((await api(server, mart.secret_key, 'GET', `/v1/promotions/${promotion!.id}`)).body.usage.redemptions).toBe(0);

    // A buyer checks out the same cart: the list shows the redemption and the money given.
    const placed = await api(server, mart.publishable_key, 'POST', '/v1/checkouts', { currency: 'CNY', items: [{ variant_id: cart.variant_id, quantity: cart.quantity }] });
    expect(placed.status).toBe(201);
    expect(placed.body.promotions.applied).toEqual([expect.objectContaining({ promotion_id: promotion!.id, amount_minor: 3_000 })]);
    await page.getByRole('link', { name: 'Promotions', exact: true }).click();
    const row = page.getByRole('row', { name: /Spend 200 get 30 off/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('1 redemption');
    expect(await row.textContent()).toContain(`${cny(3_000)} given`);
    await screenshot(page, 'promotions-list');

    await row.getByRole('link', { name: 'Report: Spend 200 get 30 off' }).click();
    await page.getByRole('heading', { name: 'Report: Spend 200 get 30 off' }).waitFor();
    expect(await page.getByTestId('report-redemptions').textContent()).toContain('1');
    expect(await page.getByTestId('report-discount').textContent()).toContain(cny(3_000));
    await page.getByText('1 redemption', { exact: true }).waitFor();
    await page.getByRole('img', { name: 'Redemptions per day' }).waitFor();
    await page.getByRole('table', { name: /Coupons issued/ }).waitFor();
    await screenshot(page, 'promotion-report');

    await page.getByLabel('Language').first().selectOption('zh-CN');
    await page.getByRole('heading', { name: '报表：Spend 200 get 30 off' }).waitFor();
    await screenshot(page, 'promotion-report-zh');
    await page.getByLabel('语言').first().selectOption('en');
  });
});
