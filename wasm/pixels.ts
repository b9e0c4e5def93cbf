// Per-pixel kernels of the analysis in AssemblyScript, compiled to WebAssembly with SIMD
// (scripts/build-wasm.sh writes src/analysis/pixels.wasm, which is committed). Every pointer is a
// byte offset into the module's memory, which the caller (src/analysis/pixel-kernels.ts) lays out
// and grows; the module itself holds no data and allocates nothing.
//
// Exactness: the luma plane, the cell sums and the frame difference are the same, bit for bit, as
// the JavaScript they replace. BT.601 luma 0.299 r + 0.587 g + 0.114 b rounded to float32 is the
// float32 nearest N / 1000 with the integer N = 299 r + 587 g + 114 b: float64 arithmetic lands
// within 2^-43 of N / 1000, and N / 1000 is either a float32 itself or at least 2^-38 away from the
// midpoint between two. A float32 division of N by 1000 is rounded correctly, so it gives that
// same float32. Sums of float32 lumas in float64 are exact in any order, which is why the order the
// SIMD lanes add them in does not matter. The exposure totals are sums of integers (N, N², the
// chroma axes times two) and so are exact too. The old float64 running sums were not exact, so the
// luma mean and contrast differ from those in the last bits only.

/** Totals measureFrame writes at `out` (float64 each), in this order. */
// SUM (of luma), SUM_SQ, DARK_COUNT, BRIGHT_COUNT, RG, RG_SQ, YB, YB_SQ, DIFF

/** N = 1000 × luma bounds of the dark and bright counts (luma below 16, above 235). */
const DARK_N: i32 = 16000;
const BRIGHT_N: i32 = 235000;

/** The sum of the four lanes of an i32x4 as i64. */
@inline function laneSum(v: v128): i64 {
  return <i64>i32x4.extract_lane(v, 0) + <i64>i32x4.extract_lane(v, 1) + <i64>i32x4.extract_lane(v, 2) + <i64>i32x4.extract_lane(v, 3);
}

/** |a - b| of the four float32 lanes, as float64, added to `acc` (two lanes). */
@inline function addAbsDiff(acc: v128, a: v128, b: v128): v128 {
  acc = f64x2.add(acc, f64x2.abs(f64x2.sub(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b))));
  const ah = i32x4.shuffle(a, a, 2, 3, 0, 1);
  const bh = i32x4.shuffle(b, b, 2, 3, 0, 1);
  return f64x2.add(acc, f64x2.abs(f64x2.sub(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh))));
}

/** Lanes of N (i32x4) on a bound of the dark or bright count. */
@inline function isBound(n: v128): v128 {
  return v128.or(i32x4.eq(n, i32x4.splat(DARK_N)), i32x4.eq(n, i32x4.splat(BRIGHT_N)));
}

/**
 * The counts compare the float64 luma 0.299 r + 0.587 g + 0.114 b with 16 and 235, as before. It
 * lies on the same side as N / 1000 except where N is on the bound itself, where its rounding
 * decides (studio black, 16 16 16, comes out just under 16); those few pixels are computed so.
 */
@inline function lumaF64(p: usize): f64 {
  return 0.299 * <f64>load<u8>(p) + 0.587 * <f64>load<u8>(p, 1) + 0.114 * <f64>load<u8>(p, 2);
}
@inline function nOf(p: usize): i32 {
  return 299 * <i32>load<u8>(p) + 587 * <i32>load<u8>(p, 1) + 114 * <i32>load<u8>(p, 2);
}
@inline function isDarkTie(p: usize): bool {
  return nOf(p) == DARK_N && lumaF64(p) < 16;
}
@inline function isBrightTie(p: usize): bool {
  return nOf(p) == BRIGHT_N && lumaF64(p) > 235;
}

/** Luma of four pixels from N (i32x4): the float32 nearest N / 1000. */
@inline function lumaOf(n: v128): v128 {
  return f32x4.div(f32x4.convert_i32x4_s(n), f32x4.splat(1000));
}

