/**
 * How one shot of the real-media corpus looks: a real photograph, an illustration or a real video
 * filmed by a virtual camera (Ken Burns zoom, pan, hand-held shake, whip pan, fast zoom), motion
 * graphics over it (objects flying in, kinetic typography, a morph), low-rate procedural texture,
 * or a flat grey level ramping (the middle of a slow grey fade). Each look becomes an ffmpeg
 * filter chain that yields exactly `frames` frames of W x H at the video's frame rate.
 */

export type Look =
  | { kind: 'kenburns'; image: string; zoomFrom: number; zoomTo: number; from: [number, number]; to: [number, number] }
  | { kind: 'pan'; image: string; dx: number; dy: number }
  | { kind: 'shake'; image: string; amplitude: number; seed: number }
  | { kind: 'whip'; image: string; at: number; direction: 1 | -1 }
  | { kind: 'fastzoom'; image: string; at: number }
  | { kind: 'flyin'; image: string; object: string; at: number }
  | { kind: 'typography'; image: string; words: string[] }
  /** Icon swaps: a large picture over a drifting backdrop replaced in one frame by another, at `at[i]`. */
  | { kind: 'swaps'; image: string; objects: string[]; at: number[] }
  | { kind: 'morph'; image: string }
  | { kind: 'life'; rate: number; seed: number }
  /** `zoom`: a close-up, the part of the frame 1/factor wide around (cx, cy) in 0..1 (a cut-in within a scene). */
  | { kind: 'video'; file: string; start: number; step: number; hold: number; zoom?: { factor: number; cx: number; cy: number } }
  | { kind: 'flat'; from: number; to: number }
  /** TV snow: every frame fresh random grey noise (a tuner with no signal). */
  | { kind: 'snow'; seed: number };

/**
 * Exact repeats: `r` shows each picture r times on average (2: on twos, 3: on threes, 1.5: 16.7 fps
 * material in 25 fps), 'irregular' repeats about one frame in six (game capture).
 */
export type Cadence = number | 'irregular';

export interface ShotSpec {
  look: Look;
  frames: number;
  cadence?: Cadence;
  /** Temporal grain strength (ffmpeg noise alls). */
  noise?: number;
  /** Frames averaged for motion blur. */
  blur?: number;
  /** Frames [at, at+frames) turned white or brightened: a distractor, not a boundary. */
  flash?: { at: number; frames: number; style: 'white' | 'bright' };
  /**
   * Old-film damage, from this seed: monochrome, gate jitter, heavy flicker of brightness and
   * contrast, vertical scratches and dust that move every frame, coarse grain. `burn` over-exposes
   * the shot's last frames (the end of a take before a splice).
   */
  damage?: { seed: number; burn?: number };
}

export interface Canvas {
  width: number;
  height: number;
  fps: number;
}

/** The frame index a cadence shows at output frame n (an ffmpeg expression over `v`). */
function cadenced(v: string, cadence: Cadence | undefined): string {
  if (cadence === undefined || cadence === 1) return v;
  if (cadence === 'irregular') return `(${v}-lt(mod(${v}*37,13),2)*gt(${v},0))`;
  return `floor(floor(${v}/${cadence})*${cadence})`;
}

/** A still scaled and cropped to `scale` times the canvas; looped forever unless zoompan makes the frames. */
function still(input: number, c: Canvas, scale: number, loop = true): string {
  const w = 2 * Math.round((c.width * scale) / 2);
  const h = 2 * Math.round((c.height * scale) / 2);
  const frames = loop ? `,loop=loop=-1:size=1,setpts=N/(${c.fps}*TB)` : '';
  return `[${input}:v]scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},format=yuv420p${frames}`;
}

const clamp = (e: string, hi: number) => `max(0,min(${hi},${e}))`;

/**
 * The chain of one look. `input` is the ffmpeg input index of its image or video (the object of
 * a fly-in is input + 1); a flat or procedural look has none.
 */
