import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, screenshot, signedInConsole, unlabelledControls, type E2eServer } from './support.js';

/**
 * A brand's e-commerce team opens Recommendations on the first `npm start` (demo-brand, Lumen
 * Tea): trains the models and reads their offline scores, excludes a product from every
 * placement, watches the recommendation-versus-search traffic chart count a shopper's click, and
 * previews what a demo consumer would see and why. Then, on the Search page, searches for
 * 西湖龙景 (a homophone typo) and still finds 西湖龙井 with the correction shown. What the
 * pages show is checked against the API.
 */
let server: E2eServer;
let browser: Browser;
let page: Page;
let brand: E2eServer['credentials']['merchants'][number];

beforeAll(async () => {
  ({ server, person: brand, browser, page } = await signedInConsole('demo-brand'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = (body: any): any[] => (Array.isArray(body) ? body : body.data);
const secret = (method: string, path: string, body?: unknown) => api(server, brand.secret_key, method, path, body);
const fourDecimals = (n: number) => n.toFixed(4);
const noLoading = () => page.locator('[role="status"]', { hasText: 'Loading' }).first().waitFor({ state: 'detached' });

async function openTab(name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.getByRole('tab', { name, selected: true }).waitFor();
  await noLoading();
}

describe('the Recommendations page of a brand', () => {
  it('trains the models from the console and shows every model’s offline scores', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recommendations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Recommendations' }).waitFor();
    await noLoading();
    await page.getByRole('button', { name: 'Train now' }).click();
    // The run's progress shows while it runs (polled), then its outcome.
    await page.locator('[data-testid="training-progress"][data-status="succeeded"]').waitFor({ timeout: 150_000 });

    const models = await secret('GET', '/v1/recommendations/models');
    expect(models.status).toBe(200);
    const current = models.body.current as { training_id: string; model: string };
    const scores = models.body.models as { model: string; hr_at_10: number; ndcg_at_10: number; training_id: string }[];
    expect(scores.map((m) => m.model).sort()).toEqual(['als', 'ease', 'itemknn', 'popularity']);
    expect(scores.every((m) => m.training_id === current.training_id)).toBe(true);

    const table = page.getByTestId('model-scores');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(scores.length);
    for (const m of scores) {
      const row = table.locator('tbody tr', { hasText: new RegExp(`${fourDecimals(m.hr_at_10)}[\\s\\S]*${fourDecimals(m.ndcg_at_10)}`) });
      expect(await row.count(), `the row of ${m.model}`).toBeGreaterThan(0);
    }
    // The model serving now is the one the run chose, marked in the table.
    expect(await table.locator('tbody tr.recs-chosen').count()).toBe(1);
    expect(await table.locator('tbody tr.recs-chosen').getByText('Serving').count()).toBe(1);
    const names: Record<string, string> = { popularity: 'Popularity (baseline)', itemknn: 'Item-to-item (ItemKNN)', ease: 'EASE', als: 'Implicit ALS' };
    expect(await table.locator('tbody tr.recs-chosen th').textContent()).toContain(names[current.model]);
    await page.getByTestId('last-training').getByText(/Finished/).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'recs-models');
  }, 200_000);

  it('excludes a product picked by searching for it, and lists the exclusion', async () => {
    await openTab('Pins and exclusions');
    await page.getByRole('textbox', { name: 'Find a product' }).fill('Longjing');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    const picks = page.getByTestId('product-picks');
    await picks.getByText('West Lake Longjing green tea').waitFor();
    await picks.getByRole('button', { name: 'Pick West Lake Longjing green tea' }).click();
    await page.getByTestId('picked-product').getByText('West Lake Longjing green tea').waitFor();
    await page.getByLabel('Rule').selectOption('exclude');
    await page.getByLabel('Placement').selectOption('all');
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    const list = page.getByTestId('recs-rules');
    const row = list.getByRole('row', { name: /West Lake Longjing green tea/ });
    await row.getByText('Exclude').waitFor();
    await row.getByText('All placements').waitFor();
    const rules = rows((await secret('GET', '/v1/recommendations/rules')).body) as { action: string; product_id: string; placement: string | null }[];
    const products = rows((await secret('GET', '/v1/products?q=Longjing')).body) as { id: string; title: string }[];
    const longjing = products.find((p) => p.title === 'West Lake Longjing green tea')!;
    expect(rules.filter((r) => r.product_id === longjing.id && r.action === 'exclude' && r.placement === null)).toHaveLength(1);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'recs-rules');
  });

  it('counts a shopper’s click on a recommendation in the traffic chart, against search', async () => {
    // A shopper's storefront asks for recommendations and clicks the first one.
    const shopper = `e2e-shopper-${Date.now()}`;
    const served = await api(server, brand.publishable_key, 'GET', `/v1/recommendations/for-you?anonymous_id=${shopper}&limit=5`);
    expect(served.status).toBe(200);
    expect(served.body.data.length).toBeGreaterThan(0);
    // Answers served are recorded in batches; the touch is accepted once the answer it names is.
    await eventually('the click to be accepted', async () => {
      const click = await api(server, brand.publishable_key, 'POST', '/v1/attribution/events', {
        events: [{ attribution_token: served.body.attribution_token, kind: 'click', product_id: served.body.data[0].product_id, anonymous_id: shopper }],
      });
      expect(click.status).toBe(200);
      return click.body.data[0].ok === true ? true : undefined;
    });

    // The chart's 30 days end today in the brand's time zone (Shanghai).
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    type Daily = { totals: { recommendation: { clicks: number }; search: { clicks: number } }; data: { day: string }[] };
    const daily = await eventually('the click to be counted', async () => {
      const res = await secret('GET', `/v1/attribution/daily?from=${from}&to=${today}`);
      expect(res.status).toBe(200);
      return (res.body as Daily).totals.recommendation.clicks > 0 ? (res.body as Daily) : undefined;
    });
    const recClicks = daily.totals.recommendation.clicks;
    const searchClicks = daily.totals.search.clicks;
    expect(daily.data).toHaveLength(30);

    await openTab('Traffic');
    const chart = page.getByTestId('traffic-chart');
    await chart.waitFor();
    expect(await chart.locator('canvas[role="img"]').count()).toBe(2);
    const summary = await page.getByTestId('traffic-summary').textContent();
    expect(summary).toContain(`recommendations brought ${recClicks.toLocaleString('en-GB')} clicks`);
    expect(summary).toContain(`search ${searchClicks.toLocaleString('en-GB')} clicks`);
    await page.getByText('The figures as a table').click();
    const table = page.getByTestId('traffic-table');
    expect(await table.locator('tbody tr').count()).toBe(30);
    let tableClicks = 0;
    for (const cell of await table.locator('tbody tr td:first-of-type').allTextContents()) tableClicks += Number(cell.replace(/\D/g, ''));
    expect(tableClicks).toBe(recClicks);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'recs-traffic');
  });

  it('shows every placement’s answers, clicks and click-through on the Placements tab, as the API counts them', async () => {
    type Row = { placement: string; answers: number; clicks: number; click_through: number | null };
    const res = await secret('GET', '/v1/attribution/placements?days=7');
    expect(res.status).toBe(200);
    const figures = res.body.data as Row[];
    expect(figures.map((r) => r.placement)).toEqual(['for_you', 'similar', 'bought_together', 'trending', 'new_consumer', 'search']);
    // The demo buyers' week was served every placement they browse, and clicked on each.
    for (const placement of ['for_you', 'similar', 'bought_together', 'trending', 'search']) {
      const row = figures.find((r) => r.placement === placement)!;
      expect(row.answers, placement).toBeGreaterThan(0);
      expect(row.clicks, placement).toBeGreaterThan(0);
    }

    await openTab('Placements');
    const table = page.getByTestId('placements');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(figures.length);
    const names: Record<string, string> = { for_you: 'For you', similar: 'Similar items', bought_together: 'Bought together', trending: 'Trending near you', new_consumer: 'New consumer', search: 'Search' };
    const percent = (v: number | null) => (v === null ? '—' : `${(Math.round(v * 1000) / 10).toLocaleString('en-GB')}%`);
    for (const r of figures) {
      const row = table.locator('tbody tr', { has: page.locator('th', { hasText: new RegExp(`^${names[r.placement]}$`) }) });
      expect(await row.count(), r.placement).toBe(1);
      // Answers, clicks, click-through (then carts, orders, sales).
      const cells = (await row.locator('td').allTextContents()).map((c) => c.trim());
      expect(cells.slice(0, 3), r.placement).toEqual([r.answers.toLocaleString('en-GB'), r.clicks.toLocaleString('en-GB'), percent(r.click_through)]);
    }
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'recs-placements');
  });

  it('previews what a demo consumer would see, with each item’s reason and what the rules took out', async () => {
    const consumers = rows((await secret('GET', '/v1/consumers?q=Zhang%20Min')).body) as { id: string; name: string | null }[];
    const zhang = consumers.find((c) => c.name === 'Zhang Min')!;
    expect(zhang).toBeDefined();
    const preview = await secret('GET', `/v1/recommendations/preview?profile_id=${zhang.id}&placement=for_you`);
    expect(preview.status).toBe(200);
    const items = preview.body.data as { title: string; reason: { kind: string; text: string } }[];
    const removed = preview.body.removed as { product_id: string; rule: string }[];
    expect(items.length).toBeGreaterThan(0);

    await openTab('Preview');
    await page.getByRole('textbox', { name: 'Find a consumer' }).fill('Zhang Min');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.getByRole('button', { name: 'Preview for Zhang Min' }).click();
    await page.getByRole('heading', { name: 'Consumer: Zhang Min' }).waitFor();
    await page.getByLabel('Placement').selectOption('for_you');
    const list = page.getByTestId('preview-items');
    await list.locator('tbody tr').first().waitFor();
    expect(await list.locator('tbody tr').count()).toBe(items.length);
    // Every item says why it is there.
    for (const [i, item] of items.entries()) {
      const row = list.locator('tbody tr').nth(i);
      expect(await row.locator('.recs-reason').count()).toBe(1);
      if (item.reason.text !== '') expect(await row.textContent()).toContain(item.reason.text);
    }
    const removedTable = page.getByTestId('preview-removed');
    expect(await removedTable.locator('tbody tr').count()).toBe(Math.max(1, removed.length));
    if (removed.length === 0) await removedTable.getByText('The rules took nothing out.').waitFor();
    // The exclusion added above holds: the excluded tea is never in the list.
    // (A reason may still name it: "because you liked" it.)
    expect(await list.locator('tbody th').allTextContents()).not.toContain('West Lake Longjing green tea');
    expect(items.map((i) => i.title)).not.toContain('West Lake Longjing green tea');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'recs-preview');
  });
});

