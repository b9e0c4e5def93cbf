/** Download counters per host, for progress lines and stats.json. */

export interface HostStats {
  /** Requests started (every attempt, retries included). */
  requests: number;
  /** Sources fetched successfully. */
  fetched: number;
  /** Bytes of the successfully fetched files. */
  bytes: number;
  /** Sources that finally failed, by error code. */
  failures: Record<string, number>;
}

const emptyStats = (): HostStats => ({ requests: 0, fetched: 0, bytes: 0, failures: {} });

export class FetchStats {
  private readonly hosts = new Map<string, HostStats>();

  recordRequest(host: string): void {
    this.host(host).requests++;
  }

  recordSuccess(host: string, bytes: number): void {
    const s = this.host(host);
    s.fetched++;
    s.bytes += bytes;
  }

  recordFailure(host: string, code: string): void {
    const failures = this.host(host).failures;
    failures[code] = (failures[code] ?? 0) + 1;
  }

  /** A copy of the counters, per host. */
  byHost(): Record<string, HostStats> {
    return Object.fromEntries([...this.hosts].map(([h, s]) => [h, { ...s, failures: { ...s.failures } }]));
  }

  /** All hosts added together. */
  totals(): HostStats {
    const total = emptyStats();
    for (const s of this.hosts.values()) {
      total.requests += s.requests;
      total.fetched += s.fetched;
      total.bytes += s.bytes;
      for (const [code, n] of Object.entries(s.failures)) total.failures[code] = (total.failures[code] ?? 0) + n;
    }
    return total;
  }

  private host(host: string): HostStats {
    let s = this.hosts.get(host);
    if (!s) this.hosts.set(host, (s = emptyStats()));
    return s;
  }
}
