/** The caption prompt: the default template, the structured-answer instruction, and the template filler. */

export const DEFAULT_PROMPT =
  'Describe this video clip for a video-generation training set in one or two sentences: the scene, ' +
  'the main subjects, what happens and how the camera moves. Frames are in time order.{{#title}} ' +
  'The video is titled "{{title}}".{{/title}}{{#caption}} Its existing description: "{{caption}}".{{/caption}}';

export const STRUCTURED_SUFFIX =
  ' Answer with a JSON object only: {"caption": string, "category": one of {{categories}}, ' +
  '"tags": [short strings], "defects": [visible problems such as blur, watermark, black bars, text overlay; empty if none]}.';

/** Fills `{{name}}` and `{{#name}}…{{/name}}` (kept only when the value is non-empty). */
export function renderPrompt(template: string, values: Record<string, string | undefined>): string {
  return template
    .replace(/\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g, (_m, name: string, inner: string) => (values[name] ? inner : ''))
    .replace(/\{\{(\w+)\}\}/g, (_m, name: string) => values[name] ?? '');
}

