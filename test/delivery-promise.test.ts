import { distance } from 'geokdbush';
import { describe, expect, it } from 'vitest';
import { defaultPromiseSettings, deliveryOptions, nextOpening, openUntil, PlaceIndex, readyBy, type Place, type PromiseRequest } from '../src/modules/fulfilment/index.js';
import { buildLanes, quoteWith, regions, Router, seeded, simulatedCarriers } from '../src/modules/logistics/index.js';

/**
 * The delivery promise (issue 15), as pure computation over loaded places and stock: express
 * from the nearest open store within 3 km that holds everything, pickup inside a store's hours,
 * standard by carrier from the cheapest place to keep the promise, split only when no place
 * holds everything, and never from a place that lacks the stock.
 */

const everyDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '10:00', closes: '22:00' }]]));
const place = (id: string, kind: Place['kind'], latitude: number, longitude: number, extra: Partial<Place> = {}): Place => ({ id, code: id.toUpperCase(), name: id, kind, latitude, longitude, timezone: 'Asia/Shanghai', opening_hours: everyDay, country: 'CN', ...extra });

const peoplesSquare = place('st-peoples', 'store', 31.2336, 121.4726);
const xujiahui = place('st-xujiahui', 'store', 31.1955, 121.4377);
const lujiazui = place('st-lujiazui', 'store', 31.2397, 121.4998);
const pudongWh = place('wh-pudong', 'warehouse', 31.2035, 121.5906, { opening_hours: {} });
const beijingWh = place('wh-beijing', 'warehouse', 39.9, 116.4, { opening_hours: {} });
const hongKongWh = place('wh-hk', 'warehouse', 22.32, 114.17, { opening_hours: {}, country: 'HK' });
const places = [peoplesSquare, xujiahui, lujiazui, pudongWh, beijingWh, hongKongWh];

// A buyer near People's Square (about 700 m away), 14:00 Shanghai time on a Wednesday.
const buyer = { latitude: 31.2304, longitude: 121.4737 };
const wednesday2pm = new Date('2026-12-09T06:00:00Z');

const allLanes = buildLanes(simulatedCarriers, regions, () => 1_000);

function request(stock: Record<string, Record<string, number>>, extra: Partial<PromiseRequest> = {}): PromiseRequest {
  return {
    items: [
      { variant_id: 'tea', quantity: 2, weight_g: 300 },
      { variant_id: 'cake', quantity: 1, weight_g: 800 },
    ],
    destination: buyer,
    now: wednesday2pm,
    settings: defaultPromiseSettings,
    index: new PlaceIndex(places),
    stock: { available: (p, v) => stock[p]?.[v] ?? 0, backlog: (p) => (p === lujiazui.id ? 10 : 0) },
    quote: quoteWith(new Router(allLanes, { late_penalty_minor: 2_500 }), allLanes),
    ...extra,
  };
}

const full = { tea: 10, cake: 10 };

describe('opening hours in the place’s own time zone', () => {
  it('is open at 14:00 Shanghai time, closes at 22:00, and a 60-minute pick at 21:30 is ready the next morning', () => {
    expect(openUntil(everyDay, 'Asia/Shanghai', wednesday2pm)?.toISOString()).toBe('2026-12-09T14:00:00.000Z');
    const late = new Date('2026-12-09T13:30:00Z'); // 21:30 in Shanghai
    expect(readyBy(everyDay, 'Asia/Shanghai', late, 60)?.toISOString()).toBe('2026-12-10T03:00:00.000Z'); // 11:00 next day
    expect(nextOpening(everyDay, 'Asia/Shanghai', new Date('2026-12-09T15:00:00Z'))?.toISOString()).toBe('2026-12-10T02:00:00.000Z');
    // Closed on days it does not declare; open around the clock when it declares none.
    expect(openUntil({ '1': [{ opens: '09:00', closes: '17:00' }] }, 'Asia/Shanghai', wednesday2pm)).toBeUndefined();
    expect(openUntil({}, 'Asia/Shanghai', wednesday2pm)).toBeDefined();
  });
});

