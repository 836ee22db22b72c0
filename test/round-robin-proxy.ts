import { Server, Socket, connect, createServer } from 'node:net';

const READINESS_POLL_MS = 50;

/**
 * What a Kubernetes Service does at the TCP level: each new connection goes to the next backend in
 * turn among those whose readiness answers 200 (the endpoints), and then stays with it, kept-alive
 * requests and all, whatever its readiness says later.
 */
export class RoundRobinProxy {
  private turn = 0;
  private readonly sockets = new Set<Socket>();
  private readonly ready = new Set<number>();
  private polling = true;
  private readonly poller: Promise<void>;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: number[],
  ) {
    this.poller = this.pollReadiness();
  }

  static async start(port: number, backends: number[]): Promise<RoundRobinProxy> {
    const holder: { proxy?: RoundRobinProxy } = {};
    const server = createServer((client) => holder.proxy!.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    holder.proxy = new RoundRobinProxy(server, port, backends);
    return holder.proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.polling = false;
    await this.poller;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async pollReadiness(): Promise<void> {
    while (this.polling) {
      for (const port of this.backends) {
        const answer = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        if (answer?.status === 200) this.ready.add(port);
        else this.ready.delete(port);
      }
      await new Promise((resolve) => setTimeout(resolve, READINESS_POLL_MS));
    }
  }

  private forward(client: Socket): void {
    this.track(client);
    const endpoints = this.backends.filter((port) => this.ready.has(port));
    const candidates = endpoints.length > 0 ? endpoints : this.backends;
    const backend = connect(candidates[this.turn++ % candidates.length], '127.0.0.1');
    this.track(backend);
    backend.once('connect', () => {
      client.pipe(backend);
      backend.pipe(client);
    });
    backend.once('error', () => client.destroy());
    client.once('error', () => backend.destroy());
    client.once('close', () => backend.destroy());
    backend.once('close', () => client.destroy());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}
