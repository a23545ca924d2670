/**
 * A carrier network: regions, carriers, and the lanes each carrier runs between regions, with a
 * rate card, a published transit-time distribution and a daily capacity per lane.
 *
 * The built-in network is the simulated one (like the test payment provider): six carriers over
 * China's main cities plus Hong Kong, Singapore and Tokyo, modelled on how Chinese express
 * carriers differ: a premium air-and-road express (fast, dear, dependable), a retailer's own
 * network, two low-cost franchise networks (cheap, slower, wider spread), the postal service
 * (everywhere, slow) and a cross-border consolidator. A real carrier is another `Carrier` whose
 * lanes come from its rate API (see docs/LOGISTICS.md).
 */

export interface Region {
  code: string;
  name: string;
  name_zh: string;
  country: string;
  latitude: number;
  longitude: number;
  /** Relative share of parcels sent to this region (roughly its online shoppers). */
  demand_weight: number;
}

export const regions: readonly Region[] = [
  { code: 'SHA', name: 'Shanghai', name_zh: '上海', country: 'CN', latitude: 31.23, longitude: 121.47, demand_weight: 10 },
  { code: 'HGH', name: 'Hangzhou', name_zh: '杭州', country: 'CN', latitude: 30.27, longitude: 120.16, demand_weight: 6 },
  { code: 'NKG', name: 'Nanjing', name_zh: '南京', country: 'CN', latitude: 32.06, longitude: 118.8, demand_weight: 5 },
  { code: 'PEK', name: 'Beijing', name_zh: '北京', country: 'CN', latitude: 39.9, longitude: 116.4, demand_weight: 10 },
  { code: 'CAN', name: 'Guangzhou', name_zh: '广州', country: 'CN', latitude: 23.13, longitude: 113.26, demand_weight: 8 },
  { code: 'SZX', name: 'Shenzhen', name_zh: '深圳', country: 'CN', latitude: 22.54, longitude: 114.06, demand_weight: 8 },
  { code: 'CTU', name: 'Chengdu', name_zh: '成都', country: 'CN', latitude: 30.57, longitude: 104.07, demand_weight: 6 },
  { code: 'WUH', name: 'Wuhan', name_zh: '武汉', country: 'CN', latitude: 30.59, longitude: 114.31, demand_weight: 5 },
  { code: 'XIY', name: "Xi'an", name_zh: '西安', country: 'CN', latitude: 34.34, longitude: 108.94, demand_weight: 4 },
  { code: 'HRB', name: 'Harbin', name_zh: '哈尔滨', country: 'CN', latitude: 45.8, longitude: 126.53, demand_weight: 2 },
  { code: 'KMG', name: 'Kunming', name_zh: '昆明', country: 'CN', latitude: 25.04, longitude: 102.71, demand_weight: 2 },
  { code: 'URC', name: 'Ürümqi', name_zh: '乌鲁木齐', country: 'CN', latitude: 43.83, longitude: 87.62, demand_weight: 1 },
  { code: 'HKG', name: 'Hong Kong', name_zh: '香港', country: 'HK', latitude: 22.32, longitude: 114.17, demand_weight: 1.5 },
  { code: 'SIN', name: 'Singapore', name_zh: '新加坡', country: 'SG', latitude: 1.35, longitude: 103.82, demand_weight: 1 },
  { code: 'TYO', name: 'Tokyo', name_zh: '东京', country: 'JP', latitude: 35.68, longitude: 139.69, demand_weight: 1 },
];

export const regionByCode: ReadonlyMap<string, Region> = new Map(regions.map((r) => [r.code, r]));

/** Great-circle distance in km. */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLng = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Pricing zones, by distance and border, as Chinese carriers price them. */
export type Zone = 'same_city' | 'near' | 'regional' | 'national' | 'cross_border';

export function zoneOf(from: Region, to: Region): Zone {
  if (from.country !== to.country) return 'cross_border';
  if (from.code === to.code) return 'same_city';
  const km = distanceKm(from, to);
  return km < 500 ? 'near' : km < 1_200 ? 'regional' : 'national';
}

/** The delivery promise a parcel gets: 24 h domestic (48 h to remote regions), 72 h cross-border. */
export function promiseHours(from: Region, to: Region): number {
  if (from.country !== to.country) return 72;
  return distanceKm(from, to) > 2_500 ? 48 : 24;
}

export interface RateCard {
  /** Price of the first kilogram per zone, in minor units. */
  first_kg_minor: Record<Zone, number>;
  /** Price of each further (started) kilogram per zone. */
  extra_kg_minor: Record<Zone, number>;
}

export interface Carrier {
  code: string;
  name: string;
  name_zh: string;
  /** Zones the carrier serves. */
  zones: readonly Zone[];
  rates: RateCard;
  /** Hours of first-mile and hub handling before a parcel moves. */
  handling_h: number;
  /** Effective line-haul speed, hubs included, km/h. */
  speed_kmh: number;
  /** Spread of the log-normal transit time (higher: less dependable). */
  sigma: number;
  /** Daily capacity per lane, as a share of the lane's expected daily volume of the whole market. */
  capacity_share: number;
  /** Share of parcels lost (never delivered; no tracking event ever says so). */
  loss_rate: number;
}

