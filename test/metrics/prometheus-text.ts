/** One sample line of a Prometheus (or OpenMetrics) text scrape. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** OpenMetrics exemplar labels, when the line carries one. */
  exemplar?: Record<string, string>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*?)\})? (\S+)(?: # \{(.*?)\} \S+(?: \S+)?)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the sample lines of a scrape; comments (`# HELP`, `# TYPE`, `# EOF`) are skipped. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`Unparsable metrics line: ${line}`);
    const [, name, labels, value, exemplar] = match;
    samples.push({
      name: name!,
      labels: parseLabels(labels),
      value: Number(value),
      ...(exemplar !== undefined ? { exemplar: parseLabels(exemplar) } : {}),
    });
  }
  return samples;
}

/** The samples of one metric name whose labels include `labels`. */
export function samplesOf(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return parseSamples(text).filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The value of the one sample with exactly these labels, or undefined when there is none. */
export function valueOf(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const keys = Object.keys(labels).sort().join(',');
  const matching = samplesOf(text, name, labels).filter(
    (sample) => Object.keys(sample.labels).sort().join(',') === keys,
  );
  if (matching.length > 1)
    throw new Error(`Several ${name} samples match ${JSON.stringify(labels)}`);
  return matching[0]?.value;
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const [, key, value] of text.matchAll(LABEL)) labels[key!] = value!;
  return labels;
}
