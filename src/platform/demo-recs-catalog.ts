/**
 * The tea brand's (demo-brand's) wider range for the recommendations and search demo of issue 19:
 * teas, teaware, gift boxes and snacks, titled in English and Chinese, in six categories. Each
 * product has a taste group the demo's shoppers are planted with (green-tea people, oolong people,
 * teaware buyers…), so the trained models have structure to find.
 */
export type Taste = 'green' | 'oolong' | 'black' | 'teaware' | 'gifts' | 'snacks';

export interface DemoRecsProduct {
  sku: string;
  title: string;
  zh: string;
  taste: Taste;
  price_minor: number;
  /** Bought again and again (teas, snacks): `repeat_purchase: true`, recommended again after a purchase. */
  repeat: boolean;
  attributes: Record<string, string | number | boolean>;
  colour: string;
}

export const demo_recs_categories: Record<Taste, { name: string; zh: string }> = {
  green: { name: 'Green tea', zh: '绿茶' },
  oolong: { name: 'Oolong tea', zh: '乌龙茶' },
  black: { name: 'Black and dark tea', zh: '红茶与黑茶' },
  teaware: { name: 'Teaware', zh: '茶具' },
  gifts: { name: 'Gift boxes', zh: '礼盒' },
  snacks: { name: 'Tea snacks', zh: '茶点' },
};

/** The brand's two products from the seed (LJ-100, OO-GIFT), filed under their categories. */
export const demo_recs_seeded: Record<string, Taste> = { 'LJ-100': 'green', 'LJ-250': 'green', 'OO-GIFT': 'oolong' };

const tea = (sku: string, title: string, zh: string, taste: Taste, yuan: number, origin: string, colour: string): DemoRecsProduct => ({
  sku,
  title,
  zh,
  taste,
  price_minor: yuan * 100,
  repeat: true,
  attributes: { type: demo_recs_categories[taste].name.toLowerCase(), origin, repeat_purchase: true, weight_g: 100 },
  colour,
});
const ware = (sku: string, title: string, zh: string, yuan: number, material: string, colour: string): DemoRecsProduct => ({ sku, title, zh, taste: 'teaware', price_minor: yuan * 100, repeat: false, attributes: { material, repeat_purchase: false }, colour });

