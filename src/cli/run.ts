import type { BindingInterface } from '@serialport/bindings-interface';
import { defaultConfig, loadConfig, validateConfig } from '../config/load.ts';
import type { VigilConfig } from '../config/schema.ts';
import { SystemClock } from '../core/clock.ts';
import { VigilError, systemCode } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { startHub } from '../main.ts';
import { EXIT_FAILURE, EXIT_OK, num, parse, report, str, type CommandSpec, type Io } from './common.ts';

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'Run the bedside hub: read the configured devices, store everything in LevelDB, serve the local HTTP port.',
  usage: 'vigil run [--config FILE] [--data-dir DIR] [--port N] [--host ADDR] [--log-level LEVEL] [--log-format FORMAT]',
  help: `
Without --config the hub runs its embedded default: one simulated bed (synthetic patient,
scenario "demo"), LevelDB under ./data, HTTP on 127.0.0.1:8080.
The hub's URL is printed on stdout once it is up; logs go to stderr (JSON lines when stderr
is not a terminal, readable lines on a terminal). SIGINT or SIGTERM stops the devices,
flushes the store and exits 0.

Options:
  --config FILE        YAML or JSON configuration (see 'vigil config check')
  --data-dir DIR       override hub.dataDir
  --port N             override http.port (0 picks a free port)
  --host ADDR          override http.host
  --log-level LEVEL    debug | info | warn | error
  --log-format FORMAT  auto | json | pretty
  -h, --help           show this help

Exit status: 0 after a clean stop, 1 when the hub could not start or failed, 2 for a bad
command line or configuration.`,
  options: {
    config: { type: 'string', short: 'c' },
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' },
  },
};

export async function run(argv: string[], io: Io): Promise<number> {
  let cfg: VigilConfig;
  try {
    const p = parse(runSpec, argv, io);
    if (!p) return EXIT_OK;
    const file = str(p, 'config');
    cfg = file ? await loadConfig(file) : defaultConfig();
    const port = num(p, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number 0-65535');
    // Overrides go through the same validation as the file.
    cfg = validateConfig(
      {
        ...cfg,
        hub: { ...cfg.hub, dataDir: str(p, 'data-dir') ?? cfg.hub.dataDir },
        http: { host: str(p, 'host') ?? cfg.http.host, port: port ?? cfg.http.port },
        log: { level: str(p, 'log-level') ?? cfg.log.level, format: str(p, 'log-format') ?? cfg.log.format },
      },
      file ?? 'command line',
    );
  } catch (e: unknown) {
    return report(e, io);
  }

  const logger = createLogger({ level: cfg.log.level, format: cfg.log.format === 'auto' ? undefined : cfg.log.format });
  const clock = new SystemClock();
  let hub;
  try {
    hub = await startHub(cfg, {
      clock,
      logger,
      baseDir: process.cwd(),
      serialBinding: async (): Promise<BindingInterface> => (await import('@serialport/bindings-cpp')).autoDetect() as unknown as BindingInterface,
    });
  } catch (e: unknown) {
    if (systemCode(e) === 'EADDRINUSE') {
      return report(new VigilError('VIGIL_HTTP_PORT_IN_USE', `${cfg.http.host}:${cfg.http.port} is already in use (another vigil?); choose another with --port or http.port`), io);
    }
    return report(e, io);
  }
  io.out(`Vigil hub ${cfg.hub.id} (bed ${cfg.hub.bed}) running at ${hub.url}\n`);

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        io.err(`vigil: second ${sig}: exiting without waiting for the store\n`);
        resolve(EXIT_FAILURE);
        return;
      }
      logger.info('signal received, stopping', { signal: sig });
      hub.stop().then(
        () => resolve(EXIT_OK),
        (e: unknown) => resolve(report(e, io)),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
