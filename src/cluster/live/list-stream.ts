// A list answer ({"kind":…,"metadata":{…},"items":[{…},{…},…]}) parsed as it streams in, one
// item at a time. JSON.parse of a whole page makes the page's 500 items exist at once — about a
// megabyte of objects that outlive a young-generation GC and are promoted, then die: the larger
// part of the view's peak memory while syncing 150,000 objects. Here each item is parsed alone
// and is garbage as soon as the cache has taken what it keeps; neither the page's text nor its
// objects exist whole.
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// The items array is the value of the top-level "items" key: the envelope text just before its
// '[' ends with that key (the envelope holds everything but the items).
const ITEMS_KEY = /"items"\s*:\s*$/;

const nextBackslash = (chunk: string, from: number): number => {
  const at = chunk.indexOf('\\', from);
  return at < 0 ? Infinity : at;
};

/** Where the text being read goes: the envelope, the current item, or nowhere (between items). */
type Mode = 'envelope' | 'item' | 'between';

export class ListStreamParser {
  readonly #onItem: (item: unknown) => void;
  /** Everything outside the items: parsed at the end for metadata (resourceVersion, continue). */
  #envelope = '';
  /** The current item's text from earlier chunks. */
  #carry = '';
  #mode: Mode = 'envelope';
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Depth of the items array (its items open one deeper), 0 before it is found. */
  #itemsDepth = 0;

  constructor(onItem: (item: unknown) => void) {
    this.#onItem = onItem;
  }

  /** Feeds the next chunk of text; calls onItem for each item it completes. */
  write(chunk: string): void {
    let start = 0;
    let index = 0;
    // Most of a list is string contents: jump from quote to quote instead of reading every character.
    let backslash = -1;
    while (index < chunk.length) {
      if (this.#inString) {
        if (this.#escaped) {
          this.#escaped = false;
          index += 1;
          continue;
        }
        const quote = chunk.indexOf('"', index);
        if (backslash < index) backslash = nextBackslash(chunk, index);
        const end = quote < 0 ? chunk.length : quote;
        if (backslash < end) {
          this.#escaped = true;
          index = backslash + 1;
        } else {
          this.#inString = quote < 0;
          index = end + 1;
        }
        continue;
      }
      const code = chunk.charCodeAt(index);
      if (code === QUOTE) this.#inString = true;
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) start = this.#open(chunk, start, index, code);
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) start = this.#close(chunk, start, index);
      index += 1;
    }
    this.#keep(chunk.slice(start));
  }

  /** The list without its items (already handed out), e.g. { metadata: { continue } }. */
  end(): unknown {
    if (this.#mode !== 'envelope' || this.#depth !== 0) throw new Error('list: the answer ended in the middle of an object');
    return JSON.parse(this.#envelope);
  }

  #keep(text: string): void {
    if (this.#mode === 'item') this.#carry += text;
    else if (this.#mode === 'envelope') this.#envelope += text;
  }

  /** Returns where the text not yet kept starts. */
  #open(chunk: string, start: number, index: number, code: number): number {
    this.#depth += 1;
    if (this.#mode === 'between') {
      this.#mode = 'item';
      return index;
    }
    if (
      this.#mode === 'envelope' &&
      code === OPEN_BRACKET &&
      this.#depth === 2 &&
      this.#itemsDepth === 0 &&
      ITEMS_KEY.test(this.#envelope + chunk.slice(start, index))
    ) {
      // The envelope keeps "[": the items, and the commas between them, go elsewhere.
      this.#keep(chunk.slice(start, index + 1));
      this.#itemsDepth = this.#depth;
      this.#mode = 'between';
      return index + 1;
    }
    return start;
  }

  #close(chunk: string, start: number, index: number): number {
    this.#depth -= 1;
    if (this.#mode === 'item' && this.#depth === this.#itemsDepth) {
      const text = this.#carry + chunk.slice(start, index + 1);
      this.#carry = '';
      this.#mode = 'between';
      this.#onItem(JSON.parse(text));
      return index + 1;
    }
    if (this.#mode === 'between' && this.#depth === this.#itemsDepth - 1) {
      // The items array closes: "]" and what follows belong to the envelope again.
      this.#mode = 'envelope';
      return index;
    }
    return start;
  }
}