/** Sixteen pixels' red bytes, gathered from the three vectors that hold their interleaved RGB24. */
@inline function redOf(v0: v128, v1: v128, v2: v128): v128 {
  return i8x16.shuffle(i8x16.shuffle(v0, v1, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0), v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
}

/** The same pixels' green bytes. */
@inline function greenOf(v0: v128, v1: v128, v2: v128): v128 {
  return i8x16.shuffle(i8x16.shuffle(v0, v1, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0), v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
}

/** The same pixels' blue bytes. */
@inline function blueOf(v0: v128, v1: v128, v2: v128): v128 {
  return i8x16.shuffle(i8x16.shuffle(v0, v1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0), v2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
}

/**
 * One pass over an RGB24 frame of `width` × `height`: writes the float32 luma plane at `luma`,
 * adds each 32×32 thumbnail cell's luma into the float64 sums at `cells` (`cellOfColumn` and
 * `cellOfRow`, u16 each, say which cell a pixel is in), and writes the nine totals at `out`. `prev`
 * is the previous frame's luma plane (DIFF is the sum of absolute differences from it).
 */
export function measureFrame(rgb: usize, luma: usize, prev: usize, width: i32, height: i32, cellOfColumn: usize, cellOfRow: usize, cells: usize, out: usize): void {
  const n = width * height;
  let sumN: i64 = 0;
  let sumNSq: u64 = 0;
  let dark: i64 = 0;
  let bright: i64 = 0;
  let rg: i64 = 0;
  let rgSq: i64 = 0;
  let yb2: i64 = 0;
  let yb2Sq: i64 = 0;
  let diff = f64x2.splat(0);
  const coef = i16x8(299, 587, 299, 587, 299, 587, 299, 587);
  const blue = i32x4.splat(114);
  const darkN = i32x4.splat(DARK_N);
  const brightN = i32x4.splat(BRIGHT_N);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = rgb + <usize>i * 3;
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const v2 = v128.load(p, 32);
    const r = redOf(v0, v1, v2);
    const g = greenOf(v0, v1, v2);
    const b = blueOf(v0, v1, v2);
    const rl = i16x8.extend_low_i8x16_u(r);
    const rh = i16x8.extend_high_i8x16_u(r);
    const gl = i16x8.extend_low_i8x16_u(g);
    const gh = i16x8.extend_high_i8x16_u(g);
    const bl = i16x8.extend_low_i8x16_u(b);
    const bh = i16x8.extend_high_i8x16_u(b);
    // Opponent colour axes r - g and r + g - 2b (twice the yellow-blue axis), summed and squared in integers.
    const rgl = i16x8.sub(rl, gl);
    const rgh = i16x8.sub(rh, gh);
    const ybl = i16x8.sub(i16x8.add(rl, gl), i16x8.shl(bl, 1));
    const ybh = i16x8.sub(i16x8.add(rh, gh), i16x8.shl(bh, 1));
    rg += laneSum(i32x4.add(i32x4.extadd_pairwise_i16x8_s(rgl), i32x4.extadd_pairwise_i16x8_s(rgh)));
    yb2 += laneSum(i32x4.add(i32x4.extadd_pairwise_i16x8_s(ybl), i32x4.extadd_pairwise_i16x8_s(ybh)));
    rgSq += laneSum(i32x4.add(i32x4.dot_i16x8_s(rgl, rgl), i32x4.dot_i16x8_s(rgh, rgh)));
    yb2Sq += laneSum(i32x4.add(i32x4.dot_i16x8_s(ybl, ybl), i32x4.dot_i16x8_s(ybh, ybh)));
    // N per pixel: red and green interleaved into pairs, each pair's dot product with (299, 587), plus 114 b.
    const n0 = i32x4.add(i32x4.dot_i16x8_s(i16x8.shuffle(rl, gl, 0, 8, 1, 9, 2, 10, 3, 11), coef), i32x4.mul(i32x4.extend_low_i16x8_u(bl), blue));
    const n1 = i32x4.add(i32x4.dot_i16x8_s(i16x8.shuffle(rl, gl, 4, 12, 5, 13, 6, 14, 7, 15), coef), i32x4.mul(i32x4.extend_high_i16x8_u(bl), blue));
    const n2 = i32x4.add(i32x4.dot_i16x8_s(i16x8.shuffle(rh, gh, 0, 8, 1, 9, 2, 10, 3, 11), coef), i32x4.mul(i32x4.extend_low_i16x8_u(bh), blue));
    const n3 = i32x4.add(i32x4.dot_i16x8_s(i16x8.shuffle(rh, gh, 4, 12, 5, 13, 6, 14, 7, 15), coef), i32x4.mul(i32x4.extend_high_i16x8_u(bh), blue));
    const y0 = lumaOf(n0);
    const y1 = lumaOf(n1);
    const y2 = lumaOf(n2);
    const y3 = lumaOf(n3);
    const q = prev + (<usize>i << 2);
    diff = addAbsDiff(diff, y0, v128.load(q));
    diff = addAbsDiff(diff, y1, v128.load(q, 16));
    diff = addAbsDiff(diff, y2, v128.load(q, 32));
    diff = addAbsDiff(diff, y3, v128.load(q, 48));
    // Stored after the differences: `prev` may be `luma` itself (the first frame).
    const l = luma + (<usize>i << 2);
    v128.store(l, y0);
    v128.store(l, y1, 16);
    v128.store(l, y2, 32);
    v128.store(l, y3, 48);
    sumN += laneSum(i32x4.add(i32x4.add(n0, n1), i32x4.add(n2, n3)));
    let sq = i64x2.add(i64x2.extmul_low_i32x4_u(n0, n0), i64x2.extmul_high_i32x4_u(n0, n0));
    sq = i64x2.add(sq, i64x2.add(i64x2.extmul_low_i32x4_u(n1, n1), i64x2.extmul_high_i32x4_u(n1, n1)));
    sq = i64x2.add(sq, i64x2.add(i64x2.extmul_low_i32x4_u(n2, n2), i64x2.extmul_high_i32x4_u(n2, n2)));
    sq = i64x2.add(sq, i64x2.add(i64x2.extmul_low_i32x4_u(n3, n3), i64x2.extmul_high_i32x4_u(n3, n3)));
    sumNSq += <u64>i64x2.extract_lane(sq, 0) + <u64>i64x2.extract_lane(sq, 1);
    // Comparisons give -1 per lane that holds.
    dark -= laneSum(i32x4.add(i32x4.add(i32x4.lt_s(n0, darkN), i32x4.lt_s(n1, darkN)), i32x4.add(i32x4.lt_s(n2, darkN), i32x4.lt_s(n3, darkN))));
    bright -= laneSum(i32x4.add(i32x4.add(i32x4.gt_s(n0, brightN), i32x4.gt_s(n1, brightN)), i32x4.add(i32x4.gt_s(n2, brightN), i32x4.gt_s(n3, brightN))));
    const ties = v128.or(v128.or(isBound(n0), isBound(n1)), v128.or(isBound(n2), isBound(n3)));
    if (v128.any_true(ties)) {
      for (let k = 0; k < 16; k++) {
        dark += isDarkTie(p + <usize>k * 3) ? 1 : 0;
        bright += isBrightTie(p + <usize>k * 3) ? 1 : 0;
      }
    }
  }
  let diffTail: f64 = 0;
  for (; i < n; i++) {
    const p = rgb + <usize>i * 3;
    const r = <i32>load<u8>(p);
    const g = <i32>load<u8>(p, 1);
    const b = <i32>load<u8>(p, 2);
    const nn = 299 * r + 587 * g + 114 * b;
    const y = <f32>nn / <f32>1000;
    diffTail += abs<f64>(<f64>y - <f64>load<f32>(prev + (<usize>i << 2)));
    store<f32>(luma + (<usize>i << 2), y);
    sumN += nn;
    sumNSq += <u64>nn * <u64>nn;
    dark += nn < DARK_N || isDarkTie(p) ? 1 : 0;
    bright += nn > BRIGHT_N || isBrightTie(p) ? 1 : 0;
    rg += r - g;
    rgSq += (r - g) * (r - g);
    yb2 += r + g - 2 * b;
    yb2Sq += (r + g - 2 * b) * (r + g - 2 * b);
  }
  sumCells(luma, width, height, cellOfColumn, cellOfRow, cells);
  store<f64>(out, <f64>sumN / 1000);
  store<f64>(out, <f64>sumNSq / 1e6, 8);
  store<f64>(out, <f64>dark, 16);
  store<f64>(out, <f64>bright, 24);
  store<f64>(out, <f64>rg, 32);
  store<f64>(out, <f64>rgSq, 40);
  store<f64>(out, <f64>yb2 / 2, 48);
  store<f64>(out, <f64>yb2Sq / 4, 56);
  store<f64>(out, f64x2.extract_lane(diff, 0) + f64x2.extract_lane(diff, 1) + diffTail, 64);
}

/** Adds each cell's luma (float32 at `luma`) into its float64 sum at `cells` (zeroed by the caller). */
function sumCells(luma: usize, width: i32, height: i32, cellOfColumn: usize, cellOfRow: usize, cells: usize): void {
  let i: usize = 0;
  for (let y = 0; y < height; y++) {
    const rowCell = <usize>load<u16>(cellOfRow + (<usize>y << 1));
    let cell = <usize>load<u16>(cellOfColumn);
    let sum: f64 = 0;
    for (let x = 0; x < width; x++, i++) {
      const c = <usize>load<u16>(cellOfColumn + (<usize>x << 1));
      if (c != cell) {
        const at = cells + ((rowCell + cell) << 3);
        store<f64>(at, load<f64>(at) + sum);
        cell = c;
        sum = 0;
      }
      sum += <f64>load<f32>(luma + (i << 2));
    }
    const at = cells + ((rowCell + cell) << 3);
    store<f64>(at, load<f64>(at) + sum);
  }
}

/**
 * Laplacian and gradient energy of the float32 luma plane over its interior pixels (float64 at
 * `out` and `out + 8`): Σ (left + right + up + down - 4 centre)² and Σ ((right - centre)² +
 * (down - centre)²). Two pixels at a time; each term is computed exactly as before, only the order
 * of the additions differs.
 */
export function detailEnergies(luma: usize, width: i32, height: i32, out: usize): void {
  let lap2 = f64x2.splat(0);
  let grad2 = f64x2.splat(0);
  let lapTail: f64 = 0;
  let gradTail: f64 = 0;
  const four = f64x2.splat(4);
  for (let y = 1; y < height - 1; y++) {
    const row = luma + (<usize>(y * width) << 2);
    const up = row - (<usize>width << 2);
    const down = row + (<usize>width << 2);
    let x = 1;
    for (; x + 2 <= width - 1; x += 2) {
      const at = <usize>x << 2;
      const mid = v128.load64_zero(row + at);
      const m = f64x2.promote_low_f32x4(mid);
      const l = f64x2.promote_low_f32x4(v128.load64_zero(row + at - 4));
      const r = f64x2.promote_low_f32x4(v128.load64_zero(row + at + 4));
      const u = f64x2.promote_low_f32x4(v128.load64_zero(up + at));
      const d = f64x2.promote_low_f32x4(v128.load64_zero(down + at));
      const lap = f64x2.sub(f64x2.add(f64x2.add(f64x2.add(l, r), u), d), f64x2.mul(four, m));
      lap2 = f64x2.add(lap2, f64x2.mul(lap, lap));
      const gx = f64x2.sub(r, m);
      const gy = f64x2.sub(d, m);
      grad2 = f64x2.add(grad2, f64x2.add(f64x2.mul(gx, gx), f64x2.mul(gy, gy)));
    }
    for (; x < width - 1; x++) {
      const at = <usize>x << 2;
      const m = <f64>load<f32>(row + at);
      const r = <f64>load<f32>(row + at + 4);
      const d = <f64>load<f32>(down + at);
      const lap = <f64>load<f32>(row + at - 4) + r + <f64>load<f32>(up + at) + d - 4 * m;
      lapTail += lap * lap;
      gradTail += (r - m) * (r - m) + (d - m) * (d - m);
    }
  }
  store<f64>(out, f64x2.extract_lane(lap2, 0) + f64x2.extract_lane(lap2, 1) + lapTail);
  store<f64>(out, f64x2.extract_lane(grad2, 0) + f64x2.extract_lane(grad2, 1) + gradTail, 8);
}

// Edge sharpness (src/analysis/edge-sharpness.ts says what it measures and why). Every value is
// computed as the JavaScript before it did, in float64 and two pixels at a time where it can be,
// so the result is the same bit for bit.

/** Pixels whose slope, re-blurred and not, reaches this share of the frame's EDGE_QUANTILE re-blurred slope are edges. */
const EDGE_SHARE: f64 = 0.5;
const EDGE_QUANTILE: f64 = 0.999;
/** Below a slope of one luma level a pixel nothing is an edge (a flat or nearly flat frame). */
const MIN_SLOPE: f64 = 1;
/** Slope histogram: bins of HIST_STEP levels a pixel, enough for the steepest 8-bit edge. */
const HIST_STEP: f64 = 0.25;
const HIST_BINS: i32 = 1024;

/** (a + b + c) / 3 of two float32 lanes each, in float64, rounded to float32 (low two lanes). */
@inline function mean3(a: v128, b: v128, c: v128): v128 {
  const sum = f64x2.add(f64x2.add(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  return f32x4.demote_f64x2_zero(f64x2.div(sum, f64x2.splat(3)));
}

@inline function f32At(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

/** 3×3 box blur of the float32 plane at `src` into `out`, separable through `rows`, borders clamped. */
function boxBlur3(src: usize, width: i32, height: i32, rows: usize, out: usize): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    blurAlongRow(src, rows, row, 0, width);
    // Interior pixels two at a time, then what is left of the row one by one.
    let x = 1;
    for (; x + 1 <= width - 2; x += 2) {
      const at = src + (<usize>(row + x) << 2);
      v128.store64_lane(rows + (<usize>(row + x) << 2), mean3(v128.load64_zero(at - 4), v128.load64_zero(at), v128.load64_zero(at + 4)), 0);
    }
    for (; x < width; x++) blurAlongRow(src, rows, row, x, width);
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const row = y * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    let x = 0;
    for (; x + 2 <= width; x += 2) {
      const r = mean3(v128.load64_zero(rows + (<usize>(up + x) << 2)), v128.load64_zero(rows + (<usize>(row + x) << 2)), v128.load64_zero(rows + (<usize>(down + x) << 2)));
      v128.store64_lane(out + (<usize>(row + x) << 2), r, 0);
    }
    for (; x < width; x++) store<f32>(out + (<usize>(row + x) << 2), <f32>((f32At(rows, up + x) + f32At(rows, row + x) + f32At(rows, down + x)) / 3));
  }
}

/** The horizontal 3-pixel mean at pixel x of the row starting at `row`, the border repeated. */
@inline function blurAlongRow(src: usize, rows: usize, row: i32, x: i32, width: i32): void {
  const l = x > 0 ? x - 1 : x;
  const r = x < width - 1 ? x + 1 : x;
  store<f32>(rows + (<usize>(row + x) << 2), <f32>((f32At(src, row + l) + f32At(src, row + x) + f32At(src, row + r)) / 3));
}

/** Gradient magnitude at pixel `i` of the float32 plane at `p` by central differences (levels a pixel). */
@inline function slope(p: usize, i: i32, width: i32): f64 {
  const gx = f32At(p, i + 1) - f32At(p, i - 1);
  const gy = f32At(p, i + width) - f32At(p, i - width);
  return 0.5 * Math.sqrt(gx * gx + gy * gy);
}

/** The `q` quantile of the histogrammed slopes (the upper edge of the bin it falls in). */
function quantileOf(hist: usize, total: i32, q: f64): f64 {
  const rank = <i32>Math.ceil(q * <f64>total);
  let seen = 0;
  for (let b = 0; b < HIST_BINS; b++) {
    seen += load<i32>(hist + (<usize>b << 2));
    if (seen >= rank) return <f64>(b + 1) * HIST_STEP;
  }
  return <f64>HIST_BINS * HIST_STEP;
}

/**
 * Edge sharpness of the float32 luma plane at `luma` (width × height, at least 5 × 5), with
 * scratch planes `rows`, `blurred` and `slopes` of the same size and `hist` (HIST_BINS u32).
 */
export function edgeSharpness(luma: usize, width: i32, height: i32, rows: usize, blurred: usize, slopes: usize, hist: usize): f64 {
  boxBlur3(luma, width, height, rows, blurred);
  memory.fill(hist, 0, <usize>HIST_BINS << 2);
  // Slopes of the re-blurred copy, two pixels in from the border (where the blur is whole).
  let counted = 0;
  const half = f64x2.splat(0.5);
  for (let y = 2; y < height - 2; y++) {
    let x = 2;
    for (; x < width - 2; x += 2) {
      const i = y * width + x;
      const at = blurred + (<usize>i << 2);
      let s: v128;
      if (x + 1 < width - 2) {
        const gx = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(at + 4)), f64x2.promote_low_f32x4(v128.load64_zero(at - 4)));
        const gy = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(at + (<usize>width << 2))), f64x2.promote_low_f32x4(v128.load64_zero(at - (<usize>width << 2))));
        s = f64x2.mul(half, f64x2.sqrt(f64x2.add(f64x2.mul(gx, gx), f64x2.mul(gy, gy))));
        v128.store64_lane(slopes + (<usize>i << 2), f32x4.demote_f64x2_zero(s), 0);
        countSlope(hist, f64x2.extract_lane(s, 0));
        countSlope(hist, f64x2.extract_lane(s, 1));
        counted += 2;
      } else {
        const one = slope(blurred, i, width);
        store<f32>(slopes + (<usize>i << 2), <f32>one);
        countSlope(hist, one);
        counted++;
      }
    }
  }
  const cut = Math.max(MIN_SLOPE, EDGE_SHARE * quantileOf(hist, counted, EDGE_QUANTILE));
  let sharp: f64 = 0;
  let reblurred: f64 = 0;
  for (let y = 2; y < height - 2; y++) {
    for (let x = 2, i = y * width + 2; x < width - 2; x++, i++) {
      const s = f32At(slopes, i);
      if (s < cut) continue;
      // An edge in the picture itself too: the re-blur spreads a point light's slope onto a ring
      // of pixels that had none, which (weighted) would read a sharp point as blurred.
      const original = slope(luma, i, width);
      if (original < cut) continue;
      const weight = s * s * s * s;
      sharp += weight * original;
      reblurred += weight * s;
    }
  }
  return sharp > 0 ? Math.max(0, 100 * (1 - reblurred / sharp)) : 0;
}

