import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { pinyin } from 'pinyin-pro';

/**
 * Text analysis shared by the index and the queries. Text is split into runs of Chinese
 * characters and runs of anything else. Chinese runs are segmented by jieba (search mode: a long
 * word and the words inside it, 西湖龙井 → 西湖, 龙井), and each Chinese word's toneless pinyin
 * (龙井 → longjing) is kept for homophone typos. Latin words are lowercased here; PostgreSQL's
 * `english` configuration stems them (teas → tea) in the index and in queries alike.
 */
let jieba: Jieba | undefined;
function segmenter(): Jieba {
  // Loading the dictionary takes ~0.2 s; done once per process, on first use.
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

const han = /\p{Script=Han}+/gu;
const hanOnly = /^\p{Script=Han}+$/u;
const latinWord = /[\p{L}\p{N}]+/gu;

export const isHan = (s: string) => hanOnly.test(s);

export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Runs of Chinese characters and runs of other text, in order. */
export function runs(text: string): { han: boolean; text: string }[] {
  const out: { han: boolean; text: string }[] = [];
  let at = 0;
  for (const m of normalise(text).matchAll(han)) {
    if (m.index > at) out.push({ han: false, text: normalise(text).slice(at, m.index) });
    out.push({ han: true, text: m[0] });
    at = m.index + m[0].length;
  }
  const rest = normalise(text).slice(at);
  if (rest.trim() !== '') out.push({ han: false, text: rest });
  return out;
}

export function latinWords(text: string): string[] {
  return [...normalise(text).matchAll(latinWord)].map((m) => m[0]).filter((w) => !isHan(w) && w.length <= 40);
}

/** Index mode: every word jieba's dictionary finds, long ones and the words inside them. */
export function segmentForIndex(run: string): string[] {
  return [...new Set(segmenter().cutForSearch(run, false).filter((w) => w.trim() !== ''))];
}

/**
 * Names jieba's dictionary lacks, found by its HMM (凤凰单丛 → 单丛, 太平猴魁 → 猴魁, which the
 * dictionary splits into single characters): indexed as words too, so their pinyin lets a
 * homophone typo (单从, 猴葵) be corrected to them.
 */
export function namesForIndex(run: string, words: ReadonlySet<string>): string[] {
  return [...new Set(segmenter().cutForSearch(run, true))].filter((w) => w.trim() !== '' && [...w].length >= 2 && !words.has(w));
}

/** Query mode: the most likely segmentation, one word per place. */
export function segmentQuery(run: string): string[] {
  return segmenter().cut(run, false).filter((w) => w.trim() !== '');
}

/** Toneless pinyin syllables of Chinese text, one per character. */
export function syllables(word: string): string[] {
  return pinyin(word, { toneType: 'none', type: 'array', v: true }).map((s) => s.toLowerCase());
}

export const pinyinOf = (word: string) => syllables(word).join('');

export interface Analysed {
  /** Latin words, lowercased (stemmed later by PostgreSQL). */
  latin: string[];
  /** Chinese words from segmentation (index mode). */
  words: string[];
  /** Single Chinese characters of those words, so a one-character query (茶) still matches. */
  chars: string[];
  /** Pinyin of each Chinese word of two characters or more, with the word. */
  pinyin: { term: string; word: string }[];
  /**
   * Pinyin of the names only jieba's HMM finds (`namesForIndex`), with the name (also in `words`):
   * kept apart in the vocabulary (`pinyin_name`) so that they correct Chinese homophone typos but
   * never a Latin word (an HMM guess such as 茶礼 `chali` must not turn "chai" into it).
   */
  names: { term: string; word: string }[];
}

export function analyse(text: string): Analysed {
  const latin: string[] = [];
  const words = new Set<string>();
  const chars = new Set<string>();
  const names = new Set<string>();
  for (const run of runs(text)) {
    if (!run.han) {
      latin.push(...latinWords(run.text));
      continue;
    }
    const found = segmentForIndex(run.text);
    for (const w of found) {
      words.add(w);
      for (const c of w) chars.add(c);
    }
    for (const n of namesForIndex(run.text, new Set(found))) names.add(n);
  }
  for (const n of names) if (words.has(n)) names.delete(n);
  const pinyinOfWords = (list: Iterable<string>) => [...list].filter((w) => [...w].length >= 2).map((word) => ({ term: pinyinOf(word), word })).filter((p) => /^[a-z]+$/.test(p.term));
  const pinyinTerms = pinyinOfWords(words);
  const nameTerms = pinyinOfWords(names);
  return { latin, words: [...words, ...names], chars: [...chars].filter((c) => !words.has(c)), pinyin: [...pinyinTerms, ...nameTerms], names: nameTerms };
}

/** Edit distance with adjacent transpositions (optimal string alignment): oolnog → oolong is 1. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return Math.min(d[a.length]![b.length]!, max + 1);
}

/** Typos tolerated in a Latin word: none up to 3 letters, 1 up to 7, 2 from 8. */
export function editsAllowed(word: string): number {
  return word.length <= 3 ? 0 : word.length <= 7 ? 1 : 2;
}

/** Common English words that carry no meaning in a product search. */
export const stopWords = new Set(['a', 'an', 'and', 'the', 'of', 'for', 'with', 'in', 'on', 'to', 'or', 'by', 'at', 'from']);