const zones = (v: [number, number, number, number, number]): Record<Zone, number> => ({ same_city: v[0], near: v[1], regional: v[2], national: v[3], cross_border: v[4] });
const domestic: readonly Zone[] = ['same_city', 'near', 'regional', 'national'];

export const simulatedCarriers: readonly Carrier[] = [
  { code: 'swift', name: 'Swift Express', name_zh: '迅捷速运', zones: [...domestic, 'cross_border'], rates: { first_kg_minor: zones([1_200, 1_300, 1_800, 2_300, 9_000]), extra_kg_minor: zones([200, 400, 800, 1_300, 4_000]) }, handling_h: 4, speed_kmh: 180, sigma: 0.16, capacity_share: 0.5, loss_rate: 0.0002 },
  { code: 'jingtu', name: 'Jingtu Logistics', name_zh: '京途物流', zones: domestic, rates: { first_kg_minor: zones([900, 1_000, 1_300, 1_700, 0]), extra_kg_minor: zones([200, 300, 600, 900, 0]) }, handling_h: 5, speed_kmh: 110, sigma: 0.2, capacity_share: 0.45, loss_rate: 0.0003 },
  { code: 'eastline', name: 'Eastline Express', name_zh: '东线快递', zones: domestic, rates: { first_kg_minor: zones([450, 500, 600, 800, 0]), extra_kg_minor: zones([100, 150, 300, 500, 0]) }, handling_h: 6, speed_kmh: 75, sigma: 0.28, capacity_share: 0.8, loss_rate: 0.001 },
  { code: 'cloudway', name: 'Cloudway', name_zh: '云途快运', zones: domestic, rates: { first_kg_minor: zones([420, 480, 580, 780, 0]), extra_kg_minor: zones([100, 150, 300, 500, 0]) }, handling_h: 6.5, speed_kmh: 72, sigma: 0.3, capacity_share: 1.2, loss_rate: 0.0012 },
  { code: 'post', name: 'National Post', name_zh: '国家邮政', zones: [...domestic, 'cross_border'], rates: { first_kg_minor: zones([600, 700, 900, 1_100, 6_000]), extra_kg_minor: zones([150, 250, 400, 600, 2_500]) }, handling_h: 9, speed_kmh: 60, sigma: 0.35, capacity_share: 0.6, loss_rate: 0.0008 },
  { code: 'bridge', name: 'Bridge Cross-border', name_zh: '桥通跨境', zones: ['cross_border'], rates: { first_kg_minor: zones([0, 0, 0, 0, 5_200]), extra_kg_minor: zones([0, 0, 0, 0, 2_000]) }, handling_h: 14, speed_kmh: 500, sigma: 0.25, capacity_share: 1.2, loss_rate: 0.001 },
];

/** One carrier's service between two regions. */
export interface Lane {
  key: string;
  carrier: Carrier;
  from: Region;
  to: Region;
  zone: Zone;
  /** Published median transit time in hours, and the spread of its log-normal distribution. */
  median_h: number;
  sigma: number;
  /** Parcels a day the carrier takes on this lane before they queue. */
  capacity_per_day: number;
}

export function laneKey(carrier: string, from: string, to: string): string {
  return `${carrier}:${from}>${to}`;
}

/** The published median transit: handling, then the road at the carrier's speed (customs adds 12 h across a border). */
export function medianTransitHours(carrier: Carrier, from: Region, to: Region): number {
  const km = from.code === to.code ? 15 : distanceKm(from, to) * 1.25;
  return carrier.handling_h + km / carrier.speed_kmh + (from.country === to.country ? 0 : 12);
}

/** Price of a parcel on a lane, in minor units: first kilogram, then each started kilogram. */
export function price(carrier: Carrier, zone: Zone, weight_g: number): number {
  const extraKg = Math.max(0, Math.ceil(weight_g / 1_000) - 1);
  return carrier.rates.first_kg_minor[zone] + extraKg * carrier.rates.extra_kg_minor[zone];
}

/**
 * Every lane of these carriers from the origins to every region. A lane's capacity is the
 * carrier's share of the whole market's expected daily volume on that origin-destination pair.
 */
export function buildLanes(carriers: readonly Carrier[], origins: readonly Region[], expectedDaily: (from: Region, to: Region) => number): Lane[] {
  const lanes: Lane[] = [];
  for (const carrier of carriers) {
    for (const from of origins) {
      for (const to of regions) {
        const zone = zoneOf(from, to);
        if (!carrier.zones.includes(zone)) continue;
        lanes.push({
          key: laneKey(carrier.code, from.code, to.code),
          carrier,
          from,
          to,
          zone,
          median_h: medianTransitHours(carrier, from, to),
          sigma: carrier.sigma,
          capacity_per_day: Math.max(20, Math.round(carrier.capacity_share * expectedDaily(from, to))),
        });
      }
    }
  }
  return lanes;
}
