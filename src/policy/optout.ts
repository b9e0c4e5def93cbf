/**
 * Opt-outs that apply to every run, whatever its declared use: the `X-Robots-Tag` response
 * header, and user-supplied opt-out lists (domains, URL prefixes, glob patterns, source ids).
 *
 * X-Robots-Tag: a value is a comma-separated list of directives, optionally scoped by a leading
 * `<agent>:`; the scope lasts until the next scoped directive. Unscoped directives and those
 * scoped to our user-agent token apply; those scoped to another agent do not (as img2dataset
 * reads them). The directives that refuse a source are configurable; by default they are `noai`,
 * `noimageai` (a video is a sequence of images), and also `noindex`, `noimageindex` and `none`
 * (= noindex, nofollow): a publisher who keeps a file out of even a search index has not agreed to
 * its copying into a dataset, and img2dataset refuses them by default too. `nofollow`, `nosnippet`
 * and the like are about search presentation and never refuse.
 */
import { readFile } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import type { Source } from '../types.js';

const DEFAULT_ROBOTS_DIRECTIVES: readonly string[] = ['noai', 'noimageai', 'noindex', 'noimageindex', 'none'];

/** Directives whose own syntax has a colon (`unavailable_after: <date>`): not an agent scope. */
const VALUED_DIRECTIVES = new Set(['unavailable_after', 'max-snippet', 'max-image-preview', 'max-video-preview']);

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** Every X-Robots-Tag header value; separate header lines stay separate where the bag keeps them. */
function robotsTagValues(headers: HeaderBag): string[] {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    const value = (headers as Headers).get('x-robots-tag');
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (name.toLowerCase() !== 'x-robots-tag' || value === undefined) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values;
}

/** The directives of one header value that apply to `agent` (lower-case). */
function directivesFor(value: string, agent: string): string[] {
  const applying: string[] = [];
  let scope: string | undefined;
  for (const part of value.split(',')) {
    let directive = part.trim().toLowerCase();
    const colon = directive.indexOf(':');
    if (colon > 0) {
      const head = directive.slice(0, colon).trim();
      if (!VALUED_DIRECTIVES.has(head)) {
        scope = head;
        directive = directive.slice(colon + 1).trim();
      }
    }
    if (scope === undefined || scope === agent) applying.push(directive);
  }
  return applying;
}

/**
 * Why the response headers refuse the source (e.g. `X-Robots-Tag: noai`), or undefined. Node's
 * `Headers` joins repeated header lines with ", ", so an unscoped line after a scoped one reads as
 * part of that scope; a plain object with an array of lines (node:http's rawHeaders) avoids that.
 */
export function robotsTagRefusal(
  headers: HeaderBag,
  userAgentToken: string,
  refusing: readonly string[] = DEFAULT_ROBOTS_DIRECTIVES,
): string | undefined {
  const agent = userAgentToken.toLowerCase();
  for (const value of robotsTagValues(headers)) {
    const hit = directivesFor(value, agent).find((d) => refusing.includes(d));
    if (hit) return `the server opts out of AI use with X-Robots-Tag "${value.trim()}" (directive ${hit})`;
  }
  return undefined;
}

/** The product token of a User-Agent string ("clipmill/0.1 (+https://…)" → "clipmill"), lower-cased. */
export function userAgentToken(userAgent: string): string {
  return (userAgent.trim().split(/[/\s]/)[0] ?? '').toLowerCase();
}

// ---------------------------------------------------------------- opt-out lists

export type OptOutKind = 'domain' | 'prefix' | 'glob' | 'id';

export interface OptOutEntry {
  kind: OptOutKind;
  value: string;
  /** Where the entry was written, for the refusal reason. */
  file: string;
  line: number;
  /** Compiled glob (kind 'glob'). */
  regex?: RegExp;
}

export interface OptOutList {
  entries: OptOutEntry[];
}

const SOURCE_ID = /^[0-9a-f]{16}$/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function globRegex(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * What an opt-out line means: with `*` or `?` a glob; with a scheme or a slash a URL (or path)
 * prefix; 16 hex digits a source id; otherwise a domain (which covers its subdomains).
 */
function parseEntry(text: string, file: string, line: number): OptOutEntry {
  if (/[*?]/.test(text)) return { kind: 'glob', value: text, file, line, regex: globRegex(text) };
  if (SCHEME.test(text) || text.includes('/')) return { kind: 'prefix', value: text, file, line };
  if (SOURCE_ID.test(text)) return { kind: 'id', value: text.toLowerCase(), file, line };
  return { kind: 'domain', value: text.toLowerCase().replace(/^\.+|\.+$/g, ''), file, line };
}

/** Parses opt-out list text: one entry a line, `#` starts a comment, blank lines ignored. */
export function parseOptOutList(text: string, file: string): OptOutList {
  const entries: OptOutEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const content = raw.replace(/(^|\s)#.*$/, '').trim();
    if (content !== '') entries.push(parseEntry(content, file, i + 1));
  });
  return { entries };
}

/** Reads and merges opt-out list files; a missing file is fatal (the user named it). */
export async function loadOptOutList(paths: string | readonly string[] | undefined): Promise<OptOutList> {
  const files = paths === undefined ? [] : typeof paths === 'string' ? [paths] : paths;
  const entries: OptOutEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new FatalError(`Cannot read the opt-out list ${file}: ${(e as Error).message}`);
    }
    entries.push(...parseOptOutList(text, file).entries);
  }
  return { entries };
}

/** An http(s) URI without its scheme, host lower-cased: so that prefixes match http and https alike. */
function schemeless(uri: string): string | undefined {
  if (!/^https?:\/\//i.test(uri)) return undefined;
  try {
    const url = new URL(uri);
    return `${url.host.toLowerCase()}${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

function hostnameOf(uri: string): string | undefined {
  if (!/^https?:\/\//i.test(uri)) return undefined;
  try {
    return new URL(uri).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function entryMatches(entry: OptOutEntry, id: string, uri: string): boolean {
  switch (entry.kind) {
    case 'id':
      return id.toLowerCase() === entry.value;
    case 'domain': {
      const host = hostnameOf(uri);
      return host !== undefined && (host === entry.value || host.endsWith(`.${entry.value}`));
    }
    case 'prefix': {
      const bare = schemeless(uri);
      const bareEntry = schemeless(entry.value) ?? (SCHEME.test(entry.value) ? undefined : entry.value);
      if (bare !== undefined && bareEntry !== undefined && bare.startsWith(bareEntry)) return true;
      return uri.startsWith(entry.value);
    }
    case 'glob':
      return entry.regex!.test(SCHEME.test(entry.value) ? uri : (schemeless(uri) ?? uri));
  }
}

/** Why the opt-out list refuses the source (which file and line), or undefined. */
export function matchOptOut(source: Pick<Source, 'id' | 'uri'>, list: OptOutList): string | undefined {
  const entry = list.entries.find((e) => entryMatches(e, source.id, source.uri));
  if (!entry) return undefined;
  return `on the opt-out list (${entry.file}:${entry.line}: ${entry.kind} ${entry.value})`;
}
