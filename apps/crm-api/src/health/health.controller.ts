import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { HealthService } from './health.service';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers. Restart it only when this fails, not when a dependency is down. */
  @Public()
  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process serves HTTP' })
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the same check as GET /health (database answers; broker and outbox reported). */
  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 when the database answers, 503 otherwise' })
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.check(reply);
  }

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness and readiness: 200 when the database answers, 503 otherwise; broker and outbox reported' })
  @ApiResponse({ status: 200, description: '{"status": "ok", "database": "up", "broker": "up"|"down", "outbox": {"pending", "oldest_age_seconds"}}' })
  @ApiResponse({ status: 503, description: '{"status": "unavailable", "database": "down", ...}' })
  async check(@Res({ passthrough: true }) reply: FastifyReply) {
    const { healthy, body } = await this.health.check();
    reply.status(healthy ? 200 : 503).header('Cache-Control', 'no-store');
    return body;
  }
}
