import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * The OpenAPI document of crm-api: served by the app, and written to docs/openapi.json
 * (scripts/openapi.ts, from the app built in preview mode: no database needed), from
 * which the typed client in libs/client is generated.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('crm-api')
    .setDescription(
      [
        'The CRM REST API: leads, contacts, opportunities, quotes, tasks, and manual interaction logs.',
        'Every change worth a line in the activity feed is published as an event (transactional outbox -> RabbitMQ `crm.events`).',
        'Paths end in `/` (the same path without it works too). Money is a decimal string with two places, e.g. "50000.00";',
        'clients may send a number or a string. Lists answer `{"results": [...], "next": url|null}` with `?limit=` (1-100, default 20) and an opaque `?cursor=`.',
        'Errors answer `{"status", "error", "message"}`. Send `X-Correlation-Id: <uuid>` to tie the events of a request to your own logs.',
      ].join(' '),
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'from POST /api/auth/token/' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the OpenAPI description at /api/docs (UI) and /api/docs-json (the document). */
export function setupOpenApi(app: INestApplication): void {
  const document = openApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
