/**
 * ffmpeg options for building benchmark media (the shots corpora, the filters' copies) that holds
 * the same pictures on every machine, so figures can be checked on another one.
 */

/**
 * ffmpeg's own code (decoders, filters, swscale, its MPEG and MJPEG encoders) as C alone. Its SIMD
 * code is picked by the CPU's instruction sets and much of it rounds otherwise: built with this
 * machine's AVX-512 and with C alone, 4 shots-corpus videos of 4 tried decoded to other MD5s. C
 * alone makes a build 1.2-4x slower. x264, libvpx and libtheora pick their own SIMD, which this does
 * not reach (x264 and libvpx test their assembly against their C code for equal output; that is
 * not checked here).
 */
export const SAME_ON_ANY_CPU = ['-cpuflags', '0'];

/**
 * Threads of every encoder. ffmpeg's default follows the machine's cores, and x264, libvpx and
 * ffmpeg's MPEG encoders write other pictures for other thread counts. 3 is what that default was
 * on the 2-core machine the corpora were first built on.
 */
export const ENCODER_THREADS = 3;
