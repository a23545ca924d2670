import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/kernel/config.js';
import { isId, newId } from '../src/kernel/ids.js';
import { addMoney, applyBasisPoints, amountMinorSchema, CurrencyMismatchError, isCurrency, minorUnitDigits, money, toJsonAmount } from '../src/kernel/money.js';

describe('configuration', () => {
  it('uses documented defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.dataDir.endsWith('.openbos')).toBe(true);
  });

  it('stops with a message naming the variable and what it allows', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT="eighty"/);
      expect(problems).toMatch(/LOG_LEVEL="loud".*fatal/);
      expect(problems).toMatch(/DATABASE_URL="mysql:\/\/x".*postgres/);
    }
  });

  it('refuses a port out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
  });
});

describe('IDs', () => {
  it('are prefixed and sort by creation time', () => {
    const ids = Array.from({ length: 1_000 }, () => newId('ord'));
    expect(ids.every((id) => isId('ord', id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuse a bad prefix', () => {
    expect(() => newId('Order')).toThrow();
  });
});

describe('money', () => {
  it('knows ISO 4217 currencies and their minor units', () => {
    expect(isCurrency('CNY')).toBe(true);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('cny')).toBe(false);
    // Codes in ISO 4217 that are not money a shop prices in; real X-currencies stay.
    for (const code of ['XTS', 'XAU', 'XAG', 'XXX', 'XDR']) expect(isCurrency(code), code).toBe(false);
    for (const code of ['XAF', 'XOF', 'XCD', 'XPF']) expect(isCurrency(code), code).toBe(true);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('BHD')).toBe(3);
  });

  it('never adds different currencies', () => {
    expect(() => addMoney(money(100, 'EUR'), money(100, 'USD'))).toThrow(CurrencyMismatchError);
    expect(addMoney(money(100, 'EUR'), money(250, 'EUR')).amount_minor).toBe(350n);
  });

  it('rejects fractional and unsafe amounts in JSON input', () => {
    expect(amountMinorSchema.safeParse(10.5).success).toBe(false);
    expect(amountMinorSchema.safeParse(2 ** 53).success).toBe(false);
    expect(amountMinorSchema.safeParse(1999).success).toBe(true);
    expect(() => money(0.1, 'EUR')).toThrow(RangeError);
    expect(() => toJsonAmount(2n ** 60n)).toThrow(RangeError);
  });

  it('computes a commission in basis points with banker’s rounding', () => {
    expect(applyBasisPoints(money(1_000, 'CNY'), 250n).amount_minor).toBe(25n);
    expect(applyBasisPoints(money(50, 'CNY'), 1_000n).amount_minor).toBe(5n);
    expect(applyBasisPoints(money(25, 'CNY'), 2_000n).amount_minor).toBe(5n);
    // 0.5 rounds to the even neighbour: 12.5 -> 12, 13.5 -> 14.
    expect(applyBasisPoints(money(125, 'CNY'), 1_000n).amount_minor).toBe(12n);
    expect(applyBasisPoints(money(135, 'CNY'), 1_000n).amount_minor).toBe(14n);
    expect(applyBasisPoints(money(2n ** 62n, 'CNY'), 10_000n).amount_minor).toBe(2n ** 62n);
  });
});
