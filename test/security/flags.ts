/** Flags the security tests pass so that their loopback servers and temp folders may be used. */
export const LOOPBACK_FLAGS = (localRoot: string): string[] => ['--allow-private-network', '--allow-local', localRoot];
