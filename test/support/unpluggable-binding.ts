/**
 * @serialport/binding-mock with a cable that can be pulled: `unplug(path)` makes pending
 * reads fail (as a real port does when its device node vanishes) and later opens fail with
 * ENOENT until `replug(path)`. The mock sits at the lowest level (the binding), so the real
 * SerialPortStream and driver code run above it.
 */
import type { MockPortBinding } from '@serialport/binding-mock';
import { SerialPortMock } from 'serialport';

const MockBinding = SerialPortMock.binding;
import type { BindingInterface, OpenOptions } from '@serialport/bindings-interface';

export interface Unpluggable {
  binding: BindingInterface;
  unplug(path: string): void;
  replug(path: string): void;
  /** The currently open mock port for a path (to emit bytes into it). */
  port(path: string): MockPortBinding | undefined;
}

export function createUnpluggableBinding(): Unpluggable {
  const unplugged = new Set<string>();
  const open = new Map<string, { port: MockPortBinding; fail: (e: Error) => void }>();

  const binding = {
    list: () => MockBinding.list(),
    async open(options: OpenOptions): Promise<MockPortBinding> {
      if (unplugged.has(options.path)) {
        throw Object.assign(new Error(`cannot open ${options.path}: no such file or directory`), { code: 'ENOENT' });
      }
      const port = await MockBinding.open(options);
      const read = port.read.bind(port);
      // The mock's read may call read again internally: fail every outstanding one.
      const pending = new Set<(e: Error) => void>();
      let pulled: Error | null = null;
      port.read = (buffer: Buffer, offset: number, length: number) =>
        new Promise((resolve, reject) => {
          if (pulled) {
            reject(pulled);
            return;
          }
          pending.add(reject);
          read(buffer, offset, length).then(
            (r: { bytesRead: number; buffer: Buffer }) => {
              pending.delete(reject);
              resolve(r);
            },
            (e: unknown) => {
              pending.delete(reject);
              reject(e);
            },
          );
        });
      open.set(options.path, {
        port,
        fail: (e) => {
          pulled = e;
          for (const r of pending) r(e);
          pending.clear();
        },
      });
      return port;
    },
  } as unknown as BindingInterface;

  return {
    binding,
    unplug(path) {
      unplugged.add(path);
      const o = open.get(path);
      open.delete(path);
      o?.fail(Object.assign(new Error('device disconnected'), { code: 'EIO' }));
    },
    replug(path) {
      unplugged.delete(path);
    },
    port: (path) => open.get(path)?.port,
  };
}
