import { describe, expect, it } from 'vitest';
import { buildBasket, default_attribution, type ShelfEventInput } from '../src/modules/instore/basket-builder.js';

/**
 * The basket builder is pure: these are the rules an unattended store charges by. Each case
 * would charge a member wrongly (twice, a guess, a negative) if its rule broke.
 */
const S = 'sess_A';
const T = 'sess_B';
const t0 = Date.parse('2026-12-06T10:00:00Z');
let n = 0;

function ev(over: Partial<ShelfEventInput> & { s?: number }): ShelfEventInput {
  const { s, ...rest } = over;
  return {
    event_id: `e${++n}`,
    device_id: 'shelf1',
    variant_id: 'var_X',
    kind: 'pick',
    quantity: 1,
    at: new Date(t0 + (s ?? 0) * 1_000),
    candidates: [{ session_id: S, confidence: 0.95 }],
    ...rest,
  };
}

const lineOf = (events: ShelfEventInput[], variant = 'var_X', session = S) => buildBasket(session, events).lines.find((l) => l.variant_id === variant);

describe('basket builder: counting', () => {
  it('charges confident picks of the session', () => {
    const b = buildBasket(S, [ev({ s: 0 }), ev({ s: 10, quantity: 2 }), ev({ s: 20, variant_id: 'var_Y' })]);
    expect(b.decision).toBe('charge');
    expect(b.chargeable).toEqual([
      { variant_id: 'var_X', quantity: 3 },
      { variant_id: 'var_Y', quantity: 1 },
    ]);
    expect(b.review_reasons).toEqual([]);
  });

  it('an empty session, or one whose picks were all put back, is empty', () => {
    expect(buildBasket(S, []).decision).toBe('empty');
    const b = buildBasket(S, [ev({ s: 0, quantity: 2 }), ev({ s: 30, kind: 'put_back', quantity: 2 })]);
    expect(b.decision).toBe('empty');
    expect(b.chargeable).toEqual([]);
    expect(b.lines[0]).toMatchObject({ variant_id: 'var_X', quantity: 0, uncertain: false });
  });

  it('a put-back cancels a pick, partly', () => {
    const b = buildBasket(S, [ev({ s: 0, quantity: 3 }), ev({ s: 5, kind: 'put_back', quantity: 1 })]);
    expect(b.chargeable).toEqual([{ variant_id: 'var_X', quantity: 2 }]);
  });

  it('the same events in any order give the same basket', () => {
    const events = [ev({ s: 0, quantity: 2 }), ev({ s: 1, kind: 'put_back' }), ev({ s: 3, variant_id: 'var_Y' }), ev({ s: 4 }), ev({ s: 9, kind: 'put_back' }), ev({ s: 12, variant_id: 'var_Z', candidates: [{ session_id: S, confidence: 0.5 }] })];
    const expected = buildBasket(S, events);
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 50; i++) {
      const shuffled = [...events];
      for (let j = shuffled.length - 1; j > 0; j--) {
        const k = next() % (j + 1);
        [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
      }
      expect(buildBasket(S, shuffled)).toEqual(expected);
    }
  });

  it('refuses a quantity that is not a positive integer', () => {
    expect(() => buildBasket(S, [ev({ quantity: 0 })])).toThrow(RangeError);
    expect(() => buildBasket(S, [ev({ quantity: 1.5 })])).toThrow(RangeError);
  });
});

describe('basket builder: duplicates', () => {
  it('a resend with the same event_id counts once', () => {
    const e = ev({ s: 0 });
    const b = buildBasket(S, [e, { ...e }, { ...e }]);
    expect(b.chargeable).toEqual([{ variant_id: 'var_X', quantity: 1 }]);
    expect(b.lines[0]!.evidence.map((x) => x.status)).toEqual(['counted', 'duplicate', 'duplicate']);
  });

  it('a sensor reporting one pick twice under two IDs within the window counts once, naming the one it repeats', () => {
    const first = ev({ s: 0 });
    const echo = ev({ s: 1.5 });
    const b = buildBasket(S, [echo, first]);
    expect(b.chargeable).toEqual([{ variant_id: 'var_X', quantity: 1 }]);
    expect(b.lines[0]!.evidence[1]).toMatchObject({ event_id: echo.event_id, status: 'near_duplicate', repeats: first.event_id });
    expect(b.decision).toBe('charge');
  });

  it('picks outside the window, on another device, of another quantity or kind are not near-duplicates', () => {
    const window_s = default_attribution.near_duplicate_window_ms / 1_000;
    expect(lineOf([ev({ s: 0 }), ev({ s: window_s + 0.001 })])!.quantity).toBe(2);
    expect(lineOf([ev({ s: 0 }), ev({ s: 0.5, device_id: 'shelf2' })])!.quantity).toBe(2);
    expect(lineOf([ev({ s: 0 }), ev({ s: 0.5, quantity: 2 })])!.quantity).toBe(3);
    expect(lineOf([ev({ s: 0, quantity: 2 }), ev({ s: 0.5, kind: 'put_back' })])!.quantity).toBe(1);
  });

  it('a near-duplicate put-back does not put back twice', () => {
    const b = buildBasket(S, [ev({ s: 0, quantity: 1 }), ev({ s: 0.5, quantity: 1, device_id: 'shelf2' }), ev({ s: 10, kind: 'put_back' }), ev({ s: 10.4, kind: 'put_back' })]);
    expect(b.chargeable).toEqual([{ variant_id: 'var_X', quantity: 1 }]);
    expect(b.decision).toBe('charge');
  });

  it('a chain of echoes is measured from the event kept, not from each echo', () => {
    // 0 s kept, 1.5 s echo of it, 3 s is 3 s after the kept one: a new pick.
    expect(lineOf([ev({ s: 0 }), ev({ s: 1.5 }), ev({ s: 3 })])!.quantity).toBe(2);
  });
});

