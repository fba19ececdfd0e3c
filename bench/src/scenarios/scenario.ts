/** Flags every scenario understands (parsed in main.ts). */
export interface ScenarioFlags {
  /** Write V8 CPU profiles of the worker processes to bench/profiles/. */
  cpuProf: boolean;
  /** Scale the data down (a quick check that a scenario works; figures are not for BENCHMARKS.md). */
  quick: boolean;
  /** `--name=value` arguments, for the sizes a scenario lets you choose (its --help line says which). */
  params: Record<string, string>;
}

/** A benchmark scenario: `npm run bench -- <name>`. */
export interface Scenario {
  name: string;
  /** One line for --help. */
  summary: string;
  /** Rough duration, for --help. */
  duration: string;
  run(flags: ScenarioFlags): Promise<void>;
}
