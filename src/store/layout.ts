/** The names inside an output directory, in one place: every module that reads or writes them uses these. */

/** One record per source: `sources/<id[0:2]>/<source id>.json` (store/record-store.ts). */
export const SOURCES_DIR = 'sources';
/** Kept clip files: `clips/<source id>/<clip id>.mp4`. */
export const CLIPS_DIR = 'clips';