describe('the Recommendations page, continued', () => {
  it('removes the exclusion from the list', async () => {
    await openTab('Pins and exclusions');
    const list = page.getByTestId('recs-rules');
    await list.getByRole('button', { name: 'Remove the rule on West Lake Longjing green tea' }).click();
    await list.getByText('No pins or exclusions yet.').waitFor();
    expect(rows((await secret('GET', '/v1/recommendations/rules')).body)).toEqual([]);
  });

  it('speaks Simplified Chinese', async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    await openTab('模型');
    await page.getByRole('heading', { level: 1, name: '推荐' }).waitFor();
    await page.getByRole('button', { name: '立即训练' }).waitFor();
    await page.getByTestId('model-scores').getByText('服务中').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'recs-models-zh');
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Recommendations' }).waitFor();
  });
});

describe('the Search page', () => {
  it('finds 西湖龙井 for the typo 西湖龙景 and says what it searched for instead', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    await noLoading();
    await page.getByLabel('Search for').fill('西湖龙景');
    await page.getByRole('search', { name: 'Try a search' }).getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('corrected-query').getByText(/西湖龙井/).waitFor();
    const results = page.getByTestId('search-results');
    await results.getByRole('row', { name: /West Lake Longjing green tea/ }).getByText('西湖龙井绿茶').waitFor();
    await page.getByTestId('search-facets').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'search-try');
  });

  it('does not count the merchant’s own search that found nothing as demand, and lists a shopper’s', async () => {
    const coffee = async () => (rows((await secret('GET', '/v1/search/zero-results')).body) as { query: string; count: number }[]).filter((z) => z.query === '咖啡机').reduce((a, z) => a + z.count, 0);
    const before = await coffee();
    await page.getByLabel('Search for').fill('咖啡机');
    await page.getByRole('search', { name: 'Try a search' }).getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('search-total').getByText('Nothing found for “咖啡机”', { exact: false }).waitFor();
    // The merchant trying a query is not a shopper wanting it.
    expect(await coffee()).toBe(before);
    // A shopper's storefront searches for it: that is demand, listed once the page is read again.
    const shopper = await api(server, brand.publishable_key, 'GET', `/v1/search?q=${encodeURIComponent('咖啡机')}`);
    expect(shopper.status).toBe(200);
    expect(shopper.body.total).toBe(0);
    expect(await coffee()).toBe(before + 1);
    await page.reload();
    await noLoading();
    await page.getByTestId('zero-results').getByRole('row', { name: /咖啡机/ }).waitFor();
  });
});
