import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminSeeder } from './admin-seeder';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [AuthModule],
  controllers: [UsersController],
  providers: [UsersService, AdminSeeder],
  exports: [UsersService],
})
export class UsersModule {}
