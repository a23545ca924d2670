/**
 * The merchant's decisions on the plan's suggestions. Approving a transfer moves the stock now,
 * every line in one transaction (all or nothing); approving a purchase order creates it,
 * `approved`. Quantities may be edited on approval: 0 drops a line, lines not named keep what
 * the plan suggested.
 */
import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { applyStockChanges, lockStock, type StockChange } from '../inventory/index.js';
import { suggestionApproved, suggestionRejected } from './events.js';
import { createPurchaseOrder } from './purchase-orders.js';
import type { ReplenishmentTables, SuggestionKind, SuggestionLine, SuggestionStatus, SuggestionTable } from './tables.js';

export type Suggestion = Selectable<SuggestionTable>;

const t = (db: AnyDb) => tablesOf<ReplenishmentTables>(db);

export async function getSuggestion(db: AnyDb, merchant_id: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Suggestion | undefined> {
  let query = t(db).selectFrom('replenishment_suggestion').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id);
  if (options.forUpdate === true) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Newest first. */
export async function listSuggestions(db: AnyDb, merchant_id: string, filter: { status?: SuggestionStatus | undefined; kind?: SuggestionKind | undefined; before_id?: string | undefined; limit: number }): Promise<Suggestion[]> {
  let query = t(db).selectFrom('replenishment_suggestion').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

function eventOf(s: Suggestion) {
  return { suggestion_id: s.id, kind: s.kind, supplier_id: s.supplier_id, from_location_id: s.from_location_id, to_location_id: s.to_location_id, lines: s.lines.length, units: s.lines.reduce((sum, l) => sum + l.quantity, 0) };
}

async function openSuggestion(db: AnyDb, merchant_id: string, id: string): Promise<Suggestion> {
  const suggestion = await getSuggestion(db, merchant_id, id, { forUpdate: true });
  if (suggestion === undefined) throw problems.notFound('The suggestion');
  if (suggestion.status !== 'open') throw problems.conflict('suggestion_decided', `Suggestion ${id} is ${suggestion.status}, no longer open`);
  return suggestion;
}

/** The suggestion's lines with the edits applied; 0 drops a line. */
function editedLines(suggestion: Suggestion, edits: readonly { variant_id: string; quantity: number }[]): SuggestionLine[] {
  const edited = new Map<string, number>();
  for (const e of edits) {
    if (!suggestion.lines.some((l) => l.variant_id === e.variant_id)) throw problems.unprocessable('not_on_suggestion', `Suggestion ${suggestion.id} has no line for ${e.variant_id}`);
    if (!(Number.isInteger(e.quantity) && e.quantity >= 0)) throw problems.validation([{ field: 'lines', location: 'body', message: 'quantities are whole numbers, 0 or more' }]);
    edited.set(e.variant_id, e.quantity);
  }
  const lines = suggestion.lines.map((l) => ({ ...l, quantity: edited.get(l.variant_id) ?? l.quantity })).filter((l) => l.quantity > 0);
  if (lines.length === 0) throw problems.unprocessable('nothing_approved', 'Every line was set to 0: reject the suggestion instead');
  return lines;
}

export async function approveSuggestion(db: AnyDb, merchant_id: string, id: string, edits: readonly { variant_id: string; quantity: number }[] = []): Promise<Suggestion> {
  return inTransaction(db, async (trx) => {
    const suggestion = await openSuggestion(trx, merchant_id, id);
    const lines = editedLines(suggestion, edits);
    let purchase_order_id: string | null = null;
    const transfer_ids: string[] = [];
    if (suggestion.kind === 'transfer') {
      const from = suggestion.from_location_id!;
      // Every line's source is locked first, so the check and the move see the same stock.
      const levels = await lockStock(trx, lines.map((l) => ({ merchant_id, variant_id: l.variant_id })));
      const changes: StockChange[] = [];
      for (const line of lines) {
        const source = levels.find((l) => l.variant_id === line.variant_id && l.location_id === from);
        if (source === undefined || source.available < BigInt(line.quantity)) throw problems.conflict('insufficient_stock', `Only ${source?.available ?? 0n} units of ${line.variant_id} are available to transfer at ${from}`);
        const transfer_id = newId('trf');
        transfer_ids.push(transfer_id);
        const q = BigInt(line.quantity);
        changes.push(
          { merchant_id, variant_id: line.variant_id, location_id: from, reason: 'transfer_out', on_hand_delta: -q, reserved_delta: 0n, reference: transfer_id, note: `suggestion ${id}` },
          { merchant_id, variant_id: line.variant_id, location_id: suggestion.to_location_id, reason: 'transfer_in', on_hand_delta: q, reserved_delta: 0n, reference: transfer_id, note: `suggestion ${id}` },
        );
      }
      await applyStockChanges(trx, changes);
    } else {
      const order = await createPurchaseOrder(trx, merchant_id, { supplier_id: suggestion.supplier_id!, location_id: suggestion.to_location_id, lines: lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity })), suggestion_id: id });
      purchase_order_id = order.id;
    }
    const approved = await t(trx)
      .updateTable('replenishment_suggestion')
      .set({ status: 'approved', lines: JSON.stringify(lines), purchase_order_id, transfer_ids, decided_at: sql`now()`, updated_at: sql`now()` })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, suggestionApproved, merchant_id, { ...eventOf(approved), purchase_order_id, transfer_ids });
    return approved;
  });
}

export async function rejectSuggestion(db: AnyDb, merchant_id: string, id: string, reason: string | undefined): Promise<Suggestion> {
  return inTransaction(db, async (trx) => {
    await openSuggestion(trx, merchant_id, id);
    const rejected = await t(trx)
      .updateTable('replenishment_suggestion')
      .set({ status: 'rejected', reason: reason ?? null, decided_at: sql`now()`, updated_at: sql`now()` })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, suggestionRejected, merchant_id, { ...eventOf(rejected), reason: rejected.reason });
    return rejected;
  });
}
