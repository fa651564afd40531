import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnTypeScript } from '../utils/typescript-child';
import type { WarehouseDump } from './fixtures/warehouse.messages';

/** The warehouse service in a child process of its own, driven over IPC. */
export class WarehouseProcess {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(env: Record<string, string>): Promise<WarehouseProcess> {
    const child = spawnTypeScript(join(__dirname, 'fixtures/warehouse.main.ts'), {
      env: { ...process.env, ...env },
    });
    const warehouse = new WarehouseProcess(child);
    await warehouse.request('ready', undefined, 60_000);
    return warehouse;
  }

  async dump(): Promise<WarehouseDump> {
    return (await this.request<{ dump: WarehouseDump }>('dump', { type: 'dump' })).dump;
  }

  async reset(): Promise<void> {
    await this.request('reset', { type: 'reset' });
  }

  /** Waits until the dump satisfies `done` (messages cross the broker asynchronously). */
  async waitFor(done: (dump: WarehouseDump) => boolean, limitMs = 20_000): Promise<WarehouseDump> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const dump = await this.dump();
      if (done(dump)) return dump;
      if (Date.now() > deadline) {
        throw new Error(`warehouse never got there; it saw ${JSON.stringify(dump.seen)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private request<T>(type: string, message: unknown, limitMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (reply: { type: string }) => {
        if (reply.type !== type) return;
        cleanup();
        resolve(reply as T);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`warehouse exited (${code}):\n${this.output}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`warehouse did not answer "${type}":\n${this.output}`));
      }, limitMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      if (message !== undefined) this.child.send(message as object);
    });
  }
}