describe('basket builder: never below zero', () => {
  it('a put-back with nothing picked is clamped at zero and sends the session to review', () => {
    const put = ev({ s: 0, kind: 'put_back' });
    const b = buildBasket(S, [put, ev({ s: 10, variant_id: 'var_Y' })]);
    const x = b.lines.find((l) => l.variant_id === 'var_X')!;
    expect(x).toMatchObject({ quantity: 0, uncertain: true, reasons: ['put_back_without_pick'] });
    expect(b.decision).toBe('review');
    expect(b.review_reasons).toEqual([{ variant_id: 'var_X', reason: 'put_back_without_pick', event_ids: [put.event_id] }]);
    expect(b.chargeable).toEqual([{ variant_id: 'var_Y', quantity: 1 }]);
  });

  it('a put-back before the pick in time does not cancel it: the order of time decides', () => {
    const b = buildBasket(S, [ev({ s: 10 }), ev({ s: 0, kind: 'put_back' })]);
    expect(b.lines[0]).toMatchObject({ quantity: 1, uncertain: true });
    expect(b.decision).toBe('review');
  });

  it('putting back more than was picked leaves zero, never a negative, and is uncertain', () => {
    const b = buildBasket(S, [ev({ s: 0, quantity: 1 }), ev({ s: 5, kind: 'put_back', quantity: 3 })]);
    expect(b.lines[0]).toMatchObject({ quantity: 0, uncertain: true, reasons: ['put_back_without_pick'] });
    expect(b.lines.every((l) => l.quantity >= 0)).toBe(true);
  });
});

describe('basket builder: attribution', () => {
  it('an event counts for the top candidate only, when it is confident and leads enough', () => {
    const e = ev({ candidates: [{ session_id: S, confidence: 0.9 }, { session_id: T, confidence: 0.3 }] });
    expect(buildBasket(S, [e]).chargeable).toEqual([{ variant_id: 'var_X', quantity: 1 }]);
    const forT = buildBasket(T, [e]);
    expect(forT.lines).toEqual([]);
    expect(forT.decision).toBe('empty');
  });

  it('a low confidence is not charged: the line is uncertain with its evidence', () => {
    const e = ev({ candidates: [{ session_id: S, confidence: default_attribution.confidence_min - 0.01 }] });
    const b = buildBasket(S, [e]);
    expect(b.decision).toBe('review');
    expect(b.chargeable).toEqual([]);
    expect(b.lines[0]).toMatchObject({ quantity: 0, uncertain: true, reasons: ['low_confidence'] });
    expect(b.lines[0]!.evidence[0]).toMatchObject({ event_id: e.event_id, status: 'uncertain', reason: 'low_confidence', confidence: default_attribution.confidence_min - 0.01 });
  });

  it('a confident top candidate without enough margin is ambiguous for both sessions', () => {
    const e = ev({ candidates: [{ session_id: S, confidence: 0.9 }, { session_id: T, confidence: 0.85 }] });
    for (const session of [S, T]) {
      const b = buildBasket(session, [e]);
      expect(b.decision).toBe('review');
      expect(b.lines[0]!.reasons).toEqual(['ambiguous_attribution']);
      expect(b.lines[0]!.evidence[0]).toMatchObject({ other_confidence: session === S ? 0.85 : 0.9 });
    }
    // Below the threshold as well as without the margin: low confidence.
    const low = ev({ candidates: [{ session_id: S, confidence: 0.6 }, { session_id: T, confidence: 0.55 }] });
    expect(buildBasket(T, [low]).lines[0]!.reasons).toEqual(['low_confidence']);
  });

  it('exactly at the threshold and the margin counts', () => {
    const { confidence_min, margin_min } = default_attribution;
    const e = ev({ candidates: [{ session_id: S, confidence: confidence_min }, { session_id: T, confidence: confidence_min - margin_min }] });
    expect(buildBasket(S, [e], { ...default_attribution }).decision).toBe('charge');
  });

  it('a session named twice by one event keeps its best confidence', () => {
    const e = ev({ candidates: [{ session_id: S, confidence: 0.5 }, { session_id: S, confidence: 0.97 }] });
    expect(buildBasket(S, [e]).chargeable).toEqual([{ variant_id: 'var_X', quantity: 1 }]);
  });

  it('stricter rules send to review what looser rules charge', () => {
    const e = ev({ candidates: [{ session_id: S, confidence: 0.85 }] });
    expect(buildBasket(S, [e], { ...default_attribution, confidence_min: 0.8 }).decision).toBe('charge');
    expect(buildBasket(S, [e], { ...default_attribution, confidence_min: 0.9 }).decision).toBe('review');
  });

  it('an uncertain pick and its confident put-back: the put-back has nothing to cancel', () => {
    const b = buildBasket(S, [ev({ s: 0, candidates: [{ session_id: S, confidence: 0.4 }] }), ev({ s: 20, kind: 'put_back' })]);
    expect(b.lines[0]).toMatchObject({ quantity: 0, uncertain: true, reasons: ['low_confidence', 'put_back_without_pick'] });
  });
});
