/** Flags the security tests pass so that their loopback servers and temp folders may be used. */
export const LOOPBACK_FLAGS = (_localRoot: string): string[] => [];
