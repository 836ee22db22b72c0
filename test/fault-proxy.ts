import { Server, Socket, createConnection, createServer } from 'node:net';

/**
 * A TCP proxy in front of one service (a database or the broker) that a test can break on purpose:
 * `cut()` resets every connection through it at once, as a failed network link would. New
 * connections are accepted again right away, so the app reconnects. `onClientData` sees each chunk
 * an app sends before it is forwarded, and may cut other proxies first: a fault at an exact moment.
 * `delayMs` holds each chunk that long before forwarding it (in order): a slow network, which
 * stretches every statement so that concurrent transactions overlap for sure.
 */
export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  cuts = 0;

  constructor(
    private readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly onClientData: (chunk: Buffer, connection: object) => void = () => undefined,
    private readonly delayMs = 0,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      const connection = {};
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      let forwarded = Promise.resolve();
      client.on('data', (chunk) => {
        this.onClientData(chunk, connection);
        if (this.delayMs === 0) {
          upstream.write(chunk);
          return;
        }
        forwarded = forwarded
          .then(() => new Promise((resolve) => setTimeout(resolve, this.delayMs)))
          .then(() => void upstream.write(chunk));
      });
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  cut(): void {
    this.cuts += 1;
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
