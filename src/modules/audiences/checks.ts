import type { AudienceTables } from './tables.js';
import roaring from 'roaring';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { InvariantCheck } from '../../kernel/module.js';
import { audienceRefs, leavesOf, type Rule } from './rules.js';

const { RoaringBitmap32 } = roaring;

async function rules(db: AnyDb): Promise<{ merchant_id: string; id: string; rule: Rule }[]> {
  return (await tablesOf<AudienceTables>(db).selectFrom('audience').select(['merchant_id', 'id', 'rule']).execute());
}

export const checks: readonly InvariantCheck[] = [
  {
    name: 'audiences.own_references',
    description: 'Every saved audience’s rule refers only to its own brand’s saved audiences and locations, and no audience refers back to itself',
    async run(db) {
      const all = await rules(db);
      const byBrand = new Map<string, Map<string, Rule>>();
      for (const a of all) byBrand.set(a.merchant_id, (byBrand.get(a.merchant_id) ?? new Map<string, Rule>()).set(a.id, a.rule));
      const locations = new Set(((await db.selectFrom('location').select(['merchant_id', 'id']).execute()) as { merchant_id: string; id: string }[]).map((l) => `${l.merchant_id}/${l.id}`));
      const violations: string[] = [];
      for (const a of all) {
        const own = byBrand.get(a.merchant_id)!;
        for (const ref of audienceRefs(a.rule)) if (!own.has(ref)) violations.push(`audience ${a.id} of ${a.merchant_id} refers to ${ref}, not an audience of its brand`);
        for (const leaf of leavesOf(a.rule)) if (leaf.kind === 'near' && !locations.has(`${a.merchant_id}/${leaf.location_id}`)) violations.push(`audience ${a.id} of ${a.merchant_id} is near ${leaf.location_id}, not a location of its brand`);
        // A cycle: following references from this audience leads back to it.
        const seen = new Set<string>();
        const stack = [...audienceRefs(a.rule)];
        while (stack.length > 0) {
          const next = stack.pop()!;
          if (next === a.id) {
            violations.push(`audience ${a.id} of ${a.merchant_id} refers back to itself`);
            break;
          }
          if (seen.has(next)) continue;
          seen.add(next);
          const rule = own.get(next);
          if (rule !== undefined) stack.push(...audienceRefs(rule));
        }
      }
      return violations;
    },
  },
  {
    name: 'audiences.membership_size',
    description: 'The recorded size of an audience’s last members, and of what each sync has told its destination, equals the members stored',
    async run(db) {
      const violations: string[] = [];
      const memberships = (await tablesOf<AudienceTables>(db).selectFrom('audience_membership').select(['merchant_id', 'audience_id', 'members', 'size']).execute()) as { merchant_id: string; audience_id: string; members: Buffer; size: number }[];
      for (const m of memberships) {
        const actual = RoaringBitmap32.deserialize(m.members, 'portable').size;
        if (actual !== m.size) violations.push(`audience ${m.audience_id} of ${m.merchant_id} records ${m.size} members but stores ${actual}`);
      }
      const syncs = (await tablesOf<AudienceTables>(db).selectFrom('audience_sync').select(['merchant_id', 'id', 'members', 'size']).execute()) as { merchant_id: string; id: string; members: Buffer | null; size: number }[];
      for (const s of syncs) {
        const actual = s.members === null ? 0 : RoaringBitmap32.deserialize(s.members, 'portable').size;
        if (actual !== s.size) violations.push(`sync ${s.id} of ${s.merchant_id} records ${s.size} members told but stores ${actual}`);
      }
      return violations;
    },
  },
];
