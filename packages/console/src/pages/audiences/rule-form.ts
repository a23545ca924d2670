import type { AudienceRule } from './api';

/**
 * The builder's editable tree: groups (and / or / not) of conditions whose fields are the text the
 * operator typed. `toRule` turns it into the rule language, leaving out conditions not filled in
 * yet, so the live size follows what is complete; `fromRule` reads a saved rule back.
 */
export type LeafKind = 'trait' | 'event' | 'stage' | 'purchase' | 'near' | 'consent';
export const leafKinds: readonly LeafKind[] = ['trait', 'event', 'stage', 'purchase', 'near', 'consent'];
export type GroupMode = 'and' | 'or' | 'not';

export type FormNode =
  | { id: number; type: 'group'; mode: GroupMode; children: FormNode[] }
  | { id: number; type: 'leaf'; kind: LeafKind; fields: Record<string, string> }
  /** A condition the builder does not edit (stage change, another audience): kept as it is. */
  | { id: number; type: 'raw'; rule: AudienceRule };

let nextId = 1;
export const newId = () => nextId++;

export const leafDefaults: Record<LeafKind, Record<string, string>> = {
  trait: { trait: '', op: 'eq', value: '' },
  event: { event: '', did: 'true', min_count: '1', within_days: '30' },
  stage: { stage: 'interested' },
  purchase: { recency_max: '', frequency_min: '', monetary_min: '' },
  near: { location_id: '', radius_km: '3', how: 'either', within_days: '90' },
  consent: { purpose: 'marketing', channel: '' },
};

export const newLeaf = (kind: LeafKind): FormNode => ({ id: newId(), type: 'leaf', kind, fields: { ...leafDefaults[kind] } });
export const newGroup = (mode: GroupMode = 'and'): FormNode => ({ id: newId(), type: 'group', mode, children: [] });