/** 28 products; with the seed's two, the brand sells 30. */
export const demo_recs_products: readonly DemoRecsProduct[] = [
  tea('GT-BLC', 'Biluochun spring green tea', '洞庭碧螺春', 'green', 98, 'Suzhou', '#65a30d'),
  tea('GT-ANJI', 'Anji white leaf green tea', '安吉白茶', 'green', 118, 'Anji', '#84cc16'),
  tea('GT-MAOFENG', 'Huangshan Maofeng green tea', '黄山毛峰', 'green', 88, 'Huangshan', '#4d7c0f'),
  tea('GT-GUAPIAN', 'Lu’an Guapian green tea', '六安瓜片', 'green', 108, 'Lu’an', '#3f6212'),
  tea('GT-HOUKUI', 'Taiping Houkui green tea', '太平猴魁', 'green', 168, 'Huangshan', '#365314'),
  tea('GT-MAOJIAN', 'Xinyang Maojian green tea', '信阳毛尖', 'green', 78, 'Xinyang', '#a3e635'),
  tea('OO-TGY', 'Anxi Tieguanyin oolong', '安溪铁观音', 'oolong', 128, 'Anxi', '#b45309'),
  tea('OO-DHP', 'Wuyi Da Hong Pao rock oolong', '武夷大红袍', 'oolong', 188, 'Wuyi', '#92400e'),
  tea('OO-DANCONG', 'Phoenix Dancong honey orchid oolong', '凤凰单丛蜜兰香', 'oolong', 138, 'Chaozhou', '#d97706'),
  tea('OO-DONGDING', 'Dong Ding oolong', '冻顶乌龙', 'oolong', 118, 'Nantou', '#a16207'),
  tea('OO-BEAUTY', 'Oriental Beauty oolong', '东方美人', 'oolong', 158, 'Hsinchu', '#ca8a04'),
  tea('BT-KEEMUN', 'Keemun black tea', '祁门红茶', 'black', 98, 'Qimen', '#9f1239'),
  tea('BT-DIANHONG', 'Yunnan Dian Hong black tea', '云南滇红', 'black', 78, 'Yunnan', '#be123c'),
  tea('BT-LAPSANG', 'Lapsang souchong black tea', '正山小种', 'black', 108, 'Wuyi', '#881337'),
  tea('DT-PUERH', 'Ripe pu-erh tea cake 357 g', '普洱熟茶饼', 'black', 228, 'Menghai', '#57534e'),
  ware('TW-GAIWAN', 'Celadon gaiwan 120 ml', '青瓷盖碗', 168, 'porcelain', '#0f766e'),
  ware('TW-YIXING', 'Yixing clay teapot', '宜兴紫砂壶', 680, 'zisha clay', '#7c2d12'),
  ware('TW-PITCHER', 'Glass fairness pitcher', '玻璃公道杯', 58, 'glass', '#0e7490'),
  ware('TW-CUPS', 'Tasting cups, set of six', '品茗杯六只装', 88, 'porcelain', '#155e75'),
  ware('TW-TRAY', 'Bamboo tea tray', '竹制茶盘', 238, 'bamboo', '#713f12'),
  ware('TW-KETTLE', 'Gooseneck kettle with temperature control', '温控电水壶', 299, 'stainless steel', '#334155'),
  ware('TW-CANISTER', 'Pewter tea canister', '锡制茶叶罐', 128, 'pewter', '#475569'),
  { sku: 'GB-MIDAUTUMN', title: 'Mid-autumn tea and mooncake gift box', zh: '中秋茶礼月饼礼盒', taste: 'gifts', price_minor: 36_800, repeat: false, attributes: { gift: true, season: 'mid-autumn', repeat_purchase: false }, colour: '#b91c1c' },
  { sku: 'GB-SAMPLER', title: 'China’s ten famous teas sampler', zh: '十大名茶品鉴礼盒', taste: 'gifts', price_minor: 25_800, repeat: false, attributes: { gift: true, repeat_purchase: false }, colour: '#7e22ce' },
  { sku: 'SN-OSMANTHUS', title: 'Osmanthus cake', zh: '桂花糕', taste: 'snacks', price_minor: 3_800, repeat: true, attributes: { shelf_life_days: 30, repeat_purchase: true }, colour: '#eab308' },
  { sku: 'SN-MATCHA', title: 'Matcha almond biscuits', zh: '抹茶杏仁饼干', taste: 'snacks', price_minor: 4_500, repeat: true, attributes: { shelf_life_days: 90, repeat_purchase: true }, colour: '#16a34a' },
  { sku: 'SN-PLUM', title: 'Candied dried plums', zh: '话梅', taste: 'snacks', price_minor: 2_800, repeat: true, attributes: { shelf_life_days: 180, repeat_purchase: true }, colour: '#7f1d1d' },
  { sku: 'SN-SESAME', title: 'Black sesame brittle', zh: '黑芝麻糖', taste: 'snacks', price_minor: 3_200, repeat: true, attributes: { shelf_life_days: 120, repeat_purchase: true }, colour: '#1c1917' },
];

/**
 * What goes with what: a taste's shoppers also pick up these (their snack with the tea, the cups
 * with the gaiwan), so "bought together" has pairs to find.
 */
export const demo_recs_pairs: Record<string, string> = {
  'LJ-100': 'SN-MATCHA',
  'GT-BLC': 'SN-OSMANTHUS',
  'GT-ANJI': 'SN-MATCHA',
  'OO-TGY': 'SN-SESAME',
  'OO-DHP': 'SN-PLUM',
  'OO-DANCONG': 'SN-SESAME',
  'TW-GAIWAN': 'TW-CUPS',
  'TW-YIXING': 'TW-TRAY',
  'TW-KETTLE': 'TW-PITCHER',
  'BT-KEEMUN': 'SN-OSMANTHUS',
  'DT-PUERH': 'TW-YIXING',
};

/** The searches each taste's shoppers type; some Chinese ones carry the homophone typos people make. */
export const demo_recs_queries: Record<Taste, readonly string[]> = {
  green: ['龙井', '西湖龙景', 'green tea', '碧螺春', 'longjing', '绿茶', 'maofeng'],
  oolong: ['铁观音', 'oolong', '大红袍', '乌龙茶', 'tieguanyin', '单从'],
  black: ['红茶', 'pu-erh', '普洱', 'keemun', 'black tea'],
  teaware: ['盖碗', 'teapot', '紫砂壶', 'tea cups', '茶盘', 'kettle'],
  gifts: ['礼盒', 'gift box', '月饼', 'sampler'],
  snacks: ['桂花糕', 'biscuits', '茶点', 'snacks'],
};
