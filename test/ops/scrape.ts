// Scraping /metrics (or any path) of a test server over HTTPS with its self-signed certificate, and
// reading values from the parsed Prometheus text format.
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface HttpAnswer {
  status: number;
  body: string;
}

export function get(port: number, path: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Sample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

export class Scrape {
  readonly families: Map<string, Family>;

  constructor(readonly text: string) {
    this.families = new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
  }

  private samples(name: string, labels: Record<string, string>): Sample[] {
    const family = this.families.get(name);
    if (!family) throw new Error(`metric ${name} not in the scrape`);
    return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** Sum of the matching samples' values (gauges and counters). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((sum, m) => sum + Number(m.value), 0);
  }

  /** Count and sum of the matching histogram series, and the cumulative count at each bucket bound. */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number; le: (bound: string) => number } {
    const samples = this.samples(name, labels);
    return {
      count: samples.reduce((s, m) => s + Number(m.count), 0),
      sum: samples.reduce((s, m) => s + Number(m.sum), 0),
      le: (bound) => samples.reduce((s, m) => s + Number(m.buckets?.[bound] ?? NaN), 0),
    };
  }
}

/** `promtool check metrics`: a second, independent parser and linter of the exposition format. */
export function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
    child.stdin?.end(text);
  });
}
