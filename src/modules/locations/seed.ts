import type { SeedContext } from '../../kernel/module.js';
import { findMerchantByHandle } from '../merchants/index.js';
import { createLocation, type NewLocation } from './locations.js';

/**
 * The chain's stores are front warehouses that ship around the clock (00:00 to 00:00: all day),
 * so a new user sees express and pickup promised whatever the hour in Shanghai.
 */
const allDay = { opens: '00:00', closes: '00:00' };
const everyDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [allDay]]));

/** demo-mart: three stores in central Shanghai, each a front warehouse, and one warehouse. */
const demoMartLocations: NewLocation[] = [
  { kind: 'warehouse', code: 'WH-PUDONG', name: 'Pudong distribution centre', address: { line1: '88 Jinke Road', city: 'Shanghai', region: 'Shanghai', postal_code: '201203', country: 'CN' }, latitude: 31.2035, longitude: 121.5906, timezone: 'Asia/Shanghai', opening_hours: Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ opens: '07:00', closes: '19:00' }]])) },
  { kind: 'store', code: 'ST-PEOPLES-SQ', name: 'Harbour Mart People’s Square', address: { line1: '200 Nanjing West Road', city: 'Shanghai', region: 'Shanghai', postal_code: '200003', country: 'CN' }, latitude: 31.2336, longitude: 121.4726, timezone: 'Asia/Shanghai', opening_hours: everyDay },
  { kind: 'store', code: 'ST-XUJIAHUI', name: 'Harbour Mart Xujiahui', address: { line1: '1 Hongqiao Road', city: 'Shanghai', region: 'Shanghai', postal_code: '200030', country: 'CN' }, latitude: 31.1955, longitude: 121.4377, timezone: 'Asia/Shanghai', opening_hours: everyDay },
  { kind: 'store', code: 'ST-LUJIAZUI', name: 'Harbour Mart Lujiazui', address: { line1: '168 Lujiazui Ring Road', city: 'Shanghai', region: 'Shanghai', postal_code: '200120', country: 'CN' }, latitude: 31.2397, longitude: 121.4998, timezone: 'Asia/Shanghai', opening_hours: everyDay },
];

const demoBrandWarehouse: NewLocation = { kind: 'warehouse', code: 'WH-HANGZHOU', name: 'Lumen Tea Hangzhou warehouse', address: { line1: '9 Longjing Road', city: 'Hangzhou', region: 'Zhejiang', postal_code: '310013', country: 'CN' }, latitude: 30.2251, longitude: 120.1296, timezone: 'Asia/Shanghai' };

const demoWholesaleWarehouse: NewLocation = { kind: 'warehouse', code: 'WH-YIWU', name: 'Delta Wholesale Yiwu warehouse', address: { line1: '1 Futian Road', city: 'Yiwu', region: 'Zhejiang', postal_code: '322000', country: 'CN' }, latitude: 29.3317, longitude: 120.0853, timezone: 'Asia/Shanghai' };

const demoC2cHome: NewLocation = { kind: 'warehouse', code: 'HOME', name: 'Mei’s shelf at home', address: { line1: '12 Yuyuan Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2243, longitude: 121.4332, timezone: 'Asia/Shanghai' };

export async function seedLocations({ db }: SeedContext): Promise<void> {
  const byHandle = async (handle: string) => {
    const merchant = await findMerchantByHandle(db, handle);
    if (merchant === undefined) throw new Error('the merchants seed must run before the locations seed');
    return merchant.id;
  };
  const mart = await byHandle('demo-mart');
  for (const location of demoMartLocations) await createLocation(db, mart, location);
  await createLocation(db, await byHandle('demo-brand'), demoBrandWarehouse);
  await createLocation(db, await byHandle('demo-wholesale'), demoWholesaleWarehouse);
  await createLocation(db, await byHandle('demo-c2c'), demoC2cHome);
}
