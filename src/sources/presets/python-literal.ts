/**
 * A parser for the Python literals some dataset manifests store in CSV cells (Panda-70M writes
 * lists with Python's repr): strings in either quote style with escapes (and u/r prefixes),
 * ints, floats, lists, tuples, None, True and False. It only parses: any name other than those
 * three constants, any call, operator or attribute is a parse error, never something to run.
 */

export type PyValue = string | number | boolean | null | PyValue[];

export class PythonLiteralError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'PythonLiteralError';
  }
}

const MAX_DEPTH = 64;
const NUMBER = /[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const CONSTANTS: Record<string, PyValue> = { None: null, True: true, False: false };
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseAll(): PyValue {
    const value = this.value(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private fail(message: string): never {
    throw new PythonLiteralError(message, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  private value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.sequence(')', depth);
    if (c === '-' || c === '+') {
      this.pos++;
      this.skipSpace();
      const n = this.number();
      return c === '-' ? -n : n;
    }
    if (c === "'" || c === '"') return this.string(false);
    if (/[0-9.]/.test(c)) return this.number();
    NAME.lastIndex = this.pos;
    const name = NAME.exec(this.text)?.[0];
    if (name === undefined) this.fail(`unexpected character ${JSON.stringify(c)}`);
    const next = this.text[this.pos + name.length];
    if (/^[uUrR]$/.test(name) && (next === "'" || next === '"')) {
      this.pos++;
      return this.string(name === 'r' || name === 'R');
    }
    if (!(name in CONSTANTS)) this.fail(`name "${name}" is not a literal`);
    this.pos += name.length;
    return CONSTANTS[name]!;
  }

  /** A list or a tuple (both become arrays); `(x)` without a comma is just x, as in Python. */
  private sequence(close: ']' | ')', depth: number): PyValue {
    this.pos++;
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.text[this.pos] !== close) this.fail(`expected "," or "${close}"`);
    }
    this.pos++;
    if (close === ')' && items.length === 1 && !sawComma) return items[0]!;
    return items;
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    NAME.lastIndex = this.pos;
    if (NAME.test(this.text)) this.fail('malformed number');
    return Number(m[0].replaceAll('_', ''));
  }

  private string(raw: boolean): string {
    const quote = this.text[this.pos]!;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos];
      if (e === undefined) this.fail('unterminated string');
      this.pos++;
      if (raw) out += `\\${e}`;
      else out += this.escape(e);
    }
  }

  /** The character(s) an escape stands for; `e` is the character after the backslash. */
  private escape(e: string): string {
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e]!;
    if (/[0-7]/.test(e)) {
      const digits = /^[0-7]{0,2}/.exec(this.text.slice(this.pos))![0];
      this.pos += digits.length;
      return String.fromCodePoint(parseInt(e + digits, 8));
    }
    const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLength) {
      const hex = this.text.slice(this.pos, this.pos + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) this.fail(`bad \\${e} escape`);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) this.fail('escape beyond Unicode');
      this.pos += hexLength;
      return String.fromCodePoint(code);
    }
    if (e === 'N') this.fail('\\N{...} escapes are not supported');
    return `\\${e}`; // Python keeps unknown escapes as written
  }
}

/** Parses one Python literal; throws PythonLiteralError on anything else. */
export function parsePythonLiteral(text: string): PyValue {
  return new Parser(text).parseAll();
}
