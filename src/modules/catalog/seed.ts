import type { SeedContext } from '../../kernel/module.js';
import { findMerchantByHandle } from '../merchants/index.js';
import sharp from 'sharp';
import { openStorage } from '../../kernel/storage/index.js';
import { addProductImage } from './images.js';
import { createProduct, type NewProduct } from './products.js';

/** A small catalog per demo merchant, all published and priced in CNY (fen), titled in English and Chinese. */
const demoCatalogs: Record<string, NewProduct[]> = {
  'demo-brand': [
    {
      title: 'West Lake Longjing green tea',
      title_i18n: { 'zh-CN': '西湖龙井绿茶' },
      description: 'Spring-harvest Longjing from Hangzhou, pan-fired by hand.',
      status: 'published',
      attributes: { origin: 'Hangzhou', harvest: 'spring', type: 'green tea' },
      options: [{ name: 'size', values: ['100g', '250g'] }],
      variants: [
        { sku: 'LJ-100', option_values: { size: '100g' }, weight_g: 120, prices: [{ currency: 'CNY', amount_minor: 12_800 }] },
        { sku: 'LJ-250', option_values: { size: '250g' }, weight_g: 280, prices: [{ currency: 'CNY', amount_minor: 29_800 }] },
      ],
    },
    {
      title: 'Osmanthus oolong gift tin',
      title_i18n: { 'zh-CN': '桂花乌龙礼盒' },
      status: 'published',
      attributes: { type: 'oolong', gift: true },
      variants: [{ sku: 'OO-GIFT', weight_g: 300, prices: [{ currency: 'CNY', amount_minor: 18_800 }] }],
    },
  ],
  'demo-mart': [
    { title: 'Mooncake box, lotus seed paste', title_i18n: { 'zh-CN': '莲蓉月饼礼盒' }, status: 'published', attributes: { season: 'mid-autumn' }, variants: [{ sku: 'MC-LOTUS', barcode: '6901234567892', weight_g: 600, prices: [{ currency: 'CNY', amount_minor: 9_900 }] }] },
    { title: 'Spring water 550ml', title_i18n: { 'zh-CN': '矿泉水 550毫升' }, status: 'published', attributes: { category: 'drinks' }, variants: [{ sku: 'WATER-550', barcode: '6901234567908', weight_g: 570, prices: [{ currency: 'CNY', amount_minor: 200 }] }] },
  ],
  'demo-wholesale': [
    {
      title: 'Paper cups 12oz (carton of 1,000)',
      title_i18n: { 'zh-CN': '12盎司纸杯（每箱1000只）' },
      status: 'published',
      attributes: { material: 'paper', capacity_ml: 355 },
      variants: [
        {
          sku: 'CUP-12-CTN',
          weight_g: 9_000,
          min_order_quantity: 5,
          prices: [
            { currency: 'CNY', amount_minor: 32_000, min_quantity: 1 },
            { currency: 'CNY', amount_minor: 29_000, min_quantity: 20 },
            { currency: 'CNY', amount_minor: 26_500, min_quantity: 100 },
          ],
        },
      ],
    },
  ],
  'demo-c2c': [{ title: 'Vintage Seagull wristwatch, 1970s', title_i18n: { 'zh-CN': '七十年代海鸥牌古董手表' }, status: 'published', attributes: { condition: 'used, serviced' }, variants: [{ sku: 'WATCH-1', weight_g: 80, prices: [{ currency: 'CNY', amount_minor: 68_000 }] }] }],
};

export async function seedCatalog({ db, config }: SeedContext): Promise<void> {
  for (const [handle, products] of Object.entries(demoCatalogs)) {
    const merchant = await findMerchantByHandle(db, handle);
    if (merchant === undefined) throw new Error(`the merchants seed must run before the catalog seed (${handle})`);
    for (const product of products) {
      const created = await createProduct(db, merchant.id, product);
      const colour = demoColours[created.title];
      if (colour !== undefined) await addProductImage(db, openStorage(config), merchant.id, created.id, await demoImage(created.title, colour));
    }
  }
}

/** Demo products that get an image, and its colour: enough for thumbnails to show on first start. */
const demoColours: Record<string, string> = {
  'West Lake Longjing green tea': '#4d7c0f',
  'Osmanthus oolong gift tin': '#b45309',
  'Mooncake box, lotus seed paste': '#9f1239',
  'Spring water 550ml': '#0369a1',
  'Vintage Seagull wristwatch, 1970s': '#334155',
};

/** A square of the product's colour with its initials, drawn here: the repository ships no image files. */
export async function demoImage(title: string, colour: string, size_px = 800): Promise<Buffer> {
  const initials = title.split(/\s+/).filter((w) => /^[A-Za-z]/.test(w)).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size_px}" height="${size_px}">
    <rect width="100%" height="100%" fill="${colour}"/>
    <circle cx="50%" cy="50%" r="34%" fill="#ffffff" fill-opacity="0.14"/>
    <text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${Math.round(size_px * 0.3)}" fill="#ffffff">${initials}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