const int = (text: string | undefined): number | undefined => {
  if (text === undefined || text.trim() === '' || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
};
const num = (text: string | undefined): number | undefined => (text === undefined || text.trim() === '' || Number.isNaN(Number(text)) ? undefined : Number(text));
const scalar = (text: string): string | number => (/^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : text);

function leafRule(kind: LeafKind, f: Record<string, string>): AudienceRule | undefined {
  switch (kind) {
    case 'trait': {
      const trait = (f.trait ?? '').trim();
      if (trait === '') return undefined;
      const op = f.op ?? 'eq';
      if (op === 'exists') return { kind: 'trait', trait, op: 'exists' };
      const text = f.value ?? '';
      if (text.trim() === '') return undefined;
      if (op === 'in' || op === 'not_in') return { kind: 'trait', trait, op, value: text.split(',').map((v) => scalar(v.trim())).filter((v) => v !== '') };
      if (['gt', 'gte', 'lt', 'lte'].includes(op)) return num(text) === undefined ? undefined : ({ kind: 'trait', trait, op, value: num(text) } as AudienceRule);
      return { kind: 'trait', trait, op, value: scalar(text) } as AudienceRule;
    }
    case 'event': {
      const event = (f.event ?? '').trim();
      const within_days = int(f.within_days);
      if (event === '' || within_days === undefined || within_days < 1) return undefined;
      return { kind: 'event', event, did: f.did !== 'false', min_count: Math.max(1, int(f.min_count) ?? 1), within_days, where: [] };
    }
    case 'stage':
      return { kind: 'stage', stages: [(f.stage ?? 'interested') as 'interested'] };
    case 'purchase': {
      const recency = int(f.recency_max);
      const frequency = int(f.frequency_min);
      const monetary = int(f.monetary_min);
      if (recency === undefined && frequency === undefined && monetary === undefined) return undefined;
      return {
        kind: 'purchase',
        ...(recency === undefined ? {} : { recency_days: { max: recency } }),
        ...(frequency === undefined ? {} : { frequency: { min: frequency } }),
        ...(monetary === undefined ? {} : { monetary_minor: { min: monetary } }),
      };
    }
    case 'near': {
      const radius_km = num(f.radius_km);
      if ((f.location_id ?? '') === '' || radius_km === undefined || radius_km <= 0) return undefined;
      return { kind: 'near', location_id: f.location_id, radius_km, how: f.how ?? 'either', within_days: int(f.within_days) ?? 90 } as AudienceRule;
    }
    case 'consent':
      return { kind: 'consent', purpose: f.purpose ?? 'marketing', ...((f.channel ?? '') === '' ? {} : { channel: f.channel }) } as AudienceRule;
  }
}

/** The rule the tree says so far; undefined when nothing is filled in. */
export function toRule(node: FormNode): AudienceRule | undefined {
  if (node.type === 'raw') return node.rule;
  if (node.type === 'leaf') return leafRule(node.kind, node.fields);
  const rules = node.children.map(toRule).filter((r): r is AudienceRule => r !== undefined);
  if (rules.length === 0) return undefined;
  const inner: AudienceRule = rules.length === 1 && node.mode !== 'or' ? rules[0]! : ({ kind: node.mode === 'or' ? 'or' : 'and', rules } as AudienceRule);
  return node.mode === 'not' ? ({ kind: 'not', rule: inner } as AudienceRule) : inner;
}

type AnyRule = { kind: string } & Record<string, unknown>;

/** A saved rule as the builder's tree (the root is always a group). */
export function fromRule(rule: AudienceRule): FormNode {
  const r = rule as unknown as AnyRule;
  const node = fromAny(r);
  return node.type === 'group' ? node : { id: newId(), type: 'group', mode: 'and', children: [node] };
}

function fromAny(r: AnyRule): FormNode {
  const s = (v: unknown): string => {
    if (v === undefined || v === null) return '';
    if (Array.isArray(v)) return v.map((x) => s(x)).join(', ');
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  };
  switch (r.kind) {
    case 'and':
    case 'or':
      return { id: newId(), type: 'group', mode: r.kind, children: (r.rules as AnyRule[]).map(fromAny) };
    case 'not': {
      const inner = r.rule as AnyRule;
      return { id: newId(), type: 'group', mode: 'not', children: inner.kind === 'and' ? (inner.rules as AnyRule[]).map(fromAny) : [fromAny(inner)] };
    }
    case 'trait':
      return { id: newId(), type: 'leaf', kind: 'trait', fields: { trait: s(r.trait), op: s(r.op), value: s(r.value) } };
    case 'event':
      if (Array.isArray(r.where) && r.where.length > 0) break;
      return { id: newId(), type: 'leaf', kind: 'event', fields: { event: s(r.event), did: s(r.did ?? true), min_count: s(r.min_count ?? 1), within_days: s(r.within_days) } };
    case 'stage':
      if (Array.isArray(r.stages) && r.stages.length === 1) return { id: newId(), type: 'leaf', kind: 'stage', fields: { stage: s(r.stages[0]) } };
      break;
    case 'purchase': {
      const range = (v: unknown) => (v ?? {}) as { min?: number; max?: number };
      if (range(r.recency_days).min !== undefined || range(r.frequency).max !== undefined || range(r.monetary_minor).max !== undefined) break;
      return { id: newId(), type: 'leaf', kind: 'purchase', fields: { recency_max: s(range(r.recency_days).max), frequency_min: s(range(r.frequency).min), monetary_min: s(range(r.monetary_minor).min) } };
    }
    case 'near':
      return { id: newId(), type: 'leaf', kind: 'near', fields: { location_id: s(r.location_id), radius_km: s(r.radius_km), how: s(r.how ?? 'either'), within_days: s(r.within_days ?? 90) } };
    case 'consent':
      return { id: newId(), type: 'leaf', kind: 'consent', fields: { purpose: s(r.purpose), channel: s(r.channel) } };
  }
  return { id: newId(), type: 'raw', rule: r as unknown as AudienceRule };
}

/** The tree with `id`'s node replaced by `change(node)` (undefined removes it). */
export function updateNode(root: FormNode, id: number, change: (node: FormNode) => FormNode | undefined): FormNode {
  if (root.id === id) return change(root) ?? root;
  if (root.type !== 'group') return root;
  const children: FormNode[] = [];
  for (const child of root.children) {
    if (child.id === id) {
      const next = change(child);
      if (next !== undefined) children.push(next);
    } else children.push(updateNode(child, id, change));
  }
  return { ...root, children };
}
