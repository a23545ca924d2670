import { sql } from 'kysely';
import { loadConfig } from '../../kernel/config.js';
import type { InvariantCheck } from '../../kernel/module.js';
import { openStorage } from '../../kernel/storage/index.js';

/** Merchants whose stored files one run looks at, and violations it names: a check stays quick. */
const merchants_max = 1_000;
const violations_max = 100;

export const checks: readonly InvariantCheck[] = [
  {
    name: 'catalog.image_files',
    description: 'every product image has its files in storage, and no stored product file is left without its image',
    async run(db, config) {
      const storage = openStorage(config ?? loadConfig({}));
      const rows = await sql<{ merchant_id: string; id: string; storage_key: string; thumbnail_key: string }>`
        select merchant_id, id, storage_key, thumbnail_key from product_image
        where merchant_id in (select distinct merchant_id from product order by merchant_id limit ${merchants_max})`.execute(db);
      const expected = new Map<string, string>();
      for (const r of rows.rows) {
        expected.set(r.storage_key, r.id);
        expected.set(r.thumbnail_key, r.id);
      }
      const merchants = await sql<{ id: string }>`select distinct merchant_id as id from product order by merchant_id limit ${merchants_max}`.execute(db);
      const violations: string[] = [];
      const seen = new Set<string>();
      // Only this database's merchants' folders: several platforms may share one bucket or folder.
      for (const { id } of merchants.rows) {
        for await (const key of storage.list(`products/${id}/`)) {
          seen.add(key);
          if (!expected.has(key) && violations.length < violations_max) violations.push(`stored file ${key} belongs to no product image (an orphan: delete it)`);
        }
      }
      for (const [key, image_id] of expected) {
        if (!seen.has(key) && violations.length < violations_max) violations.push(`image ${image_id} has no stored file ${key}`);
      }
      return violations;
    },
  },
];
