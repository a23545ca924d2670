import { bos, unwrap, type Schemas } from '../../api';
import { localTitle } from '../../format';

/** The stock page's reads: levels (with their variants' names), locations, and every variant. */
export type Location = Schemas['Location'];
export type StockLevel = Schemas['StockLevel'];
export type StockMovement = Schemas['StockMovement'];
/** GET /v1/stock names each level's variant: its SKU, product, display title and the product's title in other languages. */
export type StockRow = StockLevel & { sku: string | null; product_id: string | null; title: string | null; product_title?: string | null; variant_title?: string | null; title_i18n?: Record<string, string> };
export type StockMatrix = Schemas['StockMatrix'];
export type MatrixRow = Schemas['StockMatrixRow'];
export type MatrixCell = Schemas['StockMatrixCell'];
export type MatrixLocation = Schemas['StockMatrixLocation'];
export type MatrixStatus = 'attention' | 'low' | 'out';
interface MatrixQuery {
  limit: number;
  q?: string;
  status?: MatrixStatus;
  variant_id?: string;
  cursor?: string;
}

export async function fetchMatrix(query: MatrixQuery): Promise<StockMatrix> {
  return unwrap(bos.GET('/v1/stock/matrix', { params: { query } }));
}
export interface StockPage {
  data: StockRow[];
  next_cursor: string | null;
}
interface StockQuery {
  limit: number;
  variant_id?: string;
  location_id?: string;
  /** the `next_cursor` of the previous page */
  cursor?: string;
}

export async function fetchStock(query: StockQuery): Promise<StockPage> {
  return unwrap(bos.GET('/v1/stock', { params: { query } }));
}

/** One level, read on its own (the level panel and the dialogs share it, so both see changes). */
export function levelQuery(variant_id: string, location_id: string, goneMessage: string) {
  return {
    queryKey: ['stock', 'level', variant_id, location_id],
    queryFn: async (): Promise<StockRow> => {
      const level = (await fetchStock({ limit: 1, variant_id, location_id })).data[0];
      if (level === undefined) throw new Error(goneMessage);
      return level;
    },
  };
}

export const levelKey = (l: { variant_id: string; location_id: string }) => `${l.variant_id}|${l.location_id}`;

/** The merchant's locations, all pages of them (a merchant has tens, not thousands). */
export async function fetchAllLocations(): Promise<Location[]> {
  const all: Location[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(bos.GET('/v1/locations', { params: { query: { limit: 100, ...(cursor === undefined ? {} : { cursor }) } } }));
    all.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && all.length < 2_000);
  return all;
}

export const locationsQuery = { queryKey: ['locations', 'all'], queryFn: fetchAllLocations, staleTime: 60_000 };

export interface VariantChoice {
  id: string;
  sku: string;
  label: string;
}

/** Every variant of every product, for choosing what was received; products of any status, named in the reader's language. */
export async function fetchAllVariants(language: string): Promise<VariantChoice[]> {
  const out: VariantChoice[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(bos.GET('/v1/products', { params: { query: { limit: 100, ...(cursor === undefined ? {} : { cursor }) } } }));
    for (const p of page.data) {
      const title = localTitle(p, language);
      for (const v of p.variants) out.push({ id: v.id, sku: v.sku, label: p.variants.length > 1 && v.title !== p.title ? `${title} · ${v.title}` : title });
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && out.length < 5_000);
  return out.sort((a, b) => a.label.localeCompare(b.label, language) || a.sku.localeCompare(b.sku));
}

export const variantsQuery = (language: string) => ({ queryKey: ['products', 'all-variants', language], queryFn: () => fetchAllVariants(language), staleTime: 30_000 });
