import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** The activity dashboard at /dashboard/: a static page over the public API. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
