/** What the fake W&B and Hub servers share: an HTTP server on a free loopback port, answered by `handle`. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class LoopbackServer {
  private server: Server | null = null;

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Answers one request; what it throws becomes a 500 with the error as the body. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const fail = (error: unknown): void => {
        res.statusCode = 500;
        res.end(String(error));
      };
      try {
        this.handle(req, res)?.catch(fail);
      } catch (error) {
        fail(error);
      }
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => this.server?.close(() => ok()));
  }
}