export function lookChain(shot: ShotSpec, input: number, c: Canvas): string {
  const { width: W, height: H, fps } = c;
  const n = cadenced('n', shot.cadence);
  const on = cadenced('on', shot.cadence);
  const F = shot.frames;
  const look = shot.look;
  switch (look.kind) {
    case 'kenburns': {
      const z = `(${look.zoomFrom}+${look.zoomTo - look.zoomFrom}*${on}/${F})`;
      const fx = `(${look.from[0]}+${look.to[0] - look.from[0]}*${on}/${F})`;
      const fy = `(${look.from[1]}+${look.to[1] - look.from[1]}*${on}/${F})`;
      return `${still(input, c, 2, false)},zoompan=z='${z}':x='(iw-iw/zoom)*${fx}':y='(ih-ih/zoom)*${fy}':d=${F}:s=${W}x${H}:fps=${fps}`;
    }
    case 'pan': {
      // 1.6x canvas: the crop travels at most 0.6 of the picture.
      const mx = Math.round(0.6 * W);
      const my = Math.round(0.6 * H);
      const x = clamp(`${look.dx >= 0 ? 0 : mx}+${look.dx}*${n}`, mx);
      const y = clamp(`${look.dy >= 0 ? 0 : my}+${look.dy}*${n}`, my);
      return `${still(input, c, 1.6)},crop=${W}:${H}:x='${x}':y='${y}'`;
    }
    case 'shake': {
      const a = look.amplitude * W;
      const p = look.seed;
      const x = `${Math.round(0.15 * W)}+${a.toFixed(1)}*(0.55*sin(${n}*0.23+${p})+0.3*sin(${n}*0.71+${2 * p})+0.15*sin(${n}*2.3+${3 * p}))`;
      const y = `${Math.round(0.15 * H)}+${(0.7 * a).toFixed(1)}*(0.5*sin(${n}*0.19+${p + 1})+0.35*sin(${n}*0.83+${p})+0.15*sin(${n}*2.9))`;
      return `${still(input, c, 1.3)},crop=${W}:${H}:x='${clamp(x, Math.round(0.3 * W))}':y='${clamp(y, Math.round(0.3 * H))}'`;
    }
    case 'whip': {
      // A slow drift, then the picture swings by most of a frame width in 8 frames, then drifts on.
      const travel = Math.round(1.5 * W);
      const start = look.direction > 0 ? 0 : travel;
      const swing = `(1-cos(PI*max(0,min(1,(${n}-${look.at})/8))))/2`;
      const x = `${start}+${look.direction}*(${(0.1 * travel) / F}*${n}+${Math.round(0.8 * travel)}*${swing})`;
      return `${still(input, c, 2.5)},crop=${W}:${H}:x='${clamp(x, travel)}':y=${Math.round(0.5 * H)},tmix=frames=${shot.blur ?? 5}`;
    }
    case 'fastzoom': {
      // Zoom 1x -> 3.5x within 12 frames from `at`, hold, then out again in the last 12 frames.
      const inRamp = `max(0,min(1,(${on}-${look.at})/12))`;
      const outRamp = `max(0,min(1,(${on}-${F - 14})/12))`;
      return `${still(input, c, 2, false)},zoompan=z='1+2.5*${inRamp}-2.5*${outRamp}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=${F}:s=${W}x${H}:fps=${fps},tmix=frames=${shot.blur ?? 3}`;
    }
    case 'flyin': {
      // A picture a third of the frame flies in from the left, crosses and leaves in 1.2 s.
      const ow = 2 * Math.round(W / 6);
      const oh = 2 * Math.round(H / 6);
      const len = Math.round(1.2 * fps);
      const bg = `${still(input, c, 1.3)},crop=${W}:${H}:x='${clamp(`${Math.round(0.3 * W)}*${n}/${F}`, Math.round(0.3 * W))}':y=${Math.round(0.1 * H)}[bg${input}]`;
      const obj = `[${input + 1}:v]scale=${ow}:${oh}:force_original_aspect_ratio=increase,crop=${ow}:${oh},format=yuva420p,loop=loop=-1:size=1,setpts=N/(${fps}*TB)[ob${input}]`;
      const x = `-w+(W+w)*(${n}-${look.at})/${len}`;
      const y = `H/2-h/2+H/4*sin((${n}-${look.at})/${len}*PI)`;
      return `${bg};${obj};[bg${input}][ob${input}]overlay=x='${x}':y='${y}':eval=frame:shortest=1`;
    }
    case 'swaps': {
      // Objects half the frame wide, centred, each replaced by the next in one frame: most of the
      // picture changes, but the backdrop around them stays (one shot, as in motion graphics).
      const ow = 2 * Math.round(W / 4);
      const oh = 2 * Math.round(H / 4);
      const bg = `${still(input, c, 1.3)},crop=${W}:${H}:x='${clamp(`${Math.round(0.3 * W)}*${n}/${F}`, Math.round(0.3 * W))}':y=${Math.round(0.1 * H)}[bg${input}]`;
      const bounds = [0, ...look.at, F];
      let chain = bg;
      let last = `bg${input}`;
      look.objects.forEach((_, k) => {
        const j = input + 1 + k;
        chain += `;[${j}:v]scale=${ow}:${oh}:force_original_aspect_ratio=increase,crop=${ow}:${oh},format=yuva420p,loop=loop=-1:size=1,setpts=N/(${fps}*TB)[ob${j}]`;
        const next = `sw${j}`;
        const y = `H/2-h/2+H/12*sin(${n}/${Math.round(fps)})`;
        chain += `;[${last}][ob${j}]overlay=x='W/2-w/2':y='${y}':eval=frame:shortest=1:enable='between(n,${bounds[k]},${bounds[k + 1] - 1})'[${next}]`;
        last = next;
      });
      return `${chain};[${last}]null`;
    }
    case 'typography': {
      // One word at a time slides in from the right and settles, over a slowly drifting picture.
      const per = Math.max(8, Math.floor(F / look.words.length));
      const texts = look.words.map((word, i) => {
        const a = i * per;
        const slide = `max(0,1-(n-${a})/6)`;
        return `drawtext=text='${word}':fontsize=${Math.round(H / 5)}:fontcolor=white:borderw=3:bordercolor=black:x='(w-tw)/2+w*${slide}':y='(h-th)/2':enable='between(n,${a},${a + per - 1})'`;
      });
      return `${still(input, c, 1.2)},crop=${W}:${H}:x='${Math.round(0.2 * W)}*${n}/${F}':y=0,eq=brightness=-0.15,${texts.join(',')}`;
    }
    case 'morph':
      return `${still(input, c, 1.4)},rotate=a='0.35*sin(2*PI*${n}/${Math.round(4 * fps)})':ow=${W}:oh=${H},hue=H='2*PI*${n}/${Math.round(6 * fps)}':s='1+0.5*sin(${n}/${fps})'`;
    case 'life': {
      // Blocky high-contrast cells updated a few times a second: exact repeats between updates.
      const lw = Math.max(16, Math.round(W / 8));
      const lh = Math.max(9, Math.round(H / 8));
      return `life=s=${lw}x${lh}:r=${look.rate}:mold=20:ratio=0.3:seed=${look.seed}:life_color=#f0e0a0:death_color=#102030,fps=${fps},scale=${W}:${H}:flags=neighbor`;
    }
    case 'video': {
      // Every step-th source frame, each held `hold` frames (step = hold: a cadence of repeats;
      // step > hold: a time-lapse).
      const pick = look.step > 1 || look.hold > 1 ? `,select='not(mod(n,${look.step}))',setpts=N*${look.hold}/(${fps}*TB),fps=${fps}` : '';
      // A numeric cadence: drop to fps/r, then repeat back up to fps.
      const repeat = typeof shot.cadence === 'number' && shot.cadence > 1 ? `,fps=${fps}/${shot.cadence},fps=${fps}` : '';
      const z = look.zoom;
      const closeUp = z ? `,crop=iw/${z.factor}:ih/${z.factor}:(iw-iw/${z.factor})*${z.cx}:(ih-ih/${z.factor})*${z.cy},scale=${W}:${H}` : '';
      return `[${input}:v]fps=${fps}${pick}${repeat},scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H}${closeUp},setsar=1,tpad=stop=-1:stop_mode=clone`;
    }
    case 'snow':
      return `color=c=gray:s=${W}x${H}:r=${fps},format=yuv420p,noise=alls=100:allf=t+u:all_seed=${look.seed},hue=s=0`;
    case 'flat':
      return `color=c=black:s=${W}x${H}:r=${fps},format=yuv420p,geq=lum='${look.from}+${look.to - look.from}*N/${Math.max(1, F - 1)}':cb=128:cr=128`;
  }
}

