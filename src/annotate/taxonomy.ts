/**
 * Content categories: the default taxonomy (close to what video-model teams steer collection by),
 * and the rules that assign one from metadata (yt-dlp categories and tags, manifest columns,
 * dataset labels such as Kinetics classes) when no model answers.
 */
export const DEFAULT_TAXONOMY = [
  'nature/scenery',
  'driving',
  'drone/aerial',
  'first-person',
  'human activity',
  'hands and objects',
  'animals',
  'urban',
  'indoor',
  'sports',
  'games',
  'animation',
  'screen/text',
  'other',
] as const;

/** Words in metadata that point at a default category; the first category with a match wins. */
const KEYWORDS: Record<string, string[]> = {
  'driving': ['driving', 'dashcam', 'dash cam', 'autos & vehicles', 'car', 'road trip', 'traffic'],
  'drone/aerial': ['drone', 'aerial', 'fpv', 'bird\'s eye', 'quadcopter'],
  'first-person': ['pov', 'first-person', 'first person', 'egocentric', 'gopro', 'helmet cam'],
  'games': ['gaming', 'gameplay', 'video game', 'minecraft', 'let\'s play', 'speedrun'],
  'animation': ['animation', 'animated', 'cartoon', 'anime', 'film & animation'],
  'sports': ['sports', 'sport', 'football', 'soccer', 'basketball', 'tennis', 'skiing', 'surfing', 'skateboarding', 'playing cricket', 'golf'],
  'animals': ['pets & animals', 'animal', 'wildlife', 'dog', 'cat', 'bird', 'horse', 'fish'],
  'screen/text': ['screencast', 'screen recording', 'slides', 'tutorial', 'presentation', 'lecture'],
  'hands and objects': ['unboxing', 'cooking', 'knitting', 'origami', 'assembling', 'repairing', 'hands'],
  'human activity': ['people & blogs', 'dancing', 'dance', 'exercise', 'yoga', 'people', 'howto & style'],
  'urban': ['city', 'street', 'urban', 'downtown', 'skyline'],
  'nature/scenery': ['nature', 'landscape', 'scenery', 'forest', 'mountain', 'ocean', 'beach', 'travel & events', 'waterfall', 'sunset'],
  'indoor': ['indoor', 'kitchen', 'living room', 'office', 'interior'],
};

/** Metadata fields read by the rules, in order of trust. */
const FIELDS = ['category', 'categories', 'label', 'tags', 'genre', 'title', 'description'];

function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function wordMatch(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z])${escaped}($|[^a-z])`, 'i').test(text);
}

/**
 * The category that metadata names, from `taxonomy`: a field naming a category outright wins, then
 * the keyword rules of the default categories. Undefined when nothing matches.
 */
export function categoryFromMetadata(metadata: Record<string, unknown>[], taxonomy: readonly string[]): string | undefined {
  const allowed = new Set(taxonomy.map((c) => c.toLowerCase()));
  for (const field of FIELDS) {
    const texts = metadata.flatMap((m) => textsOf(m?.[field]));
    if (texts.length === 0) continue;
    const named = texts.find((t) => allowed.has(t.trim().toLowerCase()));
    if (named) return taxonomy.find((c) => c.toLowerCase() === named.trim().toLowerCase());
    for (const [category, words] of Object.entries(KEYWORDS)) {
      if (!allowed.has(category)) continue;
      if (texts.some((t) => words.some((w) => wordMatch(t, w)))) return category;
    }
  }
  return undefined;
}

/** A model's free-text category mapped onto the taxonomy (case and spacing forgiven), else undefined. */
export function normaliseCategory(answer: unknown, taxonomy: readonly string[]): string | undefined {
  if (typeof answer !== 'string') return undefined;
  const key = (s: string) => s.toLowerCase().replace(/[^a-z]+/g, '');
  const wanted = key(answer);
  return taxonomy.find((c) => key(c) === wanted);
}