@inline function countSlope(hist: usize, s: f64): void {
  const bin = <usize>min<i32>(HIST_BINS - 1, <i32>Math.floor(s / HIST_STEP));
  const at = hist + (bin << 2);
  store<u32>(at, load<u32>(at) + 1);
}

// The shot detector's frame signature (src/analysis/shot-features.ts): integer luma
// (77 r + 150 g + 29 b) >> 8 summed per grid cell, and counts of each value of luma and of the two
// opponent chroma axes (b - luma + 255) >> 1 and (r - luma + 255) >> 1. Integers throughout, so
// the same as before whatever the order.

/**
 * Adds an RGB24 frame's luma into the u32 cell sums at `sums` (zeroed by the caller) and counts
 * its luma and chroma values into the 3 × 256 u32 `counts` (zeroed too). `cellOfColumn` (u32 per
 * pixel column) and `rowBase` (u32 per pixel row: the first cell of its grid row) place each pixel;
 * `scratch` holds 3 × width u16.
 */
export function signaturePixels(rgb: usize, width: i32, height: i32, cellOfColumn: usize, rowBase: usize, sums: usize, counts: usize, scratch: usize): void {
  const lumaRow = scratch;
  const uRow = scratch + (<usize>width << 1);
  const vRow = scratch + (<usize>width << 2);
  const kr = i16x8.splat(77);
  const kg = i16x8.splat(150);
  const kb = i16x8.splat(29);
  const offset = i16x8.splat(255);
  for (let y = 0; y < height; y++) {
    const rowStart = rgb + <usize>(y * width) * 3;
    let x = 0;
    for (; x + 16 <= width; x += 16) {
      const p = rowStart + <usize>x * 3;
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const v2 = v128.load(p, 32);
      const r = redOf(v0, v1, v2);
      const g = greenOf(v0, v1, v2);
      const b = blueOf(v0, v1, v2);
      for (let half = 0; half < 2; half++) {
        const rr = half == 0 ? i16x8.extend_low_i8x16_u(r) : i16x8.extend_high_i8x16_u(r);
        const gg = half == 0 ? i16x8.extend_low_i8x16_u(g) : i16x8.extend_high_i8x16_u(g);
        const bb = half == 0 ? i16x8.extend_low_i8x16_u(b) : i16x8.extend_high_i8x16_u(b);
        // At most 256 × 255: the 16-bit products wrap only above that, so the shift is exact.
        const l = i16x8.shr_u(i16x8.add(i16x8.add(i16x8.mul(rr, kr), i16x8.mul(gg, kg)), i16x8.mul(bb, kb)), 8);
        const at = <usize>(x + half * 8) << 1;
        v128.store(lumaRow + at, l);
        v128.store(uRow + at, i16x8.shr_u(i16x8.add(i16x8.sub(bb, l), offset), 1));
        v128.store(vRow + at, i16x8.shr_u(i16x8.add(i16x8.sub(rr, l), offset), 1));
      }
    }
    for (; x < width; x++) {
      const p = rowStart + <usize>x * 3;
      const r = <i32>load<u8>(p);
      const b = <i32>load<u8>(p, 2);
      const l = (77 * r + 150 * <i32>load<u8>(p, 1) + 29 * b) >> 8;
      store<u16>(lumaRow + (<usize>x << 1), l);
      store<u16>(uRow + (<usize>x << 1), (b - l + 255) >> 1);
      store<u16>(vRow + (<usize>x << 1), (r - l + 255) >> 1);
    }
    const base = load<u32>(rowBase + (<usize>y << 2));
    for (let x = 0; x < width; x++) {
      const at = <usize>x << 1;
      const l = <u32>load<u16>(lumaRow + at);
      const cell = sums + (<usize>(base + load<u32>(cellOfColumn + (<usize>x << 2))) << 2);
      store<u32>(cell, load<u32>(cell) + l);
      bump(counts + (<usize>l << 2));
      bump(counts + (<usize>(256 + <u32>load<u16>(uRow + at)) << 2));
      bump(counts + (<usize>(512 + <u32>load<u16>(vRow + at)) << 2));
    }
  }
}

