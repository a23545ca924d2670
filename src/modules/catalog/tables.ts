import type { Generated } from 'kysely';

export type ProductStatus = 'draft' | 'published' | 'archived';
/** An archived variant is no longer sold; its orders, stock and journal stay. */
export type VariantStatus = 'active' | 'archived';

export interface CategoryTable {
  merchant_id: string;
  id: string;
  name: string;
  parent_id: string | null;
  created_at: Generated<Date>;
}

export interface ProductOption {
  name: string;
  values: string[];
}

export interface ProductTable {
  merchant_id: string;
  id: string;
  title: string;
  /** The title in other languages, by BCP 47 tag: `{ "zh-CN": "西湖龙井" }`. */
  title_i18n: Record<string, string>;
  description: string | null;
  status: ProductStatus;
  category_id: string | null;
  attributes: Record<string, string | number | boolean>;
  images: string[];
  options: ProductOption[];
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface VariantTable {
  merchant_id: string;
  id: string;
  product_id: string;
  sku: string;
  barcode: string | null;
  title: string;
  weight_g: number | null;
  option_values: Record<string, string>;
  min_order_quantity: number;
  status: Generated<VariantStatus>;
  created_at: Generated<Date>;
}

export interface PriceTable {
  merchant_id: string;
  variant_id: string;
  currency: string;
  /** The tier starts at this quantity; 1 is the base price. */
  min_quantity: number;
  amount_minor: bigint;
}

export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ProductImageTable {
  merchant_id: string;
  id: string;
  product_id: string;
  /** 0 is the product's main image, shown as its thumbnail in lists. */
  position: number;
  /** Random part of the image's URLs. */
  token: string;
  content_type: ImageContentType;
  size_bytes: number;
  width: number;
  height: number;
  storage_key: string;
  thumbnail_key: string;
  created_at: Generated<Date>;
}

export interface CatalogTables {
  category: CategoryTable;
  product_image: ProductImageTable;
  product: ProductTable;
  variant: VariantTable;
  price: PriceTable;
}
