import type { Generated } from 'kysely';

export type LocationKind = 'warehouse' | 'store';

export interface Address {
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  postal_code?: string | undefined;
  country: string;
}

/** Opening hours per ISO weekday (1 = Monday), as local `HH:MM` intervals. */
export type OpeningHours = Partial<Record<'1' | '2' | '3' | '4' | '5' | '6' | '7', { opens: string; closes: string }[]>>;

export interface LocationTable {
  merchant_id: string;
  id: string;
  kind: LocationKind;
  code: string;
  name: string;
  address: Address;
  latitude: number;
  longitude: number;
  timezone: string;
  opening_hours: OpeningHours;
  active: boolean;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface LocationTables {
  location: LocationTable;
}