@inline function bump(at: usize): void {
  store<u32>(at, load<u32>(at) + 1);
}

/**
 * The least, over shifts of `b` by up to `radius` cells each way, of the mean absolute difference
 * of two float32 cell grids (cols × rows) over their overlap: the shot detector's search for the
 * camera's motion between two frames (shot-features.ts). The differences are taken in float64 as
 * in JavaScript, summed in four lanes (so the last bits differ from a one-by-one sum), and a shift
 * is given up on once its partial sum is sure to exceed the best so far. The unshifted comparison
 * goes first: it is usually the least and bounds the others early.
 */
export function leastShiftedDiff(a: usize, b: usize, cols: i32, rows: i32, radius: i32): f64 {
  let best = shiftedCellDiff(a, b, cols, rows, 0, 0, Infinity);
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (dx != 0 || dy != 0) best = min(best, shiftedCellDiff(a, b, cols, rows, dx, dy, best));
    }
  }
  return best;
}

/** One shift of leastShiftedDiff: the mean, or Infinity once it is sure to exceed `above`. */
function shiftedCellDiff(a: usize, b: usize, cols: i32, rows: i32, dx: i32, dy: i32, above: f64): f64 {
  const y0 = max(0, -dy);
  const y1 = min(rows, rows - dy);
  const x0 = max(0, -dx);
  const x1 = min(cols, cols - dx);
  const n = max(0, y1 - y0) * max(0, x1 - x0);
  if (n == 0) return 0;
  // A margin over the bound so that rounding can never drop a shift that ties or wins.
  const limit = above * <f64>n * (1 + 1e-9);
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let tail: f64 = 0;
  for (let y = y0; y < y1; y++) {
    const pa = a + (<usize>(y * cols) << 2);
    const pb = b + (<usize>((y + dy) * cols + dx) << 2);
    let x = x0;
    for (; x + 4 <= x1; x += 4) {
      const va = v128.load(pa + (<usize>x << 2));
      const vb = v128.load(pb + (<usize>x << 2));
      lo = f64x2.add(lo, f64x2.abs(f64x2.sub(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb))));
      const ha = i8x16.shuffle(va, va, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
      const hb = i8x16.shuffle(vb, vb, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
      hi = f64x2.add(hi, f64x2.abs(f64x2.sub(f64x2.promote_low_f32x4(ha), f64x2.promote_low_f32x4(hb))));
    }
    for (; x < x1; x++) tail += abs(<f64>load<f32>(pa + (<usize>x << 2)) - <f64>load<f32>(pb + (<usize>x << 2)));
    const sum = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1) + tail;
    if (sum > limit) return Infinity;
  }
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1) + tail) / <f64>n;
}
