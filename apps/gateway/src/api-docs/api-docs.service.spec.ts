import { ConfigService } from '@nestjs/config';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { GatewayConfig } from '../gateway.config';
import { proxyRoutes } from '../proxy-routes';
import { ApiDocsService } from './api-docs.service';
import { ApiDocument } from './merge-api-docs';

type App = 'rental' | 'manage' | 'assign' | 'view';

/** Each app's own document: one public operation under its prefix. */
const OWN_PATHS: Record<App, string> = {
  rental: '/rentals',
  manage: '/allocations/{rentalId}',
  assign: '/storage-units',
  view: '/rental-views/{id}',
};
const documentOf = (app: App): ApiDocument => ({
  openapi: '3.0.0',
  info: { title: app, version: '1' },
  paths: { [OWN_PATHS[app]]: { get: { operationId: `${app}Get` } } },
});

/**
 * The four apps behind one local HTTP server, each under its own base path (`/rental/docs-json`):
 * real fetches, counted per app, answered 200 with the app's document unless a test makes it fail.
 */
class Apps {
  asked: Record<App, number> = { rental: 0, manage: 0, assign: 0, view: 0 };
  failing = new Set<App>();
  /** Apps that answer 200 with a page that is not a document (a proxy's error page, say). */
  answeringHtml = new Set<App>();
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const app = req.url?.split('/')[1] as App;
      this.asked[app] += 1;
      if (this.failing.has(app) || req.url !== `/${app}/docs-json`) return void res.writeHead(503).end();
      if (this.answeringHtml.has(app)) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(documentOf(app)));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  totalAsked(): number {
    return Object.values(this.asked).reduce((sum, n) => sum + n, 0);
  }
}

/** A URL where nothing listens: a server's port, once it is closed. */
async function unreachable(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('ApiDocsService', () => {
  const apps = new Apps();
  beforeAll(() => apps.start());
  afterAll(() => apps.stop());
  beforeEach(() => {
    apps.asked = { rental: 0, manage: 0, assign: 0, view: 0 };
    apps.failing.clear();
    apps.answeringHtml.clear();
  });

  function docsService(cacheMs: number, urls: Partial<Record<'RENTAL_URL' | 'MANAGE_URL' | 'ASSIGN_URL' | 'VIEW_URL', string>> = {}) {
    const routes = proxyRoutes({
      RENTAL_URL: `${apps.base}/rental`,
      MANAGE_URL: `${apps.base}/manage`,
      ASSIGN_URL: `${apps.base}/assign`,
      VIEW_URL: `${apps.base}/view`,
      ...urls,
    });
    const config = new ConfigService({ API_DOCS_CACHE_MS: cacheMs }) as ConfigService<GatewayConfig, true>;
    return new ApiDocsService(routes, config);
  }

  it('merges the public operations of every app into one document, asking each app once though it serves several routes', async () => {
    const document = await docsService(0).document();
    expect(Object.keys(document.paths).sort()).toEqual(Object.values(OWN_PATHS).sort());
    expect(document.info.description).not.toContain('Not available');
    expect(apps.asked).toEqual({ rental: 1, manage: 1, assign: 1, view: 1 });
  });

  it('answers with the apps that did answer, and names the one that failed', async () => {
    apps.failing.add('view');
    const document = await docsService(0).document();
    expect(document.info.description).toContain('Not available right now: view.');
    expect(Object.keys(document.paths).sort()).toEqual(['/allocations/{rentalId}', '/rentals', '/storage-units']);
  });

  it('names an app nothing listens for, and still answers', async () => {
    const document = await docsService(0, { MANAGE_URL: await unreachable() }).document();
    expect(document.info.description).toContain('Not available right now: manage.');
    expect(document.paths['/rentals']).toBeDefined();
  });

  it('names an app whose answer is not a document, and still answers', async () => {
    apps.answeringHtml.add('view');
    const document = await docsService(0).document();
    expect(document.info.description).toContain('Not available right now: view.');
    expect(document.paths['/rentals']).toBeDefined();
  });

  it('keeps a complete document for API_DOCS_CACHE_MS, asking the apps nothing meanwhile', async () => {
    const service = docsService(60_000);
    const first = await service.document();
    const again = await service.document();
    expect(again).toBe(first);
    expect(apps.totalAsked()).toBe(4);
  });

  it('keeps no partial document, so an app back from an outage is in the next answer', async () => {
    const service = docsService(60_000);
    apps.failing.add('assign');
    expect((await service.document()).paths['/storage-units']).toBeUndefined();
    apps.failing.clear();
    const next = await service.document();
    expect(next.paths['/storage-units']).toBeDefined();
    expect(next.info.description).not.toContain('Not available');
  });

  it('asks the apps again after API_DOCS_CACHE_MS', async () => {
    const service = docsService(30);
    await service.document();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await service.document();
    expect(apps.asked.rental).toBe(2);
  });

  it('asks the apps every time when API_DOCS_CACHE_MS is 0', async () => {
    const service = docsService(0);
    await service.document();
    await service.document();
    expect(apps.asked.rental).toBe(2);
  });

  it('lets concurrent requests for a missing document share one fetch of each app', async () => {
    const service = docsService(0);
    const [a, b, c] = await Promise.all([service.document(), service.document(), service.document()]);
    expect([b, c]).toEqual([a, a]);
    expect(apps.asked).toEqual({ rental: 1, manage: 1, assign: 1, view: 1 });
  });
});