describe('the delivery options', () => {
  it('offers express from the nearest store within 3 km that holds every item, promised within 30 minutes plus its backlog', () => {
    const options = deliveryOptions(request({ [peoplesSquare.id]: full, [xujiahui.id]: full }));
    const express = options.find((o) => o.kind === 'express');
    expect(express).toMatchObject({ location_id: peoplesSquare.id });
    if (express?.kind !== 'express') throw new Error('no express');
    expect((express.window_to.getTime() - wednesday2pm.getTime()) / 60_000).toBe(30);
    expect(express.distance_m).toBeLessThan(1_000);
    expect(express.confidence).toBeGreaterThan(0.8);
  });

  it('skips a nearer store that lacks an item, adds a busy store’s backlog to its promise, and offers no express beyond the radius', () => {
    // People's Square has the tea but not the cake; Lujiazui (2.6 km) has both and 10 orders waiting.
    const options = deliveryOptions(request({ [peoplesSquare.id]: { tea: 10 }, [lujiazui.id]: full }));
    const express = options.find((o) => o.kind === 'express');
    if (express?.kind !== 'express') throw new Error('no express');
    expect(express.location_id).toBe(lujiazui.id);
    expect((express.window_to.getTime() - wednesday2pm.getTime()) / 60_000).toBe(30 + 10 * defaultPromiseSettings.pick_minutes_per_order);
    // Only Xujiahui (about 4.5 km) holds everything: no express, but pickup there.
    const far = deliveryOptions(request({ [xujiahui.id]: full }));
    expect(far.some((o) => o.kind === 'express')).toBe(false);
    expect(far.find((o) => o.kind === 'pickup')).toMatchObject({ location_id: xujiahui.id });
  });

  it('offers no express from a store that closes before the promise, and pickup ready the next morning', () => {
    const late = new Date('2026-12-09T13:45:00Z'); // 21:45
    const options = deliveryOptions(request({ [peoplesSquare.id]: full }, { now: late }));
    expect(options.some((o) => o.kind === 'express')).toBe(false);
    const pickup = options.find((o) => o.kind === 'pickup');
    if (pickup?.kind !== 'pickup') throw new Error('no pickup');
    expect(pickup.ready_by.toISOString()).toBe('2026-12-10T03:00:00.000Z');
  });

  it('ships standard from the warehouse holding everything, by a carrier that keeps the 24 h promise', () => {
    const options = deliveryOptions(request({ [pudongWh.id]: full, [beijingWh.id]: full }));
    const standard = options.find((o) => o.kind === 'standard');
    if (standard?.kind !== 'standard') throw new Error('no standard');
    expect(standard.shipments).toHaveLength(1);
    expect(standard.shipments[0]!.location_id).toBe(pudongWh.id);
    expect(standard.target_h).toBe(24);
    expect(standard.confidence).toBeGreaterThan(0.8);
    expect(standard.deliver_by.getTime() - wednesday2pm.getTime()).toBe(24 * 3_600_000);
    expect(standard.price_minor).toBeGreaterThan(0);
  });

  it('splits across places only when none holds everything, in as few parcels as possible, never taking more than a place holds', () => {
    // Tea at the Beijing warehouse only; cake split over two places (1 needed, each has it) — and
    // 2 tea needed where Pudong has 1.
    const stock: Record<string, Record<string, number>> = { [pudongWh.id]: { tea: 1, cake: 5 }, [beijingWh.id]: { tea: 5 } };
    const standard = deliveryOptions(request(stock)).find((o) => o.kind === 'standard');
    if (standard?.kind !== 'standard') throw new Error('no standard');
    expect(standard.shipments).toHaveLength(2);
    for (const s of standard.shipments) for (const l of s.lines) expect(l.quantity).toBeLessThanOrEqual(stock[s.location_id]![l.variant_id]!);
    const shipped = (v: string) => standard.shipments.flatMap((s) => s.lines).filter((l) => l.variant_id === v).reduce((n, l) => n + l.quantity, 0);
    expect(shipped('tea')).toBe(2);
    expect(shipped('cake')).toBe(1);
    expect(standard.reason).toMatch(/no single place holds every item: 2 parcels/);
  });

  it('offers nothing by carrier when the stock of all places together is short, and no cross-border unless enabled', () => {
    expect(deliveryOptions(request({ [pudongWh.id]: { tea: 1, cake: 1 } })).some((o) => o.kind === 'standard')).toBe(false);
    const tokyo = { latitude: 35.68, longitude: 139.69, country: 'JP' };
    expect(deliveryOptions(request({ [pudongWh.id]: full }, { destination: tokyo })).some((o) => o.kind === 'cross_border')).toBe(false);
    const abroad = deliveryOptions(request({ [pudongWh.id]: full }, { destination: tokyo, settings: { ...defaultPromiseSettings, cross_border_enabled: true } })).find((o) => o.kind === 'cross_border');
    if (abroad?.kind !== 'cross_border') throw new Error('no cross-border');
    expect(abroad.target_h).toBe(72);
  });
});

describe('the spatial index', () => {
  it('finds exactly the stores a scan finds within a radius, nearest first, among 10,000', () => {
    const u = seeded(3);
    const many = Array.from({ length: 10_000 }, (_, i) => place(`s${i}`, 'store', 30.9 + u() * 0.7, 121.1 + u() * 0.8));
    const index = new PlaceIndex(many);
    for (let q = 0; q < 20; q++) {
      const at = { latitude: 31 + u() * 0.5, longitude: 121.2 + u() * 0.6 };
      const found = index.near(at, 3_000, 10_000).map((x) => x.place.id);
      const scanned = many.filter((p) => distance(at.longitude, at.latitude, p.longitude, p.latitude) <= 3).map((p) => p.id);
      expect(new Set(found)).toEqual(new Set(scanned));
      const d = index.near(at, 3_000, 10_000).map((x) => x.distance_m);
      expect(d).toEqual([...d].sort((a, b) => a - b));
    }
  });
});
