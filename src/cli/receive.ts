import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VigilError, errorMessage, systemCode } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { BatchSink, HttpReceiver, MqttReceiver, type ReceivedInfo } from '../uplink/receiver.ts';
import { EXIT_FAILURE, EXIT_OK, num, parse, report, str, type CommandSpec, type Io } from './common.ts';

export const receiveSpec: CommandSpec = {
  name: 'receive',
  summary: 'Reference upstream receiver: accept uplink batches (HTTP(S) and/or MQTT), validate, deduplicate, store, acknowledge.',
  usage: 'vigil receive --out DIR [--port N] [--host ADDR] [--mqtt URL] [--tls-cert FILE --tls-key FILE] [--token T] [--max-bytes N] [--json]',
  help: `
Each accepted batch is written durably to DIR/<hub>/<seq>.cbor (temporary file, fsync,
rename) before it is acknowledged; a batch already there is acknowledged as a duplicate and
not written again, so hubs that resend after a crash or a lost ack are stored exactly once.

Options:
  --out DIR          where batches are written (created if missing)
  --port N           HTTP(S) port (0 picks a free one; default 8443); POST application/cbor
  --host ADDR        listen address (default 127.0.0.1)
  --mqtt URL         also (or only, with --no-http) take batches from this broker
                     (subscribes vigil/+/batches, acks on vigil/<hub>/acks)
  --no-http          MQTT only
  --tls-cert FILE    serve HTTPS with this certificate (PEM) ...
  --tls-key FILE     ... and key
  --token T          require "Authorization: Bearer T"
  --max-bytes N      refuse larger batches with 413 (default 16 MiB)
  --json             one JSON line per accepted batch on stdout
  -h, --help         show this help

Prints "listening on URL" on stderr once up; runs until SIGINT/SIGTERM.`,
  options: {
    out: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    mqtt: { type: 'string' },
    'no-http': { type: 'boolean' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    token: { type: 'string' },
    'max-bytes': { type: 'string' },
    json: { type: 'boolean' },
  },
};

export async function receive(argv: string[], io: Io): Promise<number> {
  let http: HttpReceiver | null = null;
  let mqtt: MqttReceiver | null = null;
  try {
    const p = parse(receiveSpec, argv, io);
    if (!p) return EXIT_OK;
    const out = str(p, 'out');
    if (out === undefined) throw new VigilError('VIGIL_USAGE', `--out DIR is required\nusage: ${receiveSpec.usage}`);
    const port = num(p, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number 0-65535') ?? 8443;
    const maxBytes = num(p, 'max-bytes', (n) => Number.isInteger(n) && n > 0, 'a positive number of bytes');
    const certFile = str(p, 'tls-cert');
    const keyFile = str(p, 'tls-key');
    if ((certFile === undefined) !== (keyFile === undefined)) throw new VigilError('VIGIL_USAGE', '--tls-cert and --tls-key go together');
    const noHttp = p.values['no-http'] === true;
    const mqttUrl = str(p, 'mqtt');
    if (noHttp && mqttUrl === undefined) throw new VigilError('VIGIL_USAGE', '--no-http needs --mqtt URL');
    const jsonOut = p.values.json === true;
    const logger = createLogger({ format: io.isTTY ? 'pretty' : 'json', sink: { write: (l) => io.err(l) } });
    let count = 0;
    const sink = new BatchSink({
      outDir: path.resolve(out),
      maxBytes,
      logger,
      onBatch: (info: ReceivedInfo) => {
        count++;
        if (jsonOut) io.out(JSON.stringify(info) + '\n');
        else if (count % 100 === 1 || info.alarms > 0) io.err(`vigil receive: ${info.hubId} #${info.seq} ${info.status} (${count} batches so far)\n`);
      },
    });
    if (!noHttp) {
      const tls = certFile !== undefined && keyFile !== undefined ? { cert: await readFile(certFile), key: await readFile(keyFile) } : null;
      http = new HttpReceiver({ sink, token: str(p, 'token') ?? null, tls, logger });
      const url = await http.listen(port, str(p, 'host') ?? '127.0.0.1');
      io.err(`vigil receive: listening on ${url}\n`);
    }
    if (mqttUrl !== undefined) {
      mqtt = new MqttReceiver({ sink, url: mqttUrl, logger });
      await mqtt.start();
      io.err(`vigil receive: subscribed at ${mqttUrl}\n`);
    }
  } catch (e: unknown) {
    await http?.close();
    await mqtt?.close();
    if (systemCode(e) === 'EADDRINUSE') return report(new VigilError('VIGIL_HTTP_PORT_IN_USE', `port in use: ${errorMessage(e)}`), io);
    return report(e, io);
  }
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      Promise.all([http?.close(), mqtt?.close()]).then(
        () => resolve(EXIT_OK),
        () => resolve(EXIT_FAILURE),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