/** The input files a shot needs, in input order. */
export function lookInputs(look: Look): { file: string; video: boolean; start?: number }[] {
  switch (look.kind) {
    case 'flyin':
      return [{ file: look.image, video: false }, { file: look.object, video: false }];
    case 'swaps':
      return [{ file: look.image, video: false }, ...look.objects.map((file) => ({ file, video: false }))];
    case 'video':
      return [{ file: look.file, video: true, start: look.start }];
    case 'life':
    case 'flat':
    case 'snow':
      return [];
    default:
      return [{ file: look.image, video: false }];
  }
}

function flashFilter(shot: ShotSpec): string {
  const f = shot.flash;
  if (!f) return '';
  const when = `enable='between(n,${f.at},${f.at + f.frames - 1})'`;
  return f.style === 'white' ? `,drawbox=x=0:y=0:w=iw:h=ih:color=white@0.9:t=fill:${when}` : `,eq=brightness=0.4:${when}`;
}

/**
 * Old-film damage of a shot of `frames` frames (see ShotSpec.damage), as filters to append to its
 * chain (starting with a comma); a pseudo-random function of the frame number per seed.
 */
export function oldFilmDamage(d: { seed: number; burn?: number }, frames: number, c: Canvas): string {
  const k = 1 + (d.seed % 7) / 3;
  const jitter = `crop=iw-8:ih-8:x='4+4*sin(n*${(7.3 * k).toFixed(2)})':y='4+4*cos(n*${(5.1 * k).toFixed(2)})',scale=${c.width}:${c.height}`;
  const burn = d.burn ? `+0.45*gte(n,${frames - d.burn})` : '';
  const flicker = `eq=brightness='0.14*sin(n*${(2.7 * k).toFixed(2)})*cos(n*${(1.3 * k).toFixed(2)})${burn}':contrast='1+0.25*sin(n*${(3.1 * k).toFixed(2)})':eval=frame`;
  const speed = (x: number) => Math.round(x * c.fps * k);
  const scratch = (v: number, o: number, colour: string) => `drawbox=x='mod(t*${speed(v)}+${o},iw)':y=0:w=2:h=ih:color=${colour}:t=fill`;
  const dust = `drawbox=x='mod(t*${speed(131)},iw)':y='mod(t*${speed(89)},ih)':w=6:h=4:color=black@0.8:t=fill`;
  return `,hue=s=0,${jitter},${flicker},${scratch(97, 40, 'white@0.6')},${scratch(53, 150, 'black@0.5')},${dust},noise=alls=28:allf=t`;
}

/** The whole chain of shot `i` (its media at ffmpeg input `input`), ending in label [s<i>]. */
export function shotChain(shot: ShotSpec, i: number, input: number, c: Canvas): string {
  const grain = shot.noise ? `,noise=alls=${shot.noise}:allf=t` : '';
  const tb = `settb=1/${c.fps}`;
  return (
    `${lookChain(shot, input, c)},trim=end_frame=${shot.frames},${tb},setpts=N/(${c.fps}*TB),fps=${c.fps}` +
    `${shot.damage ? oldFilmDamage(shot.damage, shot.frames, c) : ''}${grain}${flashFilter(shot)},format=yuv420p,setsar=1[s${i}]`
  );
}
