import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { HealthService } from './health.service';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

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
