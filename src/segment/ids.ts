/** Deterministic clip ids: the source id and the clip's inclusive frame span, zero-padded so ids sort in frame order. */
export function clipId(sourceId: string, startFrame: number, endFrame: number): string {
  const pad = (n: number) => String(n).padStart(7, '0');
  return `${sourceId}-${pad(startFrame)}-${pad(endFrame)}`;
}
