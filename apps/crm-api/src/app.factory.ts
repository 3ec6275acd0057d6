import { MikroORM } from '@mikro-orm/postgresql';
import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppLogger } from '@app/platform';
import { AppModule } from './app.module';
import { ApiKeyAuth } from './auth/api-key-auth';
import { Tokens } from './auth/tokens';
import { errorBody } from './common/error-body';
import { limitConnections } from './common/connection-limits';
import { refuseAnonymousBodies } from './common/early-auth';
import { configureHttpEdge } from './common/http-setup';
import { addSecurityHeaders } from './common/security-headers';
import { setupOpenApi } from './common/openapi-setup';
import { ApiConfig } from './config/api.config';
import { requestContextPerRequest } from './database/request-context';
import { serveDashboard } from './dashboard/serve-dashboard';

/**
 * Builds crm-api, ready to listen: main.ts uses it, and so can a test that wants the
 * real HTTP edge (parsers, headers, docs) rather than a bare module.
 */
export async function createApp(config: ApiConfig, logger = new AppLogger('crm-api', config.LOG_LEVEL, config.LOG_FORMAT)): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // Timeouts against clients that open connections and send slowly or not at all:
    // headers within HTTP_HEADERS_TIMEOUT_MS, the whole request within
    // HTTP_REQUEST_TIMEOUT_MS (else 408 and closed), checked every second (Node's
    // default is every 30 s); silence either way for HTTP_IDLE_TIMEOUT_MS closes it.
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
    },
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.HTTP_IDLE_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // Errors the router raises before any route runs (a malformed URL, an over-long
    // path parameter) get the API's error shape too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void reply.code(status).send(errorBody(status, error.message));
    },
  });
  // bodyParser off: the JSON-only parser of configureHttpEdge replaces Nest's and Fastify's.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger, bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();
  // First of the onRequest hooks: the answers the others give early (a 401 before a body
  // is read, a 404 for a dot segment) carry the security headers too.
  addSecurityHeaders(fastify, {
    // The Swagger UI at /api/docs loads its scripts from here but styles elements inline.
    // No upgrade-insecure-requests: crm-api itself speaks plain HTTP (TLS, if any, ends
    // at a proxy), and the upgrade would break the docs page when opened by IP.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        imgSrc: [`'self'`, 'data:'],
        scriptSrc: [`'self'`],
        upgradeInsecureRequests: null,
      },
    },
  });
  configureHttpEdge(fastify, config.BODY_LIMIT_BYTES, config.PUBLIC_URL);
  const keys = app.get(ApiKeyAuth);
  const tokens = app.get(Tokens);
  refuseAnonymousBodies(
    fastify,
    (token) => tokens.verify(token) !== null,
    (token) => keys.authenticate(token),
  );
  // Last of the onRequest hooks: the rest of the request runs in its own EntityManager.
  requestContextPerRequest(fastify, app.get(MikroORM));
  limitConnections(fastify.server, config.HTTP_MAX_CONNECTIONS, config.HTTP_MAX_CONNECTIONS_PER_ADDRESS);
  setupOpenApi(app);
  // The dashboard's static files, at /dashboard/ (public: outside Nest's guards).
  await serveDashboard(fastify);
  return app;
}
